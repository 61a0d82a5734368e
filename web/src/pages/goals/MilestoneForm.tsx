import { useEffect, useRef, useState } from "react";
import type { Milestone, MilestoneBody } from "../../api/types/goals";
import { FormFooter, InputField, parseAmount } from "./fields";
import { useCheckedSubmit } from "./useCheckedSubmit";

export interface MilestoneDraft {
  amount: string;
  description: string;
  targetDate: string;
}

export function milestoneDraft(milestone?: Milestone): MilestoneDraft {
  if (milestone === undefined) return { amount: "", description: "", targetDate: "" };
  return {
    amount: String(milestone.amount),
    description: milestone.description,
    targetDate: milestone.target_date ?? "",
  };
}

export function milestoneErrors(draft: MilestoneDraft): Partial<Record<"amount" | "description", string>> {
  const errors: Partial<Record<"amount" | "description", string>> = {};
  const amount = parseAmount(draft.amount);
  if (draft.amount.trim() === "") errors.amount = "Enter the amount the milestone is at.";
  else if (amount === null || amount < 0) errors.amount = "Enter the amount as a number of 0 or more, such as 5000.";
  if (draft.description.trim() === "") errors.description = "Describe the milestone, such as “Halfway there”.";
  return errors;
}

/** The body for POST (no target date: left out) or PATCH (no target date: null clears it). */
export function milestoneBody(draft: MilestoneDraft, forUpdate: boolean): MilestoneBody {
  const body: MilestoneBody = { amount: parseAmount(draft.amount) ?? 0, description: draft.description.trim() };
  if (draft.targetDate !== "") body.target_date = draft.targetDate;
  else if (forUpdate) body.target_date = null;
  return body;
}

interface MilestoneFormProps {
  initial?: Milestone;
  submitText: string;
  busy: boolean;
  error: string | null;
  /** Sends the body with an idempotency key (kept across retries of the same draft); true when saved. */
  onSubmit: (body: MilestoneBody, idempotencyKey: string) => Promise<boolean>;
  onCancel?: () => void;
}

/** Adds a milestone, or edits one (then with the milestone's values and a Cancel button). */
export function MilestoneForm({ initial, submitText, busy, error, onSubmit, onCancel }: MilestoneFormProps) {
  const [draft, setDraft] = useState(() => milestoneDraft(initial));
  const form = useRef<HTMLFormElement>(null);
  // An edit form opens in place of the milestone: the keyboard user lands in its first field.
  const focusOnOpen = useRef(initial !== undefined);
  useEffect(() => {
    if (focusOnOpen.current) form.current?.querySelector("input")?.focus();
  }, []);
  const errors = milestoneErrors(draft);
  const checked = useCheckedSubmit(Object.keys(errors).length > 0, async (key) => {
    const saved = await onSubmit(milestoneBody(draft, initial !== undefined), key);
    if (saved && initial === undefined) setDraft(milestoneDraft());
    return saved;
  });
  const shown = checked.showErrors ? errors : {};

  const change = (fields: Partial<MilestoneDraft>) => {
    checked.edited();
    setDraft((previous) => ({ ...previous, ...fields }));
  };

  return (
    <form className="goal-form" ref={form} noValidate onSubmit={checked.submit}>
      <div className="goal-form-row">
        <InputField
          label="Milestone amount"
          value={draft.amount}
          inputMode="decimal"
          autoComplete="off"
          onChange={(amount) => change({ amount })}
          error={shown.amount}
        />
        <InputField
          label="Description"
          value={draft.description}
          maxLength={500}
          onChange={(description) => change({ description })}
          error={shown.description}
        />
        <InputField
          label="Target date (optional)"
          type="date"
          value={draft.targetDate}
          onChange={(targetDate) => change({ targetDate })}
        />
      </div>
      <FormFooter error={error} busy={busy} text={submitText} busyText="Saving…">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </FormFooter>
    </form>
  );
}
