// Reads through SWR: cached per path and query, deduplicated, revalidated on focus and reconnect.

import useSWR, { type SWRResponse } from "swr";
import { useServices } from "../app/services";
import type { ApiError, Query } from "./client";

/** GETs `path` (skipped while it is null); the error is an ApiError whose message is the API's detail. */
export function useApiGet<T>(path: string | null, query?: Query): SWRResponse<T, ApiError> {
  const { api } = useServices();
  return useSWR<T, ApiError, [string, Query | undefined] | null>(path === null ? null : [path, query], ([target, params]) =>
    api.get<T>(target, params),
  );
}
