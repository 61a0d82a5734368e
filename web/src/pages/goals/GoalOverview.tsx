import type { Goal, ProgressSummary } from "../../api/types/goals";
import { formatCalendarDate, formatMoney } from "../../format";
import { GoalRing } from "../dashboard/GoalRing";
import { trackingText } from "../dashboard/tracking";

interface GoalOverviewProps {
  goal: Goal;
  summary: ProgressSummary | undefined;
}

/** The ring and the summary's figures: where the goal stands and what it takes to finish on time. */
export function GoalOverview({ goal, summary }: GoalOverviewProps) {
  return (
    <div className="goal-overview">
      <GoalRing goal={goal} size={148} />
      <dl className="goal-figures">
        <Figure term="Tracking" value={trackingText(goal)} />
        <Figure term="Current amount" value={formatMoney(goal.current_amount)} />
        <Figure term="Target" value={formatMoney(goal.target_amount)} />
        <Figure term="Started from" value={formatMoney(goal.start_amount)} />
        <Figure
          term="Deadline"
          value={goal.deadline === null ? "None" : deadlineText(goal.deadline, summary?.days_remaining ?? null)}
        />
        {summary !== undefined && (
          <>
            <Figure term="Needed per month" value={formatMoney(summary.required_monthly_contribution)} />
            <Figure term="Current pace per month" value={formatMoney(summary.current_monthly_pace)} />
            <Figure
              term="Projected completion"
              value={
                summary.projected_completion_date === null
                  ? "Not at the current pace"
                  : formatCalendarDate(summary.projected_completion_date)
              }
            />
            {summary.projected_final_value !== null && goal.deadline !== null && (
              <Figure term="Projected at the deadline" value={formatMoney(summary.projected_final_value)} />
            )}
          </>
        )}
      </dl>
    </div>
  );
}

function Figure({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function deadlineText(deadline: string, daysRemaining: number | null): string {
  const day = formatCalendarDate(deadline);
  return daysRemaining === null ? day : `${day} (${daysText(daysRemaining)})`;
}

function daysText(days: number): string {
  if (days === 0) return "due now";
  return days === 1 ? "1 day left" : `${days} days left`;
}
