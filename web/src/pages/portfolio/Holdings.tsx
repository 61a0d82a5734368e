import { Link } from "wouter";
import type { Holding, Portfolio } from "../../api/types/portfolio";
import { formatDateTime, formatMoney } from "../../format";
import { NumberHeaders, TableScroll } from "./TableScroll";
import { direction, formatQuantity, formatSignedMoney, formatSignedPercent } from "./numbers";

/** What the prices behind the values are worth: said in words, never by colour alone. */
export function PriceFreshness({ portfolio }: { portfolio: Portfolio }) {
  if (portfolio.positions.length === 0) return null;
  const asOf = portfolio.last_updated ? ` (oldest price ${formatDateTime(portfolio.last_updated)})` : "";
  if (portfolio.price_fresh) return <p className="price-note">Prices are up to date{asOf}.</p>;
  const missing = portfolio.positions.some((holding) => holding.price_missing);
  return (
    <p className="price-note stale" role="note">
      <strong>Prices may be out of date</strong>
      {missing ? ": some symbols have no price yet and are valued at cost" : ""}
      {asOf}.
    </p>
  );
}

export function Holdings({ holdings }: { holdings: Holding[] }) {
  if (holdings.length === 0) {
    return (
      <div className="empty-state">
        <p>
          No open positions. <Link href="/positions">Open a position</Link> to see it valued here.
        </p>
      </div>
    );
  }
  return (
    <TableScroll label="Holdings table">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <NumberHeaders names={["Quantity", "Price", "Cost basis", "Value", "Unrealized P&L"]} />
          </tr>
        </thead>
        <tbody>
          {holdings.map((holding) => (
            <tr key={`${holding.ticker}-${holding.side}`}>
              <th scope="row">
                <Link href={`/positions?status=OPEN&symbol=${encodeURIComponent(holding.ticker)}`}>
                  {holding.ticker}
                </Link>
              </th>
              <td>{holding.side === "LONG" ? "Long" : "Short"}</td>
              <td className="number">{formatQuantity(holding.shares)}</td>
              <td className="number">
                {holding.price_missing ? "No price (valued at cost)" : formatMoney(holding.price_per_share)}
              </td>
              <td className="number">{formatMoney(holding.cost_basis)}</td>
              <td className="number">{formatMoney(holding.current_value)}</td>
              <td className={`number ${direction(holding.unrealized_gain_loss)}`}>
                {formatSignedMoney(holding.unrealized_gain_loss)} (
                {formatSignedPercent(holding.unrealized_gain_loss_percent)})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
