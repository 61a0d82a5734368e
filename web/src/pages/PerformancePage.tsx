import { Link } from "wouter";
import { useApiGet } from "../api/useApi";
import type { Performance } from "../api/types/positions";
import { Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { Breakdown } from "./performance/Breakdown";
import { PortfolioFigures, TradeFigures } from "./performance/MetricsFigures";
import "./portfolio/portfolio.css";

export function PerformancePage() {
  const performance = useApiGet<Performance>("/performance");
  return (
    <Page title="Performance">
      <div className="trading">
        <Loaded data={performance.data} error={performance.error} loading="Loading your performance…">
          {(metrics) => (
            <>
              <section aria-labelledby="trades-heading">
                <h2 id="trades-heading">Closed trades</h2>
                {metrics.total_trades === 0 ? (
                  <div className="empty-state">
                    <p>
                      No closed trades yet. <Link href="/positions">Open and close positions</Link> to see your
                      win rate, P&amp;L and risk/reward here.
                    </p>
                  </div>
                ) : (
                  <TradeFigures metrics={metrics} />
                )}
              </section>
              <section aria-labelledby="portfolio-risk-heading">
                <h2 id="portfolio-risk-heading">Portfolio return and risk</h2>
                <p className="hint">
                  From your portfolio&apos;s daily values over the last year; growth (CAGR) and the Calmar ratio
                  need 30 days of them.
                </p>
                <PortfolioFigures performance={metrics} />
              </section>
              <section aria-labelledby="breakdown-heading">
                <h2 id="breakdown-heading">Breakdown</h2>
                <Breakdown performance={metrics} />
              </section>
            </>
          )}
        </Loaded>
      </div>
    </Page>
  );
}
