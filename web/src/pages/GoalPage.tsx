import { useMemo, useState } from "react";
import { Link, useParams } from "wouter";
import {
  GOAL_STATUS_LABELS,
  goalTypeLabel,
  type Goal,
  type ProgressEntry,
  type ProgressSummary,
} from "../api/types/goals";
import { formatCompactMoney } from "../charts/axis";
import { ErrorText, Loaded } from "../components/Async";
import { LineChart } from "../components/LineChart";
import { Page } from "../components/Page";
import { formatMoney } from "../format";
import { FundingSection } from "./goals/FundingSection";
import { GoalDetailsForm } from "./goals/GoalDetailsForm";
import { GoalOverview } from "./goals/GoalOverview";
import { LifecycleActions } from "./goals/LifecycleActions";
import { MilestonesSection } from "./goals/MilestonesSection";
import { ProgressEntries } from "./goals/ProgressEntries";
import { ProgressForm } from "./goals/ProgressForm";
import { goalTrend } from "./goals/trend";
import { useGoalReads, useRevalidateGoal } from "./goals/useGoal";
import "./goals/goal.css";

const formatValue = (value: number) => formatMoney(value);
const formatTick = (value: number) => formatCompactMoney(value);

/** The progress tracker of one goal: where it stands, its trend and projection, milestones, funding, entries. */
export function GoalPage() {
  const { id = "" } = useParams<{ id: string }>();
  const reads = useGoalReads(id);
  const revalidate = useRevalidateGoal(id);
  const goal = reads.goal.data;

  if (reads.goal.error?.status === 404) {
    return (
      <Page title="No such goal">
        <p>There is no goal at this address: it may have been deleted, or the link is wrong.</p>
        <p>
          <Link href="/">Back to the dashboard</Link>
        </p>
      </Page>
    );
  }
  if (goal === undefined) {
    return (
      <Page title="Goal">
        {reads.goal.error ? <ErrorText message={reads.goal.error.message} /> : <p role="status">Loading the goal…</p>}
        <p>
          <Link href="/">Back to the dashboard</Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title={goal.name}>
      <p className="goal-meta">
        <span className={`goal-status status-${goal.status}`}>{GOAL_STATUS_LABELS[goal.status]}</span> ·{" "}
        {goalTypeLabel(goal.type)}
        {goal.description ? ` · ${goal.description}` : ""}
      </p>
      <LifecycleActions goal={goal} onChanged={revalidate} />

      <section aria-labelledby="progress-heading">
        <h2 id="progress-heading">Progress</h2>
        <ErrorText message={reads.summary.error?.message} />
        <GoalOverview goal={goal} summary={reads.summary.data} />
      </section>

      <section aria-labelledby="trend-heading">
        <h2 id="trend-heading">Amount over time</h2>
        <Loaded data={reads.history.data} error={reads.history.error} loading="Loading the progress history…">
          {(entries) => <GoalTrendChart goal={goal} entries={entries} summary={reads.summary.data} />}
        </Loaded>
      </section>

      <section aria-labelledby="record-heading">
        <h2 id="record-heading">Record progress</h2>
        {goal.status === "completed" || goal.status === "abandoned" ? (
          <p>This goal is {GOAL_STATUS_LABELS[goal.status].toLowerCase()}: its amount can no longer change.</p>
        ) : (
          <ProgressForm goalId={goal.id} onRecorded={revalidate} />
        )}
      </section>

      <MilestonesSection goalId={goal.id} milestones={goal.milestones} onChanged={revalidate} />

      <section aria-labelledby="funding-heading">
        <h2 id="funding-heading" tabIndex={-1}>
          Funding sources
        </h2>
        <Loaded data={reads.funding.data} error={reads.funding.error} loading="Loading the funding sources…">
          {(sources) => <FundingSection goalId={goal.id} sources={sources} onChanged={revalidate} />}
        </Loaded>
      </section>

      <section aria-labelledby="entries-heading">
        <h2 id="entries-heading">Progress entries</h2>
        <Loaded
          data={reads.history.data}
          error={reads.history.error}
          loading="Loading the progress entries…"
          empty={<p>No progress recorded yet. Record a contribution or the new amount above.</p>}
        >
          {(entries) => <ProgressEntries entries={entries} />}
        </Loaded>
      </section>

      <section aria-labelledby="details-heading">
        <h2 id="details-heading">Goal details</h2>
        <GoalDetails goal={goal} onChanged={revalidate} />
      </section>
    </Page>
  );
}

/** The details form behind a disclosure, in the page only while open (its fields then name only themselves). */
function GoalDetails({ goal, onChanged }: { goal: Goal; onChanged: () => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="goal-details" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Change the name, target, deadline or description</summary>
      {open && <GoalDetailsForm goal={goal} onChanged={onChanged} />}
    </details>
  );
}

interface GoalTrendChartProps {
  goal: Goal;
  entries: ProgressEntry[];
  summary: ProgressSummary | undefined;
}

function GoalTrendChart({ goal, entries, summary }: GoalTrendChartProps) {
  // "Today" for the projection's start: the moment the page opened is close enough, and keeps renders pure.
  const [now] = useState(() => Date.now());
  const trend = useMemo(() => goalTrend(goal, summary, entries, now), [goal, summary, entries, now]);
  return (
    <LineChart
      title={`${goal.name}: amount over time`}
      series={trend.series}
      references={trend.references}
      formatValue={formatValue}
      formatTick={formatTick}
    />
  );
}
