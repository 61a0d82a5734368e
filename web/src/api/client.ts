// The one way the app talks to the Goalpost API: bearer token, JSON, errors as the API's `detail`.

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the client needs from the sign-in session. */
export interface TokenSource {
  accessToken(): Promise<string | null>;
  refresh(): Promise<string | null>;
  /** The session cannot be saved: send the user to sign in again. */
  signInAgain(): void;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface Page<T> {
  items: T[];
  /** Pass back as `next_token` for the next page; null on the last page. */
  nextToken: string | null;
}

export interface RequestOptions {
  /** Makes a retried create safe: the API answers a repeat with the first response. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface ApiClient {
  get<T>(path: string, query?: Query, options?: RequestOptions): Promise<T>;
  getPage<T>(path: string, query?: Query, options?: RequestOptions): Promise<Page<T>>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T = null>(path: string, options?: RequestOptions): Promise<T>;
}

interface ClientDeps {
  baseUrl: string;
  tokens: TokenSource;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
}

/** Longer than any route takes when deployed (API Gateway gives up at 30 s). */
export const REQUEST_TIMEOUT_MS = 35_000;

const LOCATION_PREFIXES = new Set(["body", "query", "path", "header"]);

/** The API's `detail` as one readable sentence: a string as is, a 422's field errors joined. */
export function detailText(body: unknown, status: number): string {
  const detail = typeof body === "object" && body !== null ? (body as { detail?: unknown }).detail : undefined;
  if (typeof detail === "string" && detail !== "") return detail;
  if (Array.isArray(detail) && detail.length > 0) return detail.map(fieldErrorText).join("; ");
  return `The request failed (HTTP ${status})`;
}

function fieldErrorText(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { loc, msg } = error as { loc?: unknown; msg?: unknown };
  const message = typeof msg === "string" ? msg : "Invalid value";
  if (!Array.isArray(loc)) return message;
  const parts = loc.filter((part, index) => !(index === 0 && LOCATION_PREFIXES.has(String(part))));
  // List positions are shown counting from 1, as a person would.
  const field = parts.map((part) => (typeof part === "number" ? String(part + 1) : String(part))).join(" ");
  return field === "" ? message : `${field}: ${message}`;
}

export function createApiClient({ baseUrl, tokens, fetch: fetchImpl }: ClientDeps): ApiClient {
  function url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") params.append(key, String(value));
    }
    const search = params.toString();
    return `${baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  async function send(method: string, target: string, body: unknown, options: RequestOptions): Promise<Response> {
    const attempt = async (token: string) => {
      const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token}` };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
      // No request waits for ever: a read left pending would also keep SWR from reading its key again.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), REQUEST_TIMEOUT_MS);
      try {
        return await fetchImpl(target, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal,
        });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (timeout.signal.aborted) throw new ApiError(0, "The API did not answer in time; please try again");
        throw new ApiError(0, "The API could not be reached; check your connection");
      } finally {
        clearTimeout(timer);
      }
    };
    const signedOut = () => {
      tokens.signInAgain();
      return new ApiError(401, "Your session has ended; please sign in again");
    };

    const token = await tokens.accessToken();
    if (token === null) throw signedOut();
    let response = await attempt(token);
    if (response.status === 401) {
      // The token may have been revoked or expired in flight: one refresh, then sign in again.
      const fresh = await tokens.refresh();
      if (fresh === null) throw signedOut();
      response = await attempt(fresh);
      if (response.status === 401) throw signedOut();
    }
    if (!response.ok) {
      const errorBody: unknown = await response.json().catch(() => null);
      throw new ApiError(response.status, detailText(errorBody, response.status));
    }
    return response;
  }

  async function parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return null as T;
    const text = await response.text();
    return (text === "" ? null : JSON.parse(text)) as T;
  }

  return {
    async get(path, query, options = {}) {
      return parse(await send("GET", url(path, query), undefined, options));
    },
    async getPage<T>(path: string, query?: Query, options: RequestOptions = {}): Promise<Page<T>> {
      const response = await send("GET", url(path, query), undefined, options);
      return { items: await parse<T[]>(response), nextToken: response.headers.get("X-Next-Token") };
    },
    async post(path, body, options = {}) {
      return parse(await send("POST", url(path), body, options));
    },
    async put(path, body, options = {}) {
      return parse(await send("PUT", url(path), body, options));
    },
    async patch(path, body, options = {}) {
      return parse(await send("PATCH", url(path), body, options));
    },
    async delete(path, options = {}) {
      return parse(await send("DELETE", url(path), undefined, options));
    },
  };
}
