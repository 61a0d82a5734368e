import { ComingSoon, Page } from "../components/Page";

export function PortfolioPage() {
  return (
    <Page title="Portfolio">
      <ComingSoon />
    </Page>
  );
}
