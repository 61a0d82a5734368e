import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { StrictMode } from "react";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type ApiClient } from "../api/client";
import type { Session } from "../auth/session";
import type { AppConfig } from "../config";
import { App } from "./App";
import { APP_ROUTES } from "./routes";
import type { Services } from "./services";

const config: AppConfig = {
  api_url: "http://127.0.0.1:3000",
  auth: {
    authorize_url: "http://127.0.0.1:3000/_local/oauth2/authorize",
    token_url: "http://127.0.0.1:3000/_local/oauth2/token",
    logout_url: null,
    client_id: "local",
    scope: "openid email goalpost/api",
    redirect_uri: "http://127.0.0.1:3000/app/callback",
  },
};

// By default every read is a 404: each page then shows its error state, whatever shape its data has.
const notFound = async (): Promise<unknown> => {
  throw new ApiError(404, "Not found");
};

function fakeServices({ signedIn = true, get = vi.fn(notFound) } = {}) {
  const session = {
    startSignIn: vi.fn(async () => undefined),
    handleCallback: vi.fn(async () => "/app/"),
    isSignedIn: vi.fn(() => signedIn),
    accessToken: vi.fn(async () => "token"),
    refresh: vi.fn(async () => "token"),
    signOut: vi.fn(),
  } satisfies Session;
  const api = { get } as unknown as ApiClient;
  const services: Services = { config, session, api };
  return { services, session, get, load: () => Promise.resolve(services) };
}

function renderAt(path: string, load: () => Promise<Services>) {
  window.history.replaceState(null, "", path);
  // StrictMode as in main.tsx: effects run twice, as they do in development.
  return render(
    <StrictMode>
      <App loadServices={load} />
    </StrictMode>,
  );
}

describe("App", () => {
  it("asks a signed-out visitor to sign in and comes back to the deep link", async () => {
    const fake = fakeServices({ signedIn: false });
    renderAt("/app/goals/g1?tab=history", fake.load);
    await userEvent.click(await screen.findByRole("button", { name: "Sign in" }));
    expect(fake.session.startSignIn).toHaveBeenCalledWith("/app/goals/g1?tab=history");
    expect(screen.queryByRole("navigation")).not.toBeInTheDocument();
  });

  it("has a skip link, a labelled main navigation and a main landmark", async () => {
    const fake = fakeServices();
    renderAt("/app/positions/p1", fake.load);
    await screen.findByRole("heading", { level: 1, name: "Position" });
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveAttribute("href", "#main");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Positions" })).toHaveAttribute("aria-current", "page");
    expect(within(nav).getByRole("link", { name: "Dashboard" })).not.toHaveAttribute("aria-current");
    expect(screen.getByRole("main")).toHaveAttribute("id", "main");
    // The title is set in an effect, which may run just after the heading is in the DOM.
    await waitFor(() => expect(document.title).toBe("Position · Goalpost"));
  });

  it.each(APP_ROUTES.filter((route) => route.path !== "/").map((route) => [route.path, route.title]))(
    "renders %s with its heading",
    async (path, title) => {
      const fake = fakeServices();
      renderAt(`/app${path.replace(":id", "x1")}`, fake.load);
      expect(await screen.findByRole("heading", { level: 1, name: title })).toBeInTheDocument();
    },
  );

  it("says so for a path that is no page", async () => {
    renderAt("/app/nowhere", fakeServices().load);
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
  });

  it("navigates between pages from the menu", async () => {
    renderAt("/app/", fakeServices().load);
    await userEvent.click(await screen.findByRole("link", { name: "Alerts" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Alerts" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/app/alerts");
  });

  it("signs out from the header", async () => {
    const fake = fakeServices();
    renderAt("/app/", fake.load);
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(fake.session.signOut).toHaveBeenCalledTimes(1);
  });

  it("completes the callback once and lands on the page the user came from", async () => {
    const fake = fakeServices({ signedIn: false });
    fake.session.handleCallback.mockResolvedValueOnce("/app/alerts");
    renderAt("/app/callback?code=abc&state=s1", fake.load);
    expect(await screen.findByRole("heading", { level: 1, name: "Alerts" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/app/alerts");
    expect(fake.session.handleCallback).toHaveBeenCalledTimes(1);
    expect(fake.session.handleCallback).toHaveBeenCalledWith("?code=abc&state=s1");
  });

  it("never follows a return path outside the app", async () => {
    const fake = fakeServices({ signedIn: false });
    fake.session.handleCallback.mockResolvedValueOnce("https://evil.example.com/");
    renderAt("/app/callback?code=abc&state=s2", fake.load);
    expect(await screen.findByRole("heading", { level: 1, name: "Dashboard" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/app/");
  });

  it("shows why a sign-in failed and offers to try again", async () => {
    const fake = fakeServices({ signedIn: false });
    fake.session.handleCallback.mockRejectedValueOnce(new Error("Sign-in failed: invalid_grant"));
    renderAt("/app/callback?code=abc&state=s3", fake.load);
    expect(await screen.findByRole("alert")).toHaveTextContent("Sign-in failed: invalid_grant");
    await userEvent.click(screen.getByRole("button", { name: "Sign in again" }));
    expect(fake.session.startSignIn).toHaveBeenCalledWith("/app/");
  });

  it("says why it could not start", async () => {
    renderAt("/app/", () => Promise.reject(new Error("config.json could not be loaded (HTTP 404)")));
    expect(await screen.findByRole("alert")).toHaveTextContent("config.json could not be loaded (HTTP 404)");
  });
});
