// POST /goals/record-profit: profit (or a loss) realized outside Goalpost, counted in this month's income.
// The Idempotency-Key is kept while the same amount is retried, so a retry never counts it twice.

import { useRef, useState, type FormEvent } from "react";
import type { RecordProfitResponse } from "../../api/types/trading";
import { newIdempotencyKey, useAction } from "../../api/useAction";
import { useServices } from "../../app/services";
import { ErrorText } from "../../components/Async";
import { formatMoney } from "../../format";
import { MONEY_INPUT, TextField } from "../wizard/Field";
import { parseProfit } from "./tradingGoals";
import { useRefreshTradingGoals } from "./useRefreshTradingGoals";

export function RecordProfitForm() {
  const { api } = useServices();
  const refresh = useRefreshTradingGoals();
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [recorded, setRecorded] = useState<string | null>(null);
  const attempt = useRef<{ profit: number; key: string } | null>(null);
  const record = useAction(async (profit: number) => {
    if (attempt.current?.profit !== profit) attempt.current = { profit, key: newIdempotencyKey() };
    const query = new URLSearchParams({ profit: String(profit) }).toString();
    const answer = await api.post<RecordProfitResponse>(`/goals/record-profit?${query}`, undefined, {
      idempotencyKey: attempt.current.key,
    });
    attempt.current = null;
    setAmount("");
    setRecorded(
      `Recorded ${formatMoney(answer.profit_recorded)}. This month's income so far: ${formatMoney(answer.month_to_date)}.`,
    );
    await refresh();
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setRecorded(null);
    const profit = parseProfit(amount);
    const problem =
      profit === null ? "Enter the profit, or a loss with a minus sign" : Number.isNaN(profit) ? "Enter an amount such as 150 or -75.50" : undefined;
    setError(problem);
    if (problem !== undefined || profit === null) {
      document.getElementById("trading-profit")?.focus();
      return;
    }
    void record.run(profit);
  };

  return (
    <section aria-labelledby="trading-profit-heading">
      <h2 id="trading-profit-heading">Record a profit</h2>
      <p className="form-hint">
        Positions closed in Goalpost count by themselves; record here what you realized elsewhere (a loss with a
        minus sign).
      </p>
      <form onSubmit={submit} noValidate className="trading-form">
        <TextField
          id="trading-profit"
          label="Profit ($)"
          value={amount}
          onChange={setAmount}
          error={error}
          {...MONEY_INPUT}
          inputMode="text"
        />
        <ErrorText message={record.error} />
        <button type="submit" disabled={record.busy}>
          {record.busy ? "Recording…" : "Record profit"}
        </button>
        <p role="status" className="trading-done">
          {recorded ?? ""}
        </p>
      </form>
    </section>
  );
}
