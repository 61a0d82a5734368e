import { ComingSoon, Page } from "../components/Page";

export function AlertsPage() {
  return (
    <Page title="Alerts">
      <ComingSoon />
    </Page>
  );
}
