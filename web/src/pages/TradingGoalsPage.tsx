import type { TradingStatusResponse } from "../api/types/trading";
import { useApiGet } from "../api/useApi";
import { Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { GoalCards } from "./trading/GoalCards";
import { HistorySection } from "./trading/HistorySection";
import { RecordProfitForm } from "./trading/RecordProfitForm";
import { TargetChanges } from "./trading/TargetChanges";
import { TargetsForm } from "./trading/TargetsForm";
import "./trading/trading.css";

export function TradingGoalsPage() {
  const status = useApiGet<TradingStatusResponse>("/goals/status");
  return (
    <Page title="Trading goals">
      <Loaded data={status.data} error={status.error} loading="Loading your trading goals…">
        {({ goals }) => (
          <div className="trading-goals">
            <GoalCards goals={goals} />
            <HistorySection />
            <TargetsForm goals={goals} />
            <RecordProfitForm />
            <TargetChanges />
          </div>
        )}
      </Loaded>
    </Page>
  );
}
