import { Link } from "wouter";
import type { Portfolio } from "../../api/types/portfolio";
import { useApiGet } from "../../api/useApi";
import { Loaded } from "../../components/Async";
import { formatDateTime, formatMoney } from "../../format";

/** A portfolio with no position and no cash is one the user has not started. */
function isEmptyPortfolio(portfolio: Portfolio): boolean {
  return portfolio.positions.length === 0 && Number(portfolio.total_value) === 0;
}

/** The portfolio's total value now, with its parts and how fresh its prices are. */
export function PortfolioValue() {
  const portfolio = useApiGet<Portfolio>("/portfolio/current");
  return (
    <section className="dashboard-panel" aria-labelledby="portfolio-heading">
      <h2 id="portfolio-heading">Portfolio</h2>
      <Loaded
        data={portfolio.data}
        error={portfolio.error}
        loading="Loading your portfolio…"
        isEmpty={isEmptyPortfolio}
        empty={
          <p>
            No portfolio yet. <Link href="/portfolio">Add your cash or open a position</Link> to see its value here.
          </p>
        }
      >
        {(current) => (
          <>
            <p className="portfolio-total">
              <span className="portfolio-total-label">Total value</span>{" "}
              <strong>{formatMoney(current.total_value)}</strong>
            </p>
            <p>
              Investments {formatMoney(current.investment_value)} · Cash {formatMoney(current.cash_balance)}
            </p>
            {current.last_updated !== null && (
              <p>
                <small>
                  Prices as of <time dateTime={current.last_updated}>{formatDateTime(current.last_updated)}</time>
                  {current.price_fresh ? "" : " (some prices are stale or missing)"}
                </small>
              </p>
            )}
            <p>
              <Link href="/portfolio">View portfolio</Link>
            </p>
          </>
        )}
      </Loaded>
    </section>
  );
}
