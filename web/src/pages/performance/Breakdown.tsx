import { useState } from "react";
import type { Metrics, Performance } from "../../api/types/positions";
import { formatPercent } from "../../format";
import { direction, formatRatio, formatSignedMoney } from "../portfolio/numbers";
import { NumberHeaders, TableScroll } from "../portfolio/TableScroll";

const GROUPS = [
  { key: "by_strategy", label: "By strategy", column: "Strategy", none: "No closed trade has a strategy yet." },
  { key: "by_bot", label: "By bot", column: "Bot", none: "No closed trade came from a bot yet." },
  { key: "by_prompt", label: "By prompt", column: "Prompt", none: "No closed trade names a prompt yet." },
] as const;

type Group = (typeof GROUPS)[number];

/** The metrics of each strategy, bot and prompt, one grouping at a time. */
export function Breakdown({ performance }: { performance: Performance }) {
  const [shown, setShown] = useState<Group>(GROUPS[0]);
  const rows = Object.entries(performance[shown.key]).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <div className="segmented" role="group" aria-label="Group the trades">
        {GROUPS.map((group) => (
          <button
            key={group.key}
            type="button"
            aria-pressed={group.key === shown.key}
            onClick={() => setShown(group)}
          >
            {group.label}
          </button>
        ))}
      </div>
      {rows.length === 0 ? (
        <div className="empty-state">
          <p>{shown.none} Give your positions one when you open them to compare them here.</p>
        </div>
      ) : (
        <GroupTable column={shown.column} rows={rows} />
      )}
    </>
  );
}

function GroupTable({ column, rows }: { column: string; rows: [string, Metrics][] }) {
  return (
    <TableScroll label={`Performance ${column.toLowerCase()} table`}>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{column}</th>
            <NumberHeaders
              names={["Trades", "Win rate", "Total P&L", "Average P&L", "Profit factor", "Actual risk/reward"]}
            />
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, metrics]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="number">{metrics.total_trades}</td>
              <td className="number">{formatPercent(metrics.win_rate)}</td>
              <td className={`number ${direction(metrics.total_pnl)}`}>{formatSignedMoney(metrics.total_pnl)}</td>
              <td className="number">{formatSignedMoney(metrics.avg_pnl)}</td>
              <td className="number">{formatRatio(metrics.profit_factor)}</td>
              <td className="number">{formatRatio(metrics.avg_actual_rr)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
