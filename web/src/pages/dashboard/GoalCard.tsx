import { useId } from "react";
import { Link } from "wouter";
import { goalTypeLabel, type Goal, type ProgressSummary } from "../../api/types/goals";
import { formatCalendarDate, formatMoney } from "../../format";
import { nextMilestone } from "./goalCards";
import { GoalRing } from "./GoalRing";
import { trackingText } from "./tracking";

interface GoalCardProps {
  goal: Goal & { progress: ProgressSummary };
}

/** One goal on the dashboard: its name (the link to its page), progress, tracking status and next milestone. */
export function GoalCard({ goal }: GoalCardProps) {
  const headingId = useId();
  const milestone = nextMilestone(goal);
  const status = trackingText(goal);
  const daysLeft = goal.progress.days_remaining;
  return (
    <article className="goal-card" aria-labelledby={headingId}>
      <div className="goal-card-head">
        <GoalRing goal={goal} size={76} />
        <div>
          <h3 id={headingId}>
            <Link href={`/goals/${encodeURIComponent(goal.id)}`}>{goal.name}</Link>
          </h3>
          <p className={`tracking tracking-${goal.status === "active" ? goal.tracking_status : goal.status}`}>
            {status}
          </p>
        </div>
      </div>
      <dl className="goal-facts">
        <div>
          <dt>Amount</dt>
          <dd>
            {formatMoney(goal.current_amount)} (target {formatMoney(goal.target_amount)})
          </dd>
        </div>
        <div>
          <dt>Deadline</dt>
          <dd>
            {goal.deadline === null ? "None" : formatCalendarDate(goal.deadline)}
            {goal.deadline !== null && daysLeft !== null && goal.status === "active" && ` · ${daysLeftText(daysLeft)}`}
          </dd>
        </div>
        <div>
          <dt>Next milestone</dt>
          <dd>
            {milestone !== null
              ? `${milestone.description} at ${formatMoney(milestone.amount)}`
              : goal.milestones.length > 0
                ? "All milestones reached"
                : "None set"}
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>{goalTypeLabel(goal.type)}</dd>
        </div>
      </dl>
    </article>
  );
}

function daysLeftText(days: number): string {
  if (days === 0) return "due";
  return days === 1 ? "1 day left" : `${days} days left`;
}
