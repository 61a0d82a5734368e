// The app's runtime settings: one build serves every environment, so what differs between the local
// server and a deployed stack is read at start-up from /app/config.json, never baked into the bundle.

import { APP_BASE } from "./base";

export interface AuthConfig {
  /** OAuth 2.0 authorization endpoint (Cognito: https://<domain>/oauth2/authorize). */
  authorize_url: string;
  /** Token endpoint for the code exchange and refreshes (Cognito: https://<domain>/oauth2/token). */
  token_url: string;
  /** Where sign-out ends the identity provider's session (Cognito: https://<domain>/logout); null: none. */
  logout_url: string | null;
  client_id: string;
  scope: string;
  /** The app's /app/callback URL, as registered with the identity provider. */
  redirect_uri: string;
}

export interface AppConfig {
  /** Base URL of the Goalpost API, without a trailing slash. */
  api_url: string;
  auth: AuthConfig;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export const CONFIG_URL = `${APP_BASE}config.json`;

export async function loadConfig(fetchImpl: Fetch = fetch): Promise<AppConfig> {
  const response = await fetchImpl(CONFIG_URL, { cache: "no-store" });
  if (!response.ok) {
    throw new ConfigError(`config.json could not be loaded (HTTP ${response.status})`);
  }
  return parseConfig(await response.json());
}

export function parseConfig(raw: unknown): AppConfig {
  if (!isObject(raw)) throw new ConfigError("config.json must be a JSON object");
  const auth = raw.auth;
  if (!isObject(auth)) throw new ConfigError("config.json: auth must be an object");
  const logout = auth.logout_url;
  if (logout !== undefined && logout !== null && !isNonEmptyString(logout)) {
    throw new ConfigError("config.json: auth.logout_url must be a string or null");
  }
  return {
    api_url: requireString(raw, "api_url", "api_url").replace(/\/+$/, ""),
    auth: {
      authorize_url: requireString(auth, "authorize_url", "auth.authorize_url"),
      token_url: requireString(auth, "token_url", "auth.token_url"),
      logout_url: logout ?? null,
      client_id: requireString(auth, "client_id", "auth.client_id"),
      scope: requireString(auth, "scope", "auth.scope"),
      redirect_uri: requireString(auth, "redirect_uri", "auth.redirect_uri"),
    },
  };
}

function requireString(source: Record<string, unknown>, key: string, label: string): string {
  const value = source[key];
  if (!isNonEmptyString(value)) throw new ConfigError(`config.json: ${label} must be a non-empty string`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}
