import type { ReactNode } from "react";
import useSWRInfinite from "swr/infinite";
import { Link } from "wouter";
import { useServices } from "../../app/services";
import { useReadAgainOnArrival } from "../../api/useApi";
import type { ApiError, Page as ApiPage, Query } from "../../api/client";
import type { Position, PositionFilter } from "../../api/types/positions";
import { ErrorText } from "../../components/Async";
import { formatDateTime, formatMoney } from "../../format";
import { direction, formatQuantity, formatSignedMoney } from "../portfolio/numbers";
import { NumberHeaders, TableScroll } from "../portfolio/TableScroll";
import { SIDE_NAMES, STATUS_NAMES } from "./labels";

const PAGE_SIZE = 25;

type PageKey = (index: number, previous: ApiPage<Position> | null) => [string, Query] | null;

/** GET /positions pages for `filter`, newest first, followed with X-Next-Token. */
export function usePositionPages(filter: PositionFilter) {
  const { api } = useServices();
  const pages = useSWRInfinite<ApiPage<Position>, ApiError, PageKey>(
    (index, previous) => {
      if (index > 0 && !previous?.nextToken) return null;
      return ["/positions", { ...filter, limit: PAGE_SIZE, next_token: index > 0 ? previous?.nextToken : undefined }];
    },
    ([path, query]) => api.getPage<Position>(path, query),
    { revalidateFirstPage: true },
  );
  useReadAgainOnArrival(pages);
  return pages;
}

/** What a position made or is making: realized once closed, else the latest unrealized. */
function ProfitCell({ position }: { position: Position }) {
  const pnl = position.status === "CLOSED" ? position.pnl_usd : position.unrealized_pnl;
  if (pnl === null) return <td className="number">—</td>;
  return (
    <td className={`number ${direction(pnl)}`}>
      {formatSignedMoney(pnl)}
      {position.status === "CLOSED" ? "" : " (unrealized)"}
    </td>
  );
}

interface PositionListProps {
  pages: ReturnType<typeof usePositionPages>;
  empty: ReactNode;
  /** A list of one status says it once, in the filter, not on every row. */
  showStatus: boolean;
}

export function PositionList({ pages, empty, showStatus }: PositionListProps) {
  const { data, error, size, setSize, isValidating } = pages;
  if (error && data === undefined) return <ErrorText message={error.message} />;
  if (data === undefined) return <p role="status">Loading positions…</p>;
  const positions = data.flatMap((page) => page.items);
  if (positions.length === 0) return <div className="empty-state">{empty}</div>;
  const more = data[data.length - 1]?.nextToken != null;
  const loadingMore = isValidating && data.length < size;
  return (
    <>
      <TableScroll label="Positions table">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col">Side</th>
              {showStatus ? <th scope="col">Status</th> : null}
              <NumberHeaders names={["Quantity", "Entry", "Stop loss / take profit", "Exit", "P&L"]} />
              <th scope="col">Opened</th>
              <th scope="col">Strategy</th>
            </tr>
          </thead>
          <tbody>
            {positions.map((position) => (
              <tr key={position.id}>
                <th scope="row">
                  <Link href={`/positions/${position.id}`}>{position.symbol}</Link>
                </th>
                <td>{SIDE_NAMES[position.side]}</td>
                {showStatus ? <td>{STATUS_NAMES[position.status]}</td> : null}
                <td className="number">
                  {formatQuantity(position.quantity)}
                  {position.leverage > 1 ? ` (${position.leverage}× leverage)` : ""}
                </td>
                <td className="number">{formatMoney(position.entry_price)}</td>
                <td className="number">
                  {formatMoney(position.stop_loss)} / {formatMoney(position.take_profit)}
                </td>
                <td className="number">{formatMoney(position.exit_price)}</td>
                <ProfitCell position={position} />
                <td>{formatDateTime(position.entry_time)}</td>
                <td>{position.strategy ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {error ? <ErrorText message={error.message} /> : null}
      {more ? (
        <button type="button" onClick={() => void setSize(size + 1)} disabled={loadingMore}>
          {loadingMore ? "Loading more…" : "Load more"}
        </button>
      ) : null}
    </>
  );
}
