// The three trading goals now: value against target, progress, status in words, and a snapshot on demand.

import { useState } from "react";
import type { ManualSnapshotResponse, TradingGoal } from "../../api/types/trading";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { ErrorText } from "../../components/Async";
import { formatDateTime, formatPercent } from "../../format";
import { TRADING_GOALS, formatGoalValue, statusWords } from "./tradingGoals";
import { useRefreshTradingGoals } from "./useRefreshTradingGoals";

export function GoalCards({ goals }: { goals: readonly TradingGoal[] }) {
  const { api } = useServices();
  const refresh = useRefreshTradingGoals();
  const [takenAt, setTakenAt] = useState<string | null>(null);
  const snapshot = useAction(async () => {
    const answer = await api.post<ManualSnapshotResponse>("/goals/manual-snapshot");
    setTakenAt(answer.timestamp);
    await refresh();
  });

  return (
    <section aria-labelledby="trading-now-heading">
      <h2 id="trading-now-heading">This month</h2>
      <ul className="trading-cards">
        {goals.map((goal) => (
          <li key={goal.goal_type} className="trading-card" data-status={goal.status}>
            <h3>{TRADING_GOALS[goal.goal_type].title}</h3>
            <p className="trading-value">
              {formatGoalValue(goal.goal_type, goal.current_value)}
              <span className="trading-of"> of {formatGoalValue(goal.goal_type, goal.target_value)}</span>
            </p>
            <div className="trading-bar" aria-hidden="true">
              <span style={{ width: `${Math.min(Math.max(Number(goal.progress_percent), 0), 100)}%` }} />
            </div>
            <p>
              {formatPercent(goal.progress_percent)} of target ·{" "}
              <strong className="trading-status">{statusWords(goal.status)}</strong>
            </p>
            <p className="form-hint">
              {goal.updated_at ? `Updated ${formatDateTime(goal.updated_at)}` : "Not evaluated yet: take a snapshot."}
            </p>
          </li>
        ))}
      </ul>
      <p className="form-hint">
        A goal is achieved at 100% of its target, on track from 85%, at risk from 70% and behind below that. The
        goals are evaluated every day at 23:59 UTC; a snapshot evaluates them now.
      </p>
      <button type="button" onClick={() => void snapshot.run()} disabled={snapshot.busy}>
        {snapshot.busy ? "Taking a snapshot…" : "Take a snapshot now"}
      </button>
      <ErrorText message={snapshot.error} />
      <p role="status" className="trading-done">
        {takenAt && !snapshot.busy ? `Snapshot taken ${formatDateTime(takenAt)}.` : ""}
      </p>
    </section>
  );
}
