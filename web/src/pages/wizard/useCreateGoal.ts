// Create: the alert choice first (a PATCH, safe to repeat), then the goal with an Idempotency-Key that a retry of
// the same create reuses, then a template goal's reminder day. A retry after any failure repeats the steps
// without making a second goal.

import { useCallback, useRef } from "react";
import { useSWRConfig } from "swr";
import { newIdempotencyKey, useAction } from "../../api/useAction";
import type { CreatedGoal } from "../../api/types/wizard";
import { useServices } from "../../app/services";
import { buildSubmission, enabledAlertsToSave } from "./body";
import type { WizardDraft } from "./draft";

export function useCreateGoal() {
  const { api } = useServices();
  const { mutate } = useSWRConfig();
  const attempt = useRef<{ request: string; key: string } | null>(null);

  const create = useCallback(
    async (draft: WizardDraft, savedAlerts: readonly string[] | undefined): Promise<CreatedGoal> => {
      const submission = buildSubmission(draft);
      // The same create (path and body) keeps its key across retries; a changed one is a new create.
      const request = JSON.stringify([submission.path, submission.body]);
      if (attempt.current?.request !== request) attempt.current = { request, key: newIdempotencyKey() };
      const alerts = savedAlerts === undefined ? null : enabledAlertsToSave(draft, savedAlerts);
      if (alerts !== null) await api.patch("/alerts/preferences", { enabled_alerts: alerts });
      let goal = await api.post<CreatedGoal>(submission.path, submission.body, { idempotencyKey: attempt.current.key });
      if (submission.reminderDay !== null) {
        goal = await api.patch<CreatedGoal>(`/goals/${goal.id}`, { reminder_day: submission.reminderDay });
      }
      // The dashboard, the goal lists and the alert settings now read differently.
      void mutate((key) => Array.isArray(key) && typeof key[0] === "string" && /^\/(goals|alerts)/.test(key[0]));
      return goal;
    },
    [api, mutate],
  );
  return useAction(create);
}
