import { Page } from "../components/Page";
import { GoalWizard } from "./wizard/GoalWizard";

export function NewGoalPage() {
  return (
    <Page title="New goal">
      <GoalWizard />
    </Page>
  );
}
