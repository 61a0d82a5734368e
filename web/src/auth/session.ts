// Sign-in with OAuth 2.0 authorization code + PKCE. The same code path runs against Cognito's managed
// login when deployed and against the local server's sign-in page: only config.json differs.

import type { AuthConfig } from "../config";
import { codeChallengeS256, createCodeVerifier, createState } from "./pkce";

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export interface SessionDeps {
  auth: AuthConfig;
  /** sessionStorage in the browser: tokens live only as long as the tab. */
  storage: KeyValueStorage;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** Leaves the app for the identity provider (window.location.assign in the browser). */
  navigate: (url: string) => void;
  now: () => number;
}

export interface Session {
  startSignIn(returnTo: string): Promise<void>;
  /** Completes a sign-in from the callback's query string; resolves to the path to go back to. */
  handleCallback(search: string): Promise<string>;
  isSignedIn(): boolean;
  /** A usable access token, refreshed first when it is about to expire; null when signed out. */
  accessToken(): Promise<string | null>;
  /** Refreshes now (e.g. after a 401); null when that is not possible and the user must sign in. */
  refresh(): Promise<string | null>;
  signOut(): void;
}

export class SignInError extends Error {
  override name = "SignInError";
}

interface StoredTokens {
  access_token: string;
  id_token: string | null;
  refresh_token: string | null;
  /** Epoch milliseconds. */
  expires_at: number;
}

interface PendingSignIn {
  state: string;
  verifier: string;
  return_to: string;
}

const TOKENS_KEY = "goalpost.tokens";
const PENDING_KEY = "goalpost.sign_in";
/** Refresh this long before expiry so that a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export function createSession(deps: SessionDeps): Session {
  const { auth, storage } = deps;
  let refreshing: Promise<string | null> | null = null;

  function readJson<T>(key: string): T | null {
    const raw = storage.getItem(key);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as T;
    } catch {
      storage.removeItem(key);
      return null;
    }
  }

  async function postToken(form: Record<string, string>): Promise<Response> {
    return deps.fetch(auth.token_url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(form).toString(),
    });
  }

  function storeTokens(body: Record<string, unknown>, previous: StoredTokens | null): string {
    const accessToken = body.access_token;
    if (typeof accessToken !== "string" || accessToken === "") throw new SignInError("Sign-in failed: no access token");
    const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 3600;
    const tokens: StoredTokens = {
      access_token: accessToken,
      id_token: typeof body.id_token === "string" ? body.id_token : (previous?.id_token ?? null),
      // A refresh answer carries no new refresh token (Cognito): the first one stays valid.
      refresh_token: typeof body.refresh_token === "string" ? body.refresh_token : (previous?.refresh_token ?? null),
      expires_at: deps.now() + expiresIn * 1000,
    };
    storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
    return accessToken;
  }

  async function refreshNow(): Promise<string | null> {
    const tokens = readJson<StoredTokens>(TOKENS_KEY);
    if (!tokens?.refresh_token) {
      storage.removeItem(TOKENS_KEY);
      return null;
    }
    try {
      const response = await postToken({
        grant_type: "refresh_token",
        client_id: auth.client_id,
        refresh_token: tokens.refresh_token,
      });
      if (!response.ok) throw new SignInError(`refresh refused (HTTP ${response.status})`);
      return storeTokens((await response.json()) as Record<string, unknown>, tokens);
    } catch {
      storage.removeItem(TOKENS_KEY);
      return null;
    }
  }

  function appUrl(): string {
    // The callback is <app>/callback, so the app's own URL is the callback's folder.
    return new URL("./", auth.redirect_uri).toString();
  }

  return {
    async startSignIn(returnTo) {
      const pending: PendingSignIn = { state: createState(), verifier: createCodeVerifier(), return_to: returnTo };
      storage.setItem(PENDING_KEY, JSON.stringify(pending));
      const url = new URL(auth.authorize_url);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: auth.client_id,
        redirect_uri: auth.redirect_uri,
        scope: auth.scope,
        state: pending.state,
        code_challenge: await codeChallengeS256(pending.verifier),
        code_challenge_method: "S256",
      }).toString();
      deps.navigate(url.toString());
    },

    async handleCallback(search) {
      const params = new URLSearchParams(search);
      const error = params.get("error");
      if (error !== null) throw new SignInError(`Sign-in failed: ${params.get("error_description") ?? error}`);
      const pending = readJson<PendingSignIn>(PENDING_KEY);
      const code = params.get("code");
      if (pending === null || code === null || params.get("state") !== pending.state) {
        throw new SignInError("Sign-in failed: this sign-in was not started here or has expired; please sign in again");
      }
      storage.removeItem(PENDING_KEY);
      const response = await postToken({
        grant_type: "authorization_code",
        client_id: auth.client_id,
        code,
        redirect_uri: auth.redirect_uri,
        code_verifier: pending.verifier,
      });
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        const reason = typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
        throw new SignInError(`Sign-in failed: ${reason}`);
      }
      storeTokens(body, null);
      return pending.return_to;
    },

    isSignedIn() {
      return readJson<StoredTokens>(TOKENS_KEY) !== null;
    },

    async accessToken() {
      const tokens = readJson<StoredTokens>(TOKENS_KEY);
      if (tokens === null) return null;
      if (tokens.expires_at - REFRESH_MARGIN_MS > deps.now()) return tokens.access_token;
      return this.refresh();
    },

    refresh() {
      // Concurrent callers share one request: a refresh token may be single-use at some providers.
      refreshing ??= refreshNow().finally(() => {
        refreshing = null;
      });
      return refreshing;
    },

    signOut() {
      storage.removeItem(TOKENS_KEY);
      storage.removeItem(PENDING_KEY);
      if (auth.logout_url === null) {
        deps.navigate(appUrl());
        return;
      }
      const url = new URL(auth.logout_url);
      url.search = new URLSearchParams({ client_id: auth.client_id, logout_uri: appUrl() }).toString();
      deps.navigate(url.toString());
    },
  };
}
