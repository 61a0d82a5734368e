import { useCallback } from "react";
import { useSWRConfig } from "swr";

const TRADING_READS = /^\/goals\/(status|history\/|targets\/history)/;

/** After a write: read the goals, their history and the target log again. */
export function useRefreshTradingGoals(): () => Promise<unknown> {
  const { mutate } = useSWRConfig();
  return useCallback(
    () => mutate((key) => Array.isArray(key) && typeof key[0] === "string" && TRADING_READS.test(key[0])),
    [mutate],
  );
}
