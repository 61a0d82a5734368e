import { ComingSoon, Page } from "../components/Page";

export function PositionPage() {
  return (
    <Page title="Position">
      <ComingSoon />
    </Page>
  );
}
