import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link } from "wouter";
import { useServices } from "../../app/services";
import { newIdempotencyKey, useAction } from "../../api/useAction";
import type { Side } from "../../api/types/portfolio";
import type { Position, PositionCreate } from "../../api/types/positions";
import { ErrorText } from "../../components/Async";
import { parseDecimal, parseOptionalDecimal, parseOptionalInteger } from "./fields";
import { SIDE_NAMES } from "./labels";
import { levelProblems } from "./levels";
import { TextField, type TextFieldProps } from "./TextField";

const SYMBOL = /^[A-Z0-9.\-/]{1,20}$/;
const KEY_TEXT = /^[^#\p{Cc}]{1,100}$/u;

const BLANK = {
  symbol: "",
  side: "LONG" as Side,
  quantity: "",
  entry_price: "",
  leverage: "1",
  stop_loss: "",
  take_profit: "",
  trailing_stop_percent: "",
  max_duration_minutes: "",
  fees_paid: "",
  entry_time: "",
  pending: false,
  strategy: "",
  bot_id: "",
  prompt_id: "",
  reason: "",
};

type Values = typeof BLANK;
type TextName = { [K in keyof Values]: Values[K] extends string ? K : never }[keyof Values];
type Problems = Partial<Record<keyof Values, string>>;

/** The form's values as a request body, or what to fix. */
export function positionBody(values: Values): { body?: PositionCreate; problems: Problems } {
  const problems: Problems = {};
  const symbol = values.symbol.trim().toUpperCase();
  if (symbol === "") problems.symbol = "Symbol is required";
  else if (!SYMBOL.test(symbol)) problems.symbol = "Symbol must be 1 to 20 letters, digits, dots, dashes or slashes";
  const quantity = parseDecimal(values.quantity, { label: "Quantity" });
  const entry = parseDecimal(values.entry_price, { label: "Entry price" });
  const leverage = parseOptionalInteger(values.leverage, "Leverage", 1, 125);
  const stopLoss = parseOptionalDecimal(values.stop_loss, { label: "Stop loss" });
  const takeProfit = parseOptionalDecimal(values.take_profit, { label: "Take profit" });
  const trailing = parseOptionalDecimal(values.trailing_stop_percent, { label: "Trailing stop", below: 100 });
  const duration = parseOptionalInteger(values.max_duration_minutes, "Maximum duration", 1, 525_600);
  const fees = parseOptionalDecimal(values.fees_paid, { label: "Fees paid", allowZero: true });
  const entryTime = values.entry_time === "" ? null : new Date(values.entry_time);
  for (const [name, parsed] of [
    ["quantity", quantity],
    ["entry_price", entry],
    ["leverage", leverage],
    ["stop_loss", stopLoss],
    ["take_profit", takeProfit],
    ["trailing_stop_percent", trailing],
    ["max_duration_minutes", duration],
    ["fees_paid", fees],
  ] as const) {
    if (parsed.error !== undefined) problems[name] = parsed.error;
  }
  if (entryTime !== null && Number.isNaN(entryTime.getTime())) {
    problems.entry_time = "Entry time is not a valid date and time";
  }
  for (const name of ["strategy", "bot_id", "prompt_id"] as const) {
    const text = values[name].trim();
    if (text !== "" && !KEY_TEXT.test(text)) problems[name] = "Use up to 100 characters, without #";
  }
  if (values.reason.length > 2000) problems.reason = "Notes can be at most 2000 characters";
  if (entry.value !== undefined && stopLoss.value !== undefined && takeProfit.value !== undefined) {
    Object.assign(problems, levelProblems(values.side, entry.value, stopLoss.value, takeProfit.value));
  }
  if (Object.keys(problems).length > 0 || quantity.value === undefined || entry.value === undefined) {
    return { problems };
  }
  const body: PositionCreate = { symbol, side: values.side, quantity: quantity.value, entry_price: entry.value };
  const optional = {
    leverage: leverage.value,
    stop_loss: stopLoss.value,
    take_profit: takeProfit.value,
    trailing_stop_percent: trailing.value,
    max_duration_minutes: duration.value,
    fees_paid: fees.value,
    entry_time: entryTime?.toISOString() ?? null,
    status: values.pending ? "PENDING" : null,
    strategy: values.strategy.trim() || null,
    bot_id: values.bot_id.trim() || null,
    prompt_id: values.prompt_id.trim() || null,
    reason: values.reason.trim() || null,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== null && value !== undefined) Object.assign(body, { [name]: value });
  }
  return { body, problems };
}

