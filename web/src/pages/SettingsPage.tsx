import { ComingSoon, Page } from "../components/Page";

export function SettingsPage() {
  return (
    <Page title="Settings">
      <ComingSoon />
    </Page>
  );
}
