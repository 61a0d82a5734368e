import { useMemo } from "react";
import { Link, useSearchParams } from "wouter";
import { GOAL_STATUSES, type GoalDashboard, type GoalStatus } from "../api/types/goals";
import { useApiGet } from "../api/useApi";
import { Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { GoalCard } from "./dashboard/GoalCard";
import { GoalFilters } from "./dashboard/GoalFilters";
import { arrangeGoals, isGoalSort, presentTypes, type GoalFilter, type GoalSort } from "./dashboard/goalCards";
import { PortfolioValue } from "./dashboard/PortfolioValue";
import { UnreadAlerts } from "./dashboard/UnreadAlerts";
import "./dashboard/dashboard.css";

const DEFAULT_SORT: GoalSort = "attention";

// Three reads in parallel whatever the number of goals: the goals with their summaries, the newest unread
// alerts and the portfolio. Nothing is read per goal.
export function DashboardPage() {
  const dashboard = useApiGet<GoalDashboard>("/goals/dashboard");
  return (
    <Page title="Dashboard">
      <p>
        <Link href="/goals/new" className="button primary">
          New goal
        </Link>
      </p>
      <div className="dashboard-grid">
        <section className="dashboard-goals" aria-labelledby="goals-heading">
          <h2 id="goals-heading">Goals</h2>
          <Loaded
            data={dashboard.data?.goals}
            error={dashboard.error}
            loading="Loading your goals…"
            empty={<p>No goals yet. Create one with “New goal” to start tracking your progress.</p>}
          >
            {(all) => <GoalBoard goals={all} />}
          </Loaded>
        </section>
        <aside className="dashboard-side" aria-label="Alerts and portfolio">
          <UnreadAlerts count={dashboard.data?.unread_alerts} />
          <PortfolioValue />
        </aside>
      </div>
    </Page>
  );
}

/** The cards, filtered and sorted as the address says (so a filtered view can be bookmarked or shared). */
function GoalBoard({ goals }: { goals: GoalDashboard["goals"] }) {
  const [params, setParams] = useSearchParams();
  const sortParam = params.get("sort");
  const sort = isGoalSort(sortParam) ? sortParam : DEFAULT_SORT;
  const statusParam = params.get("status") ?? "";
  const type = params.get("type") ?? "";
  const status = (GOAL_STATUSES as readonly string[]).includes(statusParam) ? (statusParam as GoalStatus) : "";
  const filter: GoalFilter = { type, status };
  const types = useMemo(() => presentTypes(goals), [goals]);
  const shown = useMemo(() => arrangeGoals(goals, { type, status }, sort), [goals, type, status, sort]);

  const update = (changes: Record<string, string>) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        for (const [key, value] of Object.entries(changes)) {
          if (value === "" || (key === "sort" && value === DEFAULT_SORT)) next.delete(key);
          else next.set(key, value);
        }
        return next;
      },
      { replace: true },
    );

  return (
    <>
      <GoalFilters
        filter={filter}
        sort={sort}
        types={types}
        onFilter={(next) => update({ type: next.type, status: next.status })}
        onSort={(next) => update({ sort: next })}
      />
      <p className="goal-count" role="status">
        {shown.length === goals.length
          ? `${goals.length} ${goals.length === 1 ? "goal" : "goals"}`
          : `${shown.length} of ${goals.length} goals match`}
      </p>
      {shown.length === 0 ? (
        <div className="empty-state">
          <p>No goal matches these filters.</p>
          <button type="button" onClick={() => update({ type: "", status: "" })}>
            Show every goal
          </button>
        </div>
      ) : (
        <ul className="goal-cards">
          {shown.map((goal) => (
            <li key={goal.id}>
              <GoalCard goal={goal} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
