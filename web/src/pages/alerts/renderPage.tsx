// Renders one page as the app does (services, a fresh SWR cache, the router under /app) with a fake API.

import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { SWRConfig } from "swr";
import { vi } from "vitest";
import { Router } from "wouter";
import type { ApiClient } from "../../api/client";
import { ServicesContext, type Services } from "../../app/services";
import type { Session } from "../../auth/session";

export type FakeApi = { [Method in keyof ApiClient]: ReturnType<typeof vi.fn> };

export function fakeApi(): FakeApi {
  const refuse = () => Promise.reject(new Error("not expected in this test"));
  return {
    get: vi.fn(refuse),
    getPage: vi.fn(refuse),
    post: vi.fn(refuse),
    put: vi.fn(refuse),
    patch: vi.fn(refuse),
    delete: vi.fn(refuse),
  };
}

export function renderPage(page: ReactElement, api: FakeApi, path: string) {
  window.history.replaceState(null, "", `/app${path}`);
  const services = { config: {}, session: {} as Session, api: api as unknown as ApiClient } as Services;
  return render(
    <ServicesContext.Provider value={services}>
      <SWRConfig value={{ provider: () => new Map(), dedupingInterval: 0 }}>
        <Router base="/app">{page}</Router>
      </SWRConfig>
    </ServicesContext.Provider>,
  );
}

