// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { ApiError, createApiClient, detailText, REQUEST_TIMEOUT_MS, type TokenSource } from "./client";

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

function setup(tokens: Partial<TokenSource> = {}) {
  const fetchMock = vi.fn<(input: string, init?: RequestInit) => Promise<Response>>();
  const source: TokenSource = {
    accessToken: vi.fn(async () => "token-1"),
    refresh: vi.fn(async () => "token-2"),
    signInAgain: vi.fn(),
    ...tokens,
  };
  const api = createApiClient({ baseUrl: "https://api.example.com", tokens: source, fetch: fetchMock });
  return { api, fetchMock, source };
}

describe("detailText", () => {
  it("passes a string detail through", () => {
    expect(detailText({ detail: "Allocation over 100%" }, 400)).toBe("Allocation over 100%");
  });

  it("turns a list of field errors into readable text", () => {
    const body = {
      detail: [
        { loc: ["body", "target_amount"], msg: "Input should be greater than 0", type: "greater_than" },
        { loc: ["body", "milestones", 0, "amount"], msg: "Field required", type: "missing" },
        { loc: ["query", "limit"], msg: "Input should be less than or equal to 100", type: "x" },
      ],
    };
    expect(detailText(body, 422)).toBe(
      "target_amount: Input should be greater than 0; milestones 1 amount: Field required; " +
        "limit: Input should be less than or equal to 100",
    );
  });

  it("falls back to the status when there is no detail", () => {
    expect(detailText(null, 502)).toBe("The request failed (HTTP 502)");
  });
});

describe("createApiClient", () => {
  it("sends the bearer token and JSON, and parses the answer", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValueOnce(json({ id: "g1" }, 201));
    const goal = await t.api.post<{ id: string }>("/goals", { name: "House" }, { idempotencyKey: "k1" });
    expect(goal).toEqual({ id: "g1" });
    const [url, init] = t.fetchMock.mock.calls[0]!;
    expect(url).toBe("https://api.example.com/goals");
    const headers = new Headers(init?.headers);
    expect(headers.get("Authorization")).toBe("Bearer token-1");
    expect(headers.get("Content-Type")).toBe("application/json");
    expect(headers.get("Idempotency-Key")).toBe("k1");
    expect(init?.body).toBe('{"name":"House"}');
  });

  it("builds the query, leaving out empty values", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValueOnce(json([]));
    await t.api.get("/alerts", { unread: true, type: undefined, limit: 20 });
    expect(t.fetchMock.mock.calls[0]![0]).toBe("https://api.example.com/alerts?unread=true&limit=20");
  });

  it("returns a page with the X-Next-Token to pass back", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValueOnce(json([{ id: "a" }], 200, { "X-Next-Token": "abc" }));
    t.fetchMock.mockResolvedValueOnce(json([{ id: "b" }]));
    const first = await t.api.getPage<{ id: string }>("/goals", { limit: 1 });
    expect(first).toEqual({ items: [{ id: "a" }], nextToken: "abc" });
    const second = await t.api.getPage<{ id: string }>("/goals", { limit: 1, next_token: first.nextToken });
    expect(second).toEqual({ items: [{ id: "b" }], nextToken: null });
    expect(t.fetchMock.mock.calls[1]![0]).toBe("https://api.example.com/goals?limit=1&next_token=abc");
  });

  it("raises the API's detail as an ApiError", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValueOnce(json({ detail: "Goal is abandoned" }, 409));
    const failure = t.api.patch("/goals/g1", { status: "completed" });
    await expect(failure).rejects.toEqual(new ApiError(409, "Goal is abandoned"));
  });

  it("returns null for 204 No Content", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    expect(await t.api.delete("/goals/g1")).toBeNull();
  });

  it("on 401 refreshes once and retries with the new token", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValueOnce(json({ detail: "expired" }, 401));
    t.fetchMock.mockResolvedValueOnce(json({ ok: true }));
    expect(await t.api.get("/goals")).toEqual({ ok: true });
    expect(t.source.refresh).toHaveBeenCalledTimes(1);
    expect(new Headers(t.fetchMock.mock.calls[1]![1]?.headers).get("Authorization")).toBe("Bearer token-2");
    expect(t.source.signInAgain).not.toHaveBeenCalled();
  });

  it("sends the user to sign in when the retry is refused too", async () => {
    const t = setup();
    t.fetchMock.mockResolvedValue(json({ detail: "Unauthorized" }, 401));
    await expect(t.api.get("/goals")).rejects.toMatchObject({ status: 401 });
    expect(t.fetchMock).toHaveBeenCalledTimes(2);
    expect(t.source.signInAgain).toHaveBeenCalledTimes(1);
  });

  it("sends the user to sign in without a request when signed out", async () => {
    const t = setup({ accessToken: vi.fn(async () => null) });
    await expect(t.api.get("/goals")).rejects.toMatchObject({ status: 401 });
    expect(t.fetchMock).not.toHaveBeenCalled();
    expect(t.source.signInAgain).toHaveBeenCalledTimes(1);
  });

  it("reports a network failure as a readable error", async () => {
    const t = setup();
    t.fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await expect(t.api.get("/goals")).rejects.toEqual(new ApiError(0, "The API could not be reached; check your connection"));
  });

  it("gives up on an API that does not answer, without waiting for ever", async () => {
    vi.useFakeTimers();
    try {
      const t = setup();
      t.fetchMock.mockImplementationOnce(
        (_url, init) =>
          new Promise((_resolve, reject) => {
            init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
          }),
      );
      const answer = t.api.get("/goals");
      const settled = expect(answer).rejects.toEqual(new ApiError(0, "The API did not answer in time; please try again"));
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
      await settled;
    } finally {
      vi.useRealTimers();
    }
  });

  it("leaves the caller's own abort as an abort", async () => {
    const t = setup();
    const controller = new AbortController();
    t.fetchMock.mockImplementationOnce(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          const abort = () => reject(new DOMException("aborted", "AbortError"));
          if (init?.signal?.aborted) abort();
          init?.signal?.addEventListener("abort", abort);
        }),
    );
    const answer = t.api.get("/goals", undefined, { signal: controller.signal });
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: "AbortError" });
  });
});
