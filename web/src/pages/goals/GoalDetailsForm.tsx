import { useCallback, useState } from "react";
import type { Goal, GoalUpdateBody } from "../../api/types/goals";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { FormFooter, InputField, parseAmount } from "./fields";
import { useCheckedSubmit } from "./useCheckedSubmit";
import { goalPath } from "./useGoal";

interface DetailsDraft {
  name: string;
  description: string;
  target: string;
  deadline: string;
}

export function detailsDraft(goal: Goal): DetailsDraft {
  return {
    name: goal.name,
    description: goal.description ?? "",
    target: String(goal.target_amount),
    // The deadline is midnight UTC of its day: the date part is the day meant.
    deadline: goal.deadline === null ? "" : goal.deadline.slice(0, 10),
  };
}

export function detailsErrors(draft: DetailsDraft): Partial<Record<"name" | "target", string>> {
  const errors: Partial<Record<"name" | "target", string>> = {};
  if (draft.name.trim() === "") errors.name = "Give the goal a name.";
  const target = parseAmount(draft.target);
  if (target === null || target < 0) errors.target = "Enter the target as a number of 0 or more, such as 10000.";
  return errors;
}

/** Only what changed: an emptied description or deadline is sent as null, which clears it. */
export function detailsChanges(goal: Goal, draft: DetailsDraft): GoalUpdateBody {
  const before = detailsDraft(goal);
  const changes: GoalUpdateBody = {};
  if (draft.name.trim() !== before.name) changes.name = draft.name.trim();
  if (draft.description.trim() !== before.description) changes.description = draft.description.trim() || null;
  const target = parseAmount(draft.target);
  if (target !== null && target !== Number(goal.target_amount)) changes.target_amount = target;
  if (draft.deadline !== before.deadline) changes.deadline = draft.deadline || null;
  return changes;
}

/** Changes the goal's name, description, target and deadline; a broken rule shows the API's detail. */
export function GoalDetailsForm({ goal, onChanged }: { goal: Goal; onChanged: () => Promise<unknown> }) {
  const { api } = useServices();
  const [draft, setDraft] = useState(() => detailsDraft(goal));
  const [notice, setNotice] = useState<string | null>(null);
  const errors = detailsErrors(draft);
  const save = useAction(
    useCallback((body: GoalUpdateBody) => api.patch<Goal>(goalPath(goal.id), body), [api, goal.id]),
  );
  const checked = useCheckedSubmit(Object.keys(errors).length > 0, async () => {
    const changes = detailsChanges(goal, draft);
    if (Object.keys(changes).length === 0) {
      setNotice("Nothing changed.");
      return true;
    }
    if ((await save.run(changes)) === undefined) return false;
    setNotice("Saved.");
    await onChanged();
    return true;
  });
  const change = (fields: Partial<DetailsDraft>) => {
    setNotice(null);
    setDraft((previous) => ({ ...previous, ...fields }));
  };
  const shown = checked.showErrors ? errors : {};

  return (
    <form className="goal-form" noValidate onSubmit={checked.submit}>
      <div className="goal-form-row">
        <InputField
          label="Name"
          value={draft.name}
          maxLength={200}
          onChange={(name) => change({ name })}
          error={shown.name}
        />
        <InputField
          label="Target amount"
          value={draft.target}
          inputMode="decimal"
          onChange={(target) => change({ target })}
          error={shown.target}
        />
        <InputField
          label="Deadline"
          type="date"
          hint="Empty for none."
          value={draft.deadline}
          onChange={(deadline) => change({ deadline })}
        />
      </div>
      <InputField
        label="Description (optional)"
        value={draft.description}
        maxLength={1000}
        onChange={(description) => change({ description })}
      />
      <FormFooter error={save.error} busy={save.busy} text="Save details" busyText="Saving…" notice={notice} />
    </form>
  );
}
