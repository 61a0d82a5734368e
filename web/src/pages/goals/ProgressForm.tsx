import { useState } from "react";
import type { ProgressEntry, ProgressEntryBody } from "../../api/types/goals";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { formatMoney } from "../../format";
import { FormFooter, InputField, localToday, parseAmount } from "./fields";
import { useCheckedSubmit } from "./useCheckedSubmit";
import { goalPath } from "./useGoal";

type Mode = "contribution" | "value";

interface ProgressFormProps {
  goalId: string;
  onRecorded: () => Promise<unknown>;
}

interface Draft {
  mode: Mode;
  amount: string;
  date: string;
  notes: string;
}

const EMPTY: Draft = { mode: "contribution", amount: "", date: "", notes: "" };

/** What is wrong with the draft, per field; empty when it may be sent. */
export function progressErrors(draft: Draft, today: string): Partial<Record<"amount" | "date", string>> {
  const errors: Partial<Record<"amount" | "date", string>> = {};
  const amount = parseAmount(draft.amount);
  if (draft.amount.trim() === "") errors.amount = "Enter an amount.";
  else if (amount === null) errors.amount = "Enter the amount as a number, such as 250 or 1250.50.";
  else if (draft.mode === "value" && amount < 0) errors.amount = "The amount cannot be negative.";
  else if (draft.mode === "contribution" && amount === 0) errors.amount = "A contribution of 0 changes nothing.";
  if (draft.date !== "" && draft.date > today) errors.date = "The date cannot be in the future.";
  return errors;
}

export function progressBody(draft: Draft): ProgressEntryBody {
  const amount = parseAmount(draft.amount) ?? 0;
  return {
    ...(draft.mode === "value" ? { value: amount } : { contribution_amount: amount }),
    ...(draft.date === "" ? {} : { period_date: draft.date }),
    ...(draft.notes.trim() === "" ? {} : { notes: draft.notes.trim() }),
  };
}

/** Records a contribution (added to the amount, negative to take out) or sets the amount. */
export function ProgressForm({ goalId, onRecorded }: ProgressFormProps) {
  const { api } = useServices();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [notice, setNotice] = useState<string | null>(null);
  const today = localToday();
  const errors = progressErrors(draft, today);
  const record = useAction((body: ProgressEntryBody, key: string) =>
    api.post<ProgressEntry>(`${goalPath(goalId)}/progress`, body, { idempotencyKey: key }),
  );
  const form = useCheckedSubmit(Object.keys(errors).length > 0, async (key) => {
    const entry = await record.run(progressBody(draft), key);
    if (entry === undefined) return false;
    setDraft({ ...EMPTY, mode: draft.mode });
    setNotice(`Recorded: the amount is now ${formatMoney(entry.value_at_period)}.`);
    await onRecorded();
    return true;
  });

  const change = (fields: Partial<Draft>) => {
    form.edited();
    setNotice(null);
    setDraft((previous) => ({ ...previous, ...fields }));
  };

  const shown = form.showErrors ? errors : {};
  return (
    <form className="goal-form" noValidate onSubmit={form.submit}>
      <fieldset>
        <legend>What to record</legend>
        <label className="goal-choice">
          <input
            type="radio"
            name="progress-mode"
            checked={draft.mode === "contribution"}
            onChange={() => change({ mode: "contribution" })}
          />{" "}
          Add or take out money (a negative amount takes out)
        </label>
        <label className="goal-choice">
          <input
            type="radio"
            name="progress-mode"
            checked={draft.mode === "value"}
            onChange={() => change({ mode: "value" })}
          />{" "}
          Set the amount it is at now
        </label>
      </fieldset>
      <div className="goal-form-row">
        <InputField
          label={draft.mode === "value" ? "New amount" : "Contribution"}
          value={draft.amount}
          onChange={(amount) => change({ amount })}
          inputMode="decimal"
          autoComplete="off"
          error={shown.amount}
        />
        <InputField
          label="Date"
          type="date"
          max={today}
          hint="Leave empty for today."
          value={draft.date}
          onChange={(date) => change({ date })}
          error={shown.date}
        />
      </div>
      <InputField
        label="Notes (optional)"
        value={draft.notes}
        maxLength={1000}
        onChange={(notes) => change({ notes })}
      />
      <FormFooter
        error={record.error}
        busy={record.busy}
        text="Record progress"
        busyText="Recording…"
        notice={notice}
      />
    </form>
  );
}
