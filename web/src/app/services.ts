// What every page needs, built once from config.json: the config, the sign-in session, the API client.

import { createContext, useContext } from "react";
import { createApiClient, type ApiClient } from "../api/client";
import { createSession, type Session } from "../auth/session";
import { APP_BASE } from "../base";
import type { AppConfig } from "../config";

export interface Services {
  config: AppConfig;
  session: Session;
  api: ApiClient;
}

/** Where the user is now, to come back to after signing in. */
export function currentAppPath(): string {
  return window.location.pathname + window.location.search;
}

/** Only a path inside the app is a place to return to: never an open redirect elsewhere. */
export function safeReturnPath(path: string): string {
  return path.startsWith(APP_BASE) && !path.startsWith(`${APP_BASE}callback`) ? path : APP_BASE;
}

export function createBrowserServices(config: AppConfig): Services {
  const session = createSession({
    auth: config.auth,
    storage: window.sessionStorage,
    fetch: (input, init) => window.fetch(input, init),
    navigate: (url) => window.location.assign(url),
    now: () => Date.now(),
  });
  const api = createApiClient({
    baseUrl: config.api_url,
    fetch: (input, init) => window.fetch(input, init),
    tokens: {
      accessToken: () => session.accessToken(),
      refresh: () => session.refresh(),
      signInAgain: () => void session.startSignIn(currentAppPath()),
    },
  });
  return { config, session, api };
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error("useServices outside ServicesContext");
  return services;
}
