import { ComingSoon, Page } from "../components/Page";

export function GoalPage() {
  return (
    <Page title="Goal">
      <ComingSoon />
    </Page>
  );
}
