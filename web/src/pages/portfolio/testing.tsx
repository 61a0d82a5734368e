// Test support for the trading pages: a fake API whose answers are given per "METHOD path", for the alerts
// page's renderPage (the app's providers around one page).

import { vi } from "vitest";
import { ApiError, type Query, type RequestOptions } from "../../api/client";
import type { FakeApi } from "../alerts/renderPage";

export { renderPage } from "../alerts/renderPage";

/** Answers a request; throw an ApiError to fail it. A list route may return a Page (items and next token). */
export type Answer = (request: { query?: Query; body?: unknown; options?: RequestOptions }) => unknown;

export function fakeApi(answers: Record<string, Answer>) {
  const call = vi.fn(async (method: string, path: string, query?: Query, body?: unknown, options?: RequestOptions) => {
    const answer = answers[`${method} ${path}`];
    if (answer === undefined) throw new ApiError(404, `No fake answer for ${method} ${path}`);
    return answer({ query, body, options });
  });
  const send = (method: string, path: string, body?: unknown, options?: RequestOptions) =>
    call(method, path, undefined, body, options);
  const api: FakeApi = {
    get: vi.fn((path: string, query?: Query, options?: RequestOptions) => call("GET", path, query, undefined, options)),
    getPage: vi.fn(async (path: string, query?: Query, options?: RequestOptions) => {
      const answer = await call("GET", path, query, undefined, options);
      return Array.isArray(answer) ? { items: answer, nextToken: null } : answer;
    }),
    post: vi.fn((path: string, body?: unknown, options?: RequestOptions) => send("POST", path, body, options)),
    put: vi.fn((path: string, body?: unknown, options?: RequestOptions) => send("PUT", path, body, options)),
    patch: vi.fn((path: string, body?: unknown, options?: RequestOptions) => send("PATCH", path, body, options)),
    delete: vi.fn((path: string, options?: RequestOptions) => call("DELETE", path, undefined, undefined, options)),
  };
  return { api, call };
}

/** The requests made with `method` to `path`, in order. */
export function callsTo(call: ReturnType<typeof fakeApi>["call"], method: string, path: string) {
  return call.mock.calls
    .filter(([m, p]) => m === method && p === path)
    .map(([, , query, body, options]) => ({ query, body, options }));
}

/** Never settles: the page stays loading. */
export const pending: Answer = () => new Promise(() => undefined);

export function failing(status: number, detail: string): Answer {
  return () => {
    throw new ApiError(status, detail);
  };
}
