// Runs the whole app at a path, signed in, over an API of canned answers keyed "METHOD /path" (tests only).

import { render } from "@testing-library/react";
import { vi } from "vitest";
import { ApiError, type ApiClient } from "../../api/client";
import { App } from "../../app/App";
import type { Services } from "../../app/services";
import type { AppConfig } from "../../config";

export type Handler = (body: unknown, options: unknown) => unknown;

/** An API whose answers are `handlers["POST /goals"]` and so on; anything else is a 404, as the API says. */
export function cannedApi(handlers: Record<string, Handler>) {
  const call = (method: string) =>
    vi.fn(async (path: string, bodyOrQuery?: unknown, options?: unknown) => {
      const handler = handlers[`${method} ${path}`];
      if (!handler) throw new ApiError(404, `Not Found: ${method} ${path}`);
      return handler(bodyOrQuery, options);
    });
  return { get: call("GET"), post: call("POST"), put: call("PUT"), patch: call("PATCH"), delete: call("DELETE"), getPage: call("GETPAGE") };
}

export function renderApp(path: string, api: ReturnType<typeof cannedApi>) {
  const session = {
    startSignIn: vi.fn(async () => undefined),
    handleCallback: vi.fn(async () => "/app/"),
    isSignedIn: () => true,
    accessToken: async () => "token",
    refresh: async () => "token",
    signOut: vi.fn(),
  };
  const services: Services = { config: {} as AppConfig, session, api: api as unknown as ApiClient };
  window.history.replaceState(null, "", `/app${path}`);
  return render(<App loadServices={() => Promise.resolve(services)} />);
}

/** A promise settled from outside, to hold an answer back. */
export function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}
