// An alert's `action_url` as a link inside the app. The API sends the web app's path of what the alert is about
// (`/app/goals/{id}`); the value is still data from outside the page, so anything that does not name one of the
// app's own pages, on the app's own origin, is refused: an alert can never send the user elsewhere.

import { APP_BASE } from "../../base";

export interface ActionLink {
  /** The client-side route under the router's `/app` base, for wouter's <Link href>. */
  route: string;
  /** What the page shows, for the link's words ("View goal"). */
  what: string;
}

// An opaque, URL-safe id: one path segment, never "." or "..", nothing percent-encoded.
const ID = "[A-Za-z0-9_~-]+";

// The pages an alert may be about, as the router names them.
const LINKABLE_PAGES: readonly { pattern: RegExp; what: string }[] = [
  { pattern: new RegExp(`^/goals/${ID}$`), what: "goal" },
  { pattern: new RegExp(`^/positions/${ID}$`), what: "position" },
  { pattern: /^\/trading-goals$/, what: "trading goals" },
  { pattern: /^\/alerts$/, what: "alerts" },
  { pattern: /^\/portfolio$/, what: "portfolio" },
  { pattern: /^\/positions$/, what: "positions" },
  { pattern: /^\/performance$/, what: "performance" },
  { pattern: /^\/settings$/, what: "settings" },
  { pattern: /^\/$/, what: "dashboard" },
];

const ABSOLUTE_HTTP = /^https?:\/\//i;

/**
 * The in-app route of an alert's `action_url`, or null when it is missing or not one of the app's pages.
 * Takes the app's path (`/app/goals/g1`), the same path without the base (`/goals/g1`, as the API names the
 * goal), or a full URL on `origin` (the app's own, by default).
 */
export function actionLink(actionUrl: string | null | undefined, origin = window.location.origin): ActionLink | null {
  if (!actionUrl || !(actionUrl.startsWith("/") || ABSOLUTE_HTTP.test(actionUrl))) return null;
  let url: URL;
  try {
    url = new URL(actionUrl, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  const local = url.pathname + url.search + url.hash;
  // The URL parser resolves dot segments and encodings ("/app/goals/%2e%2e" is "/app/"): only a value that is
  // already in its plain form names the page it seems to.
  if (actionUrl !== local && actionUrl !== url.href) return null;
  const base = APP_BASE.replace(/\/$/, "");
  const underBase = url.pathname === base || url.pathname.startsWith(`${base}/`);
  const path = underBase ? url.pathname.slice(base.length) : url.pathname;
  const page = LINKABLE_PAGES.find(({ pattern }) => pattern.test(path || "/"));
  return page ? { route: (path || "/") + url.search + url.hash, what: page.what } : null;
}