/** Opens a position (POST /positions), sending one Idempotency-Key for all retries of the same submit. */
export function OpenPositionForm({ onOpened }: { onOpened: (position: Position) => Promise<void> }) {
  const { api } = useServices();
  const ids = useId();
  const [values, setValues] = useState<Values>(BLANK);
  const [problems, setProblems] = useState<Problems>({});
  const [opened, setOpened] = useState<Position | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const [failedChecks, setFailedChecks] = useState(0);
  useEffect(() => {
    // After a failed check has been drawn, take the user to the first field to fix.
    if (failedChecks > 0) form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [failedChecks]);
  // The key of the submit that has not succeeded yet, with the body it was for: a retry of the same body
  // reuses it (the API then answers with the first response), a changed body gets a new one.
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const open = useAction(async (body: PositionCreate) => {
    const text = JSON.stringify(body);
    if (attempt.current?.body !== text) attempt.current = { key: newIdempotencyKey(), body: text };
    const position = await api.post<Position>("/positions", body, { idempotencyKey: attempt.current.key });
    attempt.current = null;
    await onOpened(position);
    return position;
  });

  const set = (name: TextName) => (value: string) => setValues((current) => ({ ...current, [name]: value }));
  const field = (name: TextName, label: string, extra: Pick<TextFieldProps, "numeric" | "required" | "hint"> = {}) => (
    <TextField label={label} value={values[name]} onChange={set(name)} error={problems[name]} {...extra} />
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    setOpened(null);
    const { body, problems: found } = positionBody(values);
    setProblems(found);
    if (body === undefined) {
      setFailedChecks((count) => count + 1);
      return;
    }
    const position = await open.run(body);
    if (position) {
      setOpened(position);
      setValues(BLANK);
    }
  }

  return (
    <form ref={form} onSubmit={submit} noValidate aria-labelledby={`${ids}-title`} className="position-form">
      <h2 id={`${ids}-title`}>Open a position</h2>
      <p className="hint">Fields marked * are required.</p>
      <div className="form-grid">
        {field("symbol", "Symbol", { required: true, hint: "e.g. AAPL or BTCUSDT" })}
        <div className="field">
          <label htmlFor={`${ids}-side`}>Side</label>
          <select
            id={`${ids}-side`}
            value={values.side}
            onChange={(event) => setValues((current) => ({ ...current, side: event.target.value as Side }))}
          >
            {(["LONG", "SHORT"] as const).map((side) => (
              <option key={side} value={side}>
                {SIDE_NAMES[side]}
              </option>
            ))}
          </select>
        </div>
        {field("quantity", "Quantity", { numeric: true, required: true })}
        {field("entry_price", "Entry price", { numeric: true, required: true, hint: "In US dollars" })}
        {field("leverage", "Leverage", { numeric: true, hint: "1 to 125; 1 is no leverage" })}
        {field("stop_loss", "Stop loss", { numeric: true, hint: "Optional price" })}
        {field("take_profit", "Take profit", { numeric: true, hint: "Optional price" })}
        {field("trailing_stop_percent", "Trailing stop (%)", { numeric: true, hint: "Optional, e.g. 2.5" })}
        {field("max_duration_minutes", "Maximum duration (minutes)", { numeric: true, hint: "Optional" })}
        {field("fees_paid", "Fees paid", { numeric: true, hint: "Optional, in US dollars" })}
        <div className="field">
          <label htmlFor={`${ids}-time`}>Entry time</label>
          <span id={`${ids}-time-hint`} className="hint">
            Optional; now if left blank (your time zone)
          </span>
          <input
            id={`${ids}-time`}
            type="datetime-local"
            value={values.entry_time}
            onChange={(event) => setValues((current) => ({ ...current, entry_time: event.target.value }))}
            aria-invalid={problems.entry_time ? true : undefined}
            aria-describedby={problems.entry_time ? `${ids}-time-hint ${ids}-time-error` : `${ids}-time-hint`}
          />
          {problems.entry_time ? (
            <span id={`${ids}-time-error`} className="field-error">
              {problems.entry_time}
            </span>
          ) : null}
        </div>
        {field("strategy", "Strategy", { hint: "Optional, e.g. breakout" })}
        {field("bot_id", "Bot", { hint: "Optional: the bot that made this trade" })}
        {field("prompt_id", "Prompt", { hint: "Optional: the prompt behind it" })}
        {field("reason", "Notes", { hint: "Optional: why you took this trade" })}
      </div>
      <div className="field checkbox">
        <input
          id={`${ids}-pending`}
          type="checkbox"
          checked={values.pending}
          onChange={(event) => setValues((current) => ({ ...current, pending: event.target.checked }))}
        />
        <label htmlFor={`${ids}-pending`}>The order has not filled yet (record it as pending)</label>
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={open.busy}>
          {open.busy ? "Opening…" : "Open position"}
        </button>
      </div>
      <ErrorText message={open.error} />
      {opened ? (
        <p role="status">
          {opened.status === "PENDING" ? "Recorded the pending order " : "Opened "}
          <Link href={`/positions/${opened.id}`}>{`${opened.symbol} ${SIDE_NAMES[opened.side].toLowerCase()}`}</Link>
          {opened.status === "PENDING" ? ": it shows under Pending until it fills." : "."}
        </p>
      ) : null}
    </form>
  );
}
