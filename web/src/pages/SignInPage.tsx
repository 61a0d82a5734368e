import { useState } from "react";
import { currentAppPath, useServices } from "../app/services";
import { Page } from "../components/Page";

export function SignInPage() {
  const { session } = useServices();
  const [busy, setBusy] = useState(false);
  const signIn = () => {
    setBusy(true);
    void session.startSignIn(currentAppPath());
  };
  return (
    <Page title="Sign in to Goalpost">
      <p>Track your goals, portfolio, positions and alerts in one place.</p>
      <button type="button" className="primary" onClick={signIn} disabled={busy}>
        Sign in
      </button>
    </Page>
  );
}
