import { ComingSoon, Page } from "../components/Page";

export function PositionsPage() {
  return (
    <Page title="Positions">
      <ComingSoon />
    </Page>
  );
}
