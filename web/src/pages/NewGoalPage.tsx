import { ComingSoon, Page } from "../components/Page";

export function NewGoalPage() {
  return (
    <Page title="New goal">
      <ComingSoon />
    </Page>
  );
}
