import type { ProgressEntry, ProgressSource } from "../../api/types/goals";
import { formatCalendarDate, formatDateTime, formatMoney, formatPercent } from "../../format";
import { HISTORY_LIMIT } from "./useGoal";

const SOURCE_LABELS: Record<ProgressSource, string> = {
  manual: "Recorded by you",
  budget_sync: "Budget sync",
  calculated: "From the portfolio",
};

const COLUMNS = ["Date", "Amount", "Change", "Progress", "On track", "Source", "Notes", "Recorded"];

/** The progress entries, newest first, in a table that scrolls sideways on a phone. */
export function ProgressEntries({ entries }: { entries: ProgressEntry[] }) {
  return (
    <>
      {/* A scrolling region must be reachable by keyboard (WCAG 2.1.1). */}
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
      <div className="goal-table-scroll" role="region" aria-label="Progress entries table" tabIndex={0}>
        <table className="goal-table">
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{formatCalendarDate(entry.period_date)}</td>
                <td className="number">{formatMoney(entry.value_at_period)}</td>
                <td className="number">
                  {entry.contribution_amount === null ? "—" : signedMoney(entry.contribution_amount)}
                </td>
                <td className="number">{formatPercent(entry.progress_percent)}</td>
                <td>{entry.on_track ? "Yes" : "No"}</td>
                <td>{SOURCE_LABELS[entry.source] ?? entry.source}</td>
                <td>{entry.notes ?? ""}</td>
                <td>
                  <time dateTime={entry.recorded_at}>{formatDateTime(entry.recorded_at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length >= HISTORY_LIMIT && <p className="goal-note">The latest {HISTORY_LIMIT} entries are shown.</p>}
    </>
  );
}

/** A change with its sign ("+$250.00", "−$100.00"): formatMoney shows a minus already, a plus is added. */
function signedMoney(amount: number | string): string {
  const text = formatMoney(amount);
  return Number(amount) > 0 ? `+${text}` : text;
}
