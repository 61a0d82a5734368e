// Marking alerts read: PATCH /alerts/{id}/read for each, a few at a time (the API throttles bursts).

import type { ApiClient } from "../../api/client";
import type { Alert } from "../../api/types/alerts";

const AT_ONCE = 5;

/**
 * Marks `alerts` read and hands every alert the API answered to `apply`, also when some failed (so that what
 * was marked shows as marked); then throws the first failure, if any.
 */
export async function markAlertsRead(
  api: ApiClient,
  alerts: readonly Alert[],
  apply: (updated: Alert[]) => Promise<unknown>,
): Promise<Alert[]> {
  const updated: Alert[] = [];
  let failure: unknown = null;
  for (let start = 0; start < alerts.length && failure === null; start += AT_ONCE) {
    const batch = alerts.slice(start, start + AT_ONCE);
    const results = await Promise.allSettled(
      batch.map((alert) => api.patch<Alert>(`/alerts/${encodeURIComponent(alert.id)}/read`)),
    );
    for (const result of results) {
      if (result.status === "fulfilled") updated.push(result.value);
      else failure ??= result.reason;
    }
  }
  if (updated.length > 0) await apply(updated);
  if (failure !== null) throw failure;
  return updated;
}
