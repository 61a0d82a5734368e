// The goal page's reads, and revalidating them (and the dashboard and alerts they feed) after a write.

import { useCallback } from "react";
import { useSWRConfig } from "swr";
import type { FundingSource, Goal, ProgressEntry, ProgressSummary } from "../../api/types/goals";
import { useApiGet } from "../../api/useApi";

/** How many progress entries the page reads (newest first): the API's largest page. */
export const HISTORY_LIMIT = 100;

export function goalPath(goalId: string): string {
  return `/goals/${encodeURIComponent(goalId)}`;
}

/** The four reads of the goal page, in parallel. */
export function useGoalReads(goalId: string) {
  const path = goalPath(goalId);
  const goal = useApiGet<Goal>(path);
  // The rest wait for the goal itself only to avoid three more 404s for a goal that does not exist.
  const found = goal.error?.status !== 404;
  return {
    goal,
    summary: useApiGet<ProgressSummary>(found ? `${path}/progress` : null),
    history: useApiGet<ProgressEntry[]>(found ? `${path}/progress/history` : null, { limit: HISTORY_LIMIT }),
    funding: useApiGet<FundingSource[]>(found ? `${path}/funding` : null),
  };
}

/**
 * After a write: every read of this goal, the dashboard, and the alerts (a change may raise one) are read
 * again.
 */
export function useRevalidateGoal(goalId: string): () => Promise<unknown> {
  const { mutate } = useSWRConfig();
  const path = goalPath(goalId);
  return useCallback(
    () =>
      mutate((key) => {
        const target = Array.isArray(key) ? key[0] : undefined;
        if (typeof target !== "string") return false;
        const ofThisGoal = target === path || target.startsWith(`${path}/`);
        return ofThisGoal || target === "/goals/dashboard" || target === "/alerts";
      }),
    [mutate, path],
  );
}
