import { Link } from "wouter";
import { useApiGet } from "../api/useApi";
import { Page } from "../components/Page";
import { formatPercent } from "../format";

interface GoalSummary {
  id: string;
  name: string;
  percent_complete: number;
  tracking_status: string;
}

export function DashboardPage() {
  const goals = useApiGet<GoalSummary[]>("/goals");
  return (
    <Page title="Dashboard">
      <p>
        <Link href="/goals/new" className="button primary">
          New goal
        </Link>
      </p>
      <section aria-labelledby="goals-heading">
        <h2 id="goals-heading">Goals</h2>
        {goals.error ? (
          <p role="alert">{goals.error.message}</p>
        ) : goals.data === undefined ? (
          <p role="status">Loading your goals…</p>
        ) : goals.data.length === 0 ? (
          <p>No goals yet. Create one with “New goal” to start tracking your progress.</p>
        ) : (
          <ul className="goal-list">
            {goals.data.map((goal) => (
              <li key={goal.id}>
                <Link href={`/goals/${encodeURIComponent(goal.id)}`}>{goal.name}</Link>{" "}
                <span>{formatPercent(goal.percent_complete)} complete</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </Page>
  );
}
