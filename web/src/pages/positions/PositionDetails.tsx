import type { ReactNode } from "react";
import { Link } from "wouter";
import type { Position } from "../../api/types/positions";
import { formatDateTime, formatMoney, formatPercent } from "../../format";
import { direction, formatQuantity, formatRatio, formatSignedMoney, formatSignedPercent } from "../portfolio/numbers";
import { EXIT_REASON_NAMES, SIDE_NAMES, STATUS_NAMES } from "./labels";

type Row = [term: string, value: ReactNode];

function Figures({ rows }: { rows: Row[] }) {
  return (
    <dl className="details">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Signed({ value, percent }: { value: Position["pnl_usd"]; percent?: Position["pnl_percentage"] }) {
  if (value === null) return <>—</>;
  return (
    <span className={direction(value)}>
      {formatSignedMoney(value)}
      {percent !== undefined && percent !== null ? ` (${formatSignedPercent(percent)})` : ""}
    </span>
  );
}

function minutes(value: number | null): string {
  return value === null ? "—" : `${value} min`;
}

/** The trade: entry, levels, result, and who placed it (a bot, a prompt, a connected account). */
export function PositionDetails({ position, levelsForm }: { position: Position; levelsForm?: ReactNode }) {
  const closed = position.status === "CLOSED";
  const entry: Row[] = [
    ["Status", STATUS_NAMES[position.status]],
    ["Side", SIDE_NAMES[position.side]],
    ["Quantity", formatQuantity(position.quantity)],
    ["Entry price", formatMoney(position.entry_price)],
    ["Entry time", formatDateTime(position.entry_time)],
    ["Leverage", `${position.leverage}×`],
    ["Fees paid", formatMoney(position.fees_paid)],
  ];
  const levels: Row[] = [
    ["Stop loss", formatMoney(position.stop_loss)],
    ["Take profit", formatMoney(position.take_profit)],
    ["Trailing stop", position.trailing_stop_percent === null ? "—" : formatPercent(position.trailing_stop_percent)],
    ["Maximum duration", minutes(position.max_duration_minutes)],
    ["Planned risk/reward", formatRatio(position.risk_reward_ratio)],
  ];
  const result: Row[] = closed
    ? [
        ["Exit price", formatMoney(position.exit_price)],
        ["Exit time", position.exit_time ? formatDateTime(position.exit_time) : "—"],
        ["Exit reason", position.exit_reason ? EXIT_REASON_NAMES[position.exit_reason] : "—"],
        ["Realized P&L", <Signed key="pnl" value={position.pnl_usd} percent={position.pnl_percentage} />],
        ["Result", position.is_winning === null ? "—" : position.is_winning ? "Win" : "Loss"],
        ["Actual risk/reward", formatRatio(position.actual_rr_ratio)],
        ["Slippage", position.slippage === null ? "—" : formatPercent(position.slippage)],
        ["Duration", minutes(position.trade_duration_minutes)],
      ]
    : [
        ["Last price", formatMoney(position.last_updated_price)],
        ["Unrealized P&L", <Signed key="pnl" value={position.unrealized_pnl} />],
      ];
  const origin: Row[] = [
    ["Strategy", position.strategy ?? "—"],
    ["Bot", position.bot_id ?? "—"],
    ["Prompt", position.prompt_id ?? "—"],
    ["Subscription", position.subscription_id ?? "—"],
    ["Confidence", position.confidence === null ? "—" : formatPercent(position.confidence)],
    ["Order id", position.order_id ?? "—"],
    [
      "Source",
      position.source === "exchange" ? "Created by a connected account's sync" : "Entered in Goalpost",
    ],
    ["Connected account", position.account_id ? <Link href="/settings">{position.account_id}</Link> : "—"],
    [
      "Part of",
      position.parent_id ? (
        <Link href={`/positions/${position.parent_id}`}>the position it was closed from</Link>
      ) : (
        "—"
      ),
    ],
    ["Recorded", formatDateTime(position.created_at)],
    ["Last changed", formatDateTime(position.updated_at)],
  ];
  return (
    <>
      <section aria-labelledby="trade-heading">
        <h2 id="trade-heading">Trade</h2>
        <Figures rows={entry} />
      </section>
      <section aria-labelledby="result-heading">
        <h2 id="result-heading">{closed ? "Result" : "Now"}</h2>
        <Figures rows={result} />
        {position.reason ? <p className="notes">Notes: {position.reason}</p> : null}
      </section>
      <section aria-labelledby="levels-heading">
        <h2 id="levels-heading">Levels</h2>
        <Figures rows={levels} />
        {levelsForm}
      </section>
      <section aria-labelledby="origin-heading">
        <h2 id="origin-heading">Where it came from</h2>
        {/* Most trades have no bot, prompt or account: only what is known is listed. */}
        <Figures rows={origin.filter(([, value]) => value !== "—")} />
      </section>
    </>
  );
}
