// PUT /goals/targets: the three targets, each checked against the contract's range, only the changed ones sent.

import { useState, type FormEvent } from "react";
import type { TargetsResponse, TradingGoal, TradingGoalType } from "../../api/types/trading";
import { useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { ErrorText } from "../../components/Async";
import { MONEY_INPUT, TextField } from "../wizard/Field";
import {
  TRADING_GOALS,
  checkTargets,
  formatGoalValue,
  targetUpdateTexts,
  targetsDraft,
  targetsQuery,
  type TargetsDraft,
} from "./tradingGoals";
import { useRefreshTradingGoals } from "./useRefreshTradingGoals";

export function TargetsForm({ goals }: { goals: readonly TradingGoal[] }) {
  const { api } = useServices();
  const refresh = useRefreshTradingGoals();
  const [draft, setDraft] = useState<TargetsDraft>(() => targetsDraft(goals));
  const [errors, setErrors] = useState<Partial<Record<TradingGoalType, string>>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction(async (query: Record<string, string>) => {
    const answer = await api.put<TargetsResponse>(`/goals/targets?${new URLSearchParams(query).toString()}`);
    setSaved(savedText(answer));
    await refresh();
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    const found = checkTargets(draft);
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first !== undefined) {
      document.getElementById(`trading-target-${first}`)?.focus();
      return;
    }
    const query = targetsQuery(draft, goals);
    if (query === null) setSaved("Nothing to save: change a target first.");
    else void save.run(query);
  };

  return (
    <section aria-labelledby="trading-targets-heading">
      <h2 id="trading-targets-heading">Targets</h2>
      <form onSubmit={submit} noValidate className="trading-form">
        {goals.map(({ goal_type: type }) => {
          const { title, unit, min, max } = TRADING_GOALS[type];
          return (
            <TextField
              key={type}
              id={`trading-target-${type}`}
              label={unit === "percent" ? `${title} target (%)` : `${title} target ($)`}
              hint={`From ${formatGoalValue(type, min)} to ${formatGoalValue(type, max)}.`}
              value={draft[type]}
              onChange={(value) => setDraft({ ...draft, [type]: value })}
              error={errors[type]}
              {...MONEY_INPUT}
            />
          );
        })}
        <ErrorText message={save.error} />
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? "Saving…" : "Save targets"}
        </button>
        <p role="status" className="trading-done">
          {saved ?? ""}
        </p>
      </form>
    </section>
  );
}

function savedText(answer: TargetsResponse): string {
  return `Targets saved: ${targetUpdateTexts(answer.updates).join("; ")}.`;
}
