// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import type { AuthConfig } from "../config";
import { codeChallengeS256 } from "./pkce";
import { createSession, SignInError, type SessionDeps } from "./session";

const auth: AuthConfig = {
  authorize_url: "https://login.example.com/oauth2/authorize",
  token_url: "https://login.example.com/oauth2/token",
  logout_url: "https://login.example.com/logout",
  client_id: "client-1",
  scope: "openid email goalpost/api",
  redirect_uri: "https://app.example.com/app/callback",
};

class MemoryStorage implements Pick<Storage, "getItem" | "setItem" | "removeItem"> {
  items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

function tokenResponse(body: Record<string, unknown>, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function setup(overrides: Partial<SessionDeps> = {}) {
  const storage = new MemoryStorage();
  const navigate = vi.fn<(url: string) => void>();
  const fetchMock = vi.fn<(input: string, init?: RequestInit) => Promise<Response>>();
  let clock = 1_000_000;
  const deps: SessionDeps = { auth, storage, navigate, fetch: fetchMock, now: () => clock, ...overrides };
  return { session: createSession(deps), storage, navigate, fetchMock, advance: (ms: number) => (clock += ms) };
}

async function signIn(t: ReturnType<typeof setup>, tokens: Record<string, unknown>) {
  await t.session.startSignIn("/app/goals/g1");
  const authorize = new URL(t.navigate.mock.calls[0]![0]);
  t.fetchMock.mockResolvedValueOnce(tokenResponse(tokens));
  return t.session.handleCallback(`?code=the-code&state=${authorize.searchParams.get("state")}`);
}

describe("startSignIn", () => {
  it("redirects to the authorize URL with a PKCE S256 challenge and a state", async () => {
    const t = setup();
    await t.session.startSignIn("/app/");
    const url = new URL(t.navigate.mock.calls[0]![0]);
    expect(url.origin + url.pathname).toBe(auth.authorize_url);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      response_type: "code",
      client_id: "client-1",
      redirect_uri: auth.redirect_uri,
      scope: "openid email goalpost/api",
      code_challenge_method: "S256",
    });
    const pending = JSON.parse(t.storage.getItem("goalpost.sign_in")!);
    expect(params.state).toBe(pending.state);
    expect(params.code_challenge).toBe(await codeChallengeS256(pending.verifier));
  });
});

describe("handleCallback", () => {
  it("exchanges the code with the verifier as a form post and stores the tokens", async () => {
    const t = setup();
    const returnTo = await signIn(t, {
      access_token: "access-1",
      id_token: "id-1",
      refresh_token: "refresh-1",
      expires_in: 3600,
      token_type: "Bearer",
    });
    expect(returnTo).toBe("/app/goals/g1");
    const [url, init] = t.fetchMock.mock.calls[0]!;
    expect(url).toBe(auth.token_url);
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("Content-Type")).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(String(init?.body));
    expect(form.get("grant_type")).toBe("authorization_code");
    expect(form.get("code")).toBe("the-code");
    expect(form.get("client_id")).toBe("client-1");
    expect(form.get("redirect_uri")).toBe(auth.redirect_uri);
    expect(form.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.session.isSignedIn()).toBe(true);
    expect(await t.session.accessToken()).toBe("access-1");
    expect(t.storage.getItem("goalpost.sign_in")).toBeNull();
  });

  it("rejects a callback whose state is not the one this browser sent", async () => {
    const t = setup();
    await t.session.startSignIn("/app/");
    await expect(t.session.handleCallback("?code=c&state=forged")).rejects.toThrow(SignInError);
    expect(t.fetchMock).not.toHaveBeenCalled();
  });

  it("surfaces the identity provider's error", async () => {
    const t = setup();
    await expect(
      t.session.handleCallback("?error=access_denied&error_description=User+cancelled"),
    ).rejects.toThrow("Sign-in failed: User cancelled");
  });

  it("reports a refused code exchange", async () => {
    const t = setup();
    await t.session.startSignIn("/app/");
    const state = new URL(t.navigate.mock.calls[0]![0]).searchParams.get("state");
    t.fetchMock.mockResolvedValueOnce(tokenResponse({ error: "invalid_grant" }, 400));
    await expect(t.session.handleCallback(`?code=c&state=${state}`)).rejects.toThrow("Sign-in failed: invalid_grant");
    expect(t.session.isSignedIn()).toBe(false);
  });
});

describe("refresh", () => {
  it("refreshes with the refresh token shortly before expiry and keeps the refresh token", async () => {
    const t = setup();
    await signIn(t, { access_token: "access-1", refresh_token: "refresh-1", expires_in: 3600, token_type: "Bearer" });
    t.advance(3600_000 - 30_000);
    t.fetchMock.mockResolvedValueOnce(tokenResponse({ access_token: "access-2", expires_in: 3600, token_type: "Bearer" }));
    expect(await t.session.accessToken()).toBe("access-2");
    const form = new URLSearchParams(String(t.fetchMock.mock.calls[1]![1]?.body));
    expect(form.get("grant_type")).toBe("refresh_token");
    expect(form.get("refresh_token")).toBe("refresh-1");
    expect(form.get("client_id")).toBe("client-1");
    t.advance(3600_000 - 30_000);
    t.fetchMock.mockResolvedValueOnce(tokenResponse({ access_token: "access-3", expires_in: 3600, token_type: "Bearer" }));
    expect(await t.session.accessToken()).toBe("access-3");
    expect(new URLSearchParams(String(t.fetchMock.mock.calls[2]![1]?.body)).get("refresh_token")).toBe("refresh-1");
  });

  it("makes one refresh request for concurrent callers", async () => {
    const t = setup();
    await signIn(t, { access_token: "a1", refresh_token: "r1", expires_in: 3600, token_type: "Bearer" });
    t.fetchMock.mockResolvedValueOnce(tokenResponse({ access_token: "a2", expires_in: 3600, token_type: "Bearer" }));
    const [first, second] = await Promise.all([t.session.refresh(), t.session.refresh()]);
    expect([first, second]).toEqual(["a2", "a2"]);
    expect(t.fetchMock).toHaveBeenCalledTimes(2);
  });

  it("signs the user out locally when the refresh is refused", async () => {
    const t = setup();
    await signIn(t, { access_token: "a1", refresh_token: "r1", expires_in: 3600, token_type: "Bearer" });
    t.fetchMock.mockResolvedValueOnce(tokenResponse({ error: "invalid_grant" }, 400));
    expect(await t.session.refresh()).toBeNull();
    expect(t.session.isSignedIn()).toBe(false);
  });
});

describe("signOut", () => {
  it("clears the tokens and ends the provider's session at logout_url", async () => {
    const t = setup();
    await signIn(t, { access_token: "a1", refresh_token: "r1", expires_in: 3600, token_type: "Bearer" });
    t.session.signOut();
    expect(t.session.isSignedIn()).toBe(false);
    expect(await t.session.accessToken()).toBeNull();
    const url = new URL(t.navigate.mock.calls.at(-1)![0]);
    expect(url.origin + url.pathname).toBe("https://login.example.com/logout");
    expect(url.searchParams.get("client_id")).toBe("client-1");
    expect(url.searchParams.get("logout_uri")).toBe("https://app.example.com/app/");
  });

  it("goes back to the app when there is no logout_url", async () => {
    const t = setup({ auth: { ...auth, logout_url: null } });
    t.session.signOut();
    expect(t.navigate).toHaveBeenLastCalledWith("https://app.example.com/app/");
  });
});
