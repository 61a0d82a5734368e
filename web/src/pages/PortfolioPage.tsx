import type { ReactNode } from "react";
import type { SWRResponse } from "swr";
import type { ApiError } from "../api/client";
import { Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { useApiGet } from "../api/useApi";
import type { Portfolio } from "../api/types/portfolio";
import { formatMoney } from "../format";
import { CashSection } from "./portfolio/CashForm";
import { ConnectedAccounts } from "./portfolio/ConnectedAccounts";
import { Holdings, PriceFreshness } from "./portfolio/Holdings";
import { ValueChart } from "./portfolio/ValueChart";
import "./portfolio/portfolio.css";

export function PortfolioPage() {
  const portfolio = useApiGet<Portfolio>("/portfolio/current");
  return (
    <Page title="Portfolio">
      <div className="trading">
        <Loaded data={portfolio.data} error={portfolio.error} loading="Loading your portfolio…">
          {(current) => (
            <>
              <dl className="summary-figures">
                <div>
                  <dt>Total value</dt>
                  <dd>{formatMoney(current.total_value)}</dd>
                </div>
                <div>
                  <dt>Investments</dt>
                  <dd>{formatMoney(current.investment_value)}</dd>
                </div>
                <div>
                  <dt>Cash</dt>
                  <dd>{formatMoney(current.cash_balance)}</dd>
                </div>
              </dl>
              <PriceFreshness portfolio={current} />
            </>
          )}
        </Loaded>
        <section aria-labelledby="value-heading">
          <h2 id="value-heading">Value over time</h2>
          <ValueChart />
        </section>
        <section aria-labelledby="holdings-heading">
          <h2 id="holdings-heading">Holdings</h2>
          <PortfolioPart portfolio={portfolio} loading="Loading your holdings…">
            {(current) => <Holdings holdings={current.positions} />}
          </PortfolioPart>
        </section>
        <section aria-labelledby="cash-heading">
          <h2 id="cash-heading">Cash</h2>
          <CashSection />
        </section>
        <section aria-labelledby="accounts-heading">
          <h2 id="accounts-heading">Connected accounts</h2>
          <PortfolioPart portfolio={portfolio} loading="Loading your connected accounts…">
            {(current) => <ConnectedAccounts accounts={current.accounts} />}
          </PortfolioPart>
        </section>
      </div>
    </Page>
  );
}

interface PortfolioPartProps {
  portfolio: SWRResponse<Portfolio, ApiError>;
  loading: string;
  children: (portfolio: Portfolio) => ReactNode;
}

/** A section drawn from the same read as the summary: a failure is reported once, there, not in every section. */
function PortfolioPart({ portfolio, loading, children }: PortfolioPartProps) {
  if (portfolio.error) return <p>Not available: see the message above.</p>;
  return (
    <Loaded data={portfolio.data} error={undefined} loading={loading}>
      {children}
    </Loaded>
  );
}
