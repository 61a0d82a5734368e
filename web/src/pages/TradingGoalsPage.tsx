import { ComingSoon, Page } from "../components/Page";

export function TradingGoalsPage() {
  return (
    <Page title="Trading goals">
      <ComingSoon />
    </Page>
  );
}
