import { useEffect, useState } from "react";
import { useLocation } from "wouter";
import { safeReturnPath, useServices } from "../app/services";
import { APP_BASE } from "../base";
import { Page } from "../components/Page";

// One exchange per callback URL: an authorization code is single-use, and React may run effects twice.
const exchanges = new Map<string, Promise<string>>();

interface CallbackPageProps {
  onSignedIn: () => void;
}

export function CallbackPage({ onSignedIn }: CallbackPageProps) {
  const { session } = useServices();
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const search = window.location.search;
    let exchange = exchanges.get(search);
    if (exchange === undefined) {
      exchange = session.handleCallback(search);
      exchanges.set(search, exchange);
    }
    let active = true;
    exchange.then(
      (returnTo) => {
        if (!active) return;
        onSignedIn();
        // "~" leaves the router's base: returnTo is a full path under /app/.
        navigate(`~${safeReturnPath(returnTo)}`, { replace: true });
      },
      (failure: unknown) => {
        if (active) setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
    return () => {
      active = false;
    };
  }, [session, navigate, onSignedIn]);

  if (error === null) {
    return (
      <Page title="Signing in">
        <p role="status">Signing you in…</p>
      </Page>
    );
  }
  return (
    <Page title="Sign-in failed">
      <p role="alert">{error}</p>
      <button type="button" className="primary" onClick={() => void session.startSignIn(APP_BASE)}>
        Sign in again
      </button>
    </Page>
  );
}
