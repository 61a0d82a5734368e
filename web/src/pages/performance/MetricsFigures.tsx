import type { Metrics, Performance } from "../../api/types/positions";
import { formatDateTime, formatMoney, formatPercent, type Amount } from "../../format";
import { direction, formatRatio, formatSignedMoney } from "../portfolio/numbers";

type Figure = [term: string, value: string, tone?: "gain" | "loss" | "flat"];

function signed(value: Amount | null): Figure[2] {
  return value === null ? undefined : direction(value);
}

function minutes(value: Amount | null): string {
  return value === null ? "—" : `${formatRatio(value)} min`;
}

function FigureList({ title, figures }: { title: string; figures: Figure[] }) {
  const id = `figures-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section aria-labelledby={id} className="figure-group">
      <h3 id={id}>{title}</h3>
      <dl className="details">
        {figures.map(([term, value, tone]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd className={tone}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** The trades' metrics: results, exits, risk and reward. */
export function TradeFigures({ metrics }: { metrics: Metrics }) {
  return (
    <>
      <FigureList
        title="Results"
        figures={[
          ["Closed trades", String(metrics.total_trades)],
          ["Wins / losses", `${metrics.winning_trades} / ${metrics.losing_trades}`],
          ["Win rate", formatPercent(metrics.win_rate)],
          ["Total P&L", formatSignedMoney(metrics.total_pnl), signed(metrics.total_pnl)],
          ["Average P&L (expectancy)", formatSignedMoney(metrics.avg_pnl), signed(metrics.avg_pnl)],
          ["Average win", formatSignedMoney(metrics.avg_win)],
          ["Average loss", formatSignedMoney(metrics.avg_loss)],
          ["Profit factor", formatRatio(metrics.profit_factor)],
          ["Expectancy ratio", formatRatio(metrics.expectancy_ratio)],
          ["Fees paid", formatMoney(metrics.total_fees)],
          ["Average duration", minutes(metrics.avg_trade_duration_minutes)],
        ]}
      />
      <FigureList
        title="Exits"
        figures={[
          ["Take profit hit", formatPercent(metrics.tp_hit_rate)],
          ["Stop loss hit", formatPercent(metrics.sl_hit_rate)],
          ["Closed by hand", formatPercent(metrics.manual_exit_rate)],
          ["Average slippage", formatPercent(metrics.avg_slippage)],
        ]}
      />
      <FigureList
        title="Risk and reward"
        figures={[
          ["Planned risk/reward", formatRatio(metrics.avg_planned_rr)],
          ["Actual risk/reward", formatRatio(metrics.avg_actual_rr)],
          ["Achieved of plan", formatPercent(metrics.rr_achievement_rate)],
        ]}
      />
    </>
  );
}

/** The portfolio's return and risk ratios, from its daily values over the last 365 days. */
export function PortfolioFigures({ performance }: { performance: Performance }) {
  const drawdownSpan =
    performance.max_drawdown_start && performance.max_drawdown_end
      ? `${formatDateTime(performance.max_drawdown_start)} to ${formatDateTime(performance.max_drawdown_end)}`
      : "—";
  return (
    <FigureList
      title="Ratios"
      figures={[
        ["Largest drawdown", formatPercent(performance.max_drawdown_percent)],
        ["Drawdown from / to", drawdownSpan],
        ["Sharpe ratio", formatRatio(performance.sharpe_ratio)],
        ["Sortino ratio", formatRatio(performance.sortino_ratio)],
        ["Yearly growth (CAGR)", formatPercent(performance.cagr_percent)],
        ["Calmar ratio", formatRatio(performance.calmar_ratio)],
      ]}
    />
  );
}
