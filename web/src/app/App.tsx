import { useCallback, useEffect, useState } from "react";
import { SWRConfig } from "swr";
import { Route, Router, Switch } from "wouter";
import { APP_BASE } from "../base";
import { Layout } from "../components/Layout";
import { ComingSoon, Page } from "../components/Page";
import { loadConfig } from "../config";
import { CallbackPage } from "../pages/CallbackPage";
import { SignInPage } from "../pages/SignInPage";
import { APP_ROUTES } from "./routes";
import { createBrowserServices, ServicesContext, useServices, type Services } from "./services";

async function loadBrowserServices(): Promise<Services> {
  return createBrowserServices(await loadConfig());
}

type Startup = { services: Services } | { error: string } | null;

interface AppProps {
  /** Builds the services; tests pass fakes. */
  loadServices?: () => Promise<Services>;
}

export function App({ loadServices = loadBrowserServices }: AppProps) {
  const [startup, setStartup] = useState<Startup>(null);
  useEffect(() => {
    loadServices().then(
      (services) => setStartup({ services }),
      (error: unknown) => setStartup({ error: error instanceof Error ? error.message : String(error) }),
    );
  }, [loadServices]);

  if (startup === null) {
    return (
      <Layout>
        <p role="status">Loading Goalpost…</p>
      </Layout>
    );
  }
  if ("error" in startup) {
    return (
      <Layout>
        <Page title="Goalpost could not start">
          <p role="alert">{startup.error}</p>
        </Page>
      </Layout>
    );
  }
  return (
    <ServicesContext.Provider value={startup.services}>
      {/* A cache per app instance, so that nothing outlives a sign-out or leaks between tests. */}
      <SWRConfig value={{ provider: () => new Map() }}>
        <Router base={APP_BASE.replace(/\/$/, "")}>
          <Shell />
        </Router>
      </SWRConfig>
    </ServicesContext.Provider>
  );
}

function Shell() {
  const { session } = useServices();
  const [signedIn, setSignedIn] = useState(() => session.isSignedIn());
  const onSignedIn = useCallback(() => setSignedIn(true), []);

  return (
    <Switch>
      <Route path="/callback">
        <Layout>
          <CallbackPage onSignedIn={onSignedIn} />
        </Layout>
      </Route>
      <Route>
        {signedIn ? (
          <Layout onSignOut={() => session.signOut()}>
            <Switch>
              {APP_ROUTES.map(({ path, title, component: Component }) => (
                <Route key={path} path={path}>
                  {Component ? (
                    <Component />
                  ) : (
                    <Page title={title}>
                      <ComingSoon />
                    </Page>
                  )}
                </Route>
              ))}
              <Route>
                <Page title="Page not found">
                  <p>There is no page here. Use the menu to find your way.</p>
                </Page>
              </Route>
            </Switch>
          </Layout>
        ) : (
          <Layout>
            <SignInPage />
          </Layout>
        )}
      </Route>
    </Switch>
  );
}
