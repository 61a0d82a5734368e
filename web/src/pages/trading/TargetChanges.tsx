// GET /goals/targets/history: every change of the targets, newest first.

import type { TargetChange } from "../../api/types/trading";
import { useApiGet } from "../../api/useApi";
import { Loaded } from "../../components/Async";
import { formatDateTime, formatMoney } from "../../format";
import { targetUpdateTexts } from "./tradingGoals";

export function TargetChanges() {
  const changes = useApiGet<TargetChange[]>("/goals/targets/history");
  return (
    <section aria-labelledby="trading-changes-heading">
      <h2 id="trading-changes-heading">Target changes</h2>
      <Loaded
        data={changes.data}
        error={changes.error}
        loading="Loading the target changes…"
        empty={<p>No target changes yet. Change a target with the form above and it is listed here.</p>}
      >
        {(rows) => (
          <div className="trading-table-scroll">
            <table className="trading-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">New targets</th>
                  <th scope="col">Reason</th>
                  <th scope="col" className="number">
                    Portfolio value then
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.changed_at}>
                    <td>{formatDateTime(row.changed_at)}</td>
                    <td>
                      {targetUpdateTexts(row.updates).join("; ")}
                    </td>
                    <td>{row.reason}</td>
                    <td className="number">{formatMoney(row.portfolio_value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
    </section>
  );
}
