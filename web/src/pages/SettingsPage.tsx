import { useId } from "react";
import type { AlertPreferences } from "../api/types/alerts";
import { useApiGet } from "../api/useApi";
import { Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { AccountsSection } from "./settings/AccountsSection";
import { PREFERENCES_PATH, PreferencesForm } from "./settings/PreferencesForm";
import "./settings/settings.css";

export function SettingsPage() {
  const preferencesId = useId();
  const preferences = useApiGet<AlertPreferences>(PREFERENCES_PATH);
  return (
    <Page title="Settings">
      <section aria-labelledby={preferencesId} className="settings-section">
        <h2 id={preferencesId}>Alert preferences</h2>
        <Loaded data={preferences.data} error={preferences.error} loading="Loading your alert preferences…">
          {(saved) => <PreferencesForm saved={saved} />}
        </Loaded>
      </section>
      <AccountsSection />
    </Page>
  );
}
