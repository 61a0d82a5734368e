import { ComingSoon, Page } from "../components/Page";

export function PerformancePage() {
  return (
    <Page title="Performance">
      <ComingSoon />
    </Page>
  );
}
