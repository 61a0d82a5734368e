// Reads through SWR: cached per path and query, deduplicated, revalidated on focus and reconnect.

import { useEffect, useRef } from "react";
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

/** A list shown from the cache on arrival is read again at once, bypassing SWR's deduplication: SWR skips its
 * own revalidation on mount while an earlier request for the same key is still counted as pending (one left
 * behind on the previous visit), and a write made elsewhere meanwhile (closing a position, marking an alert
 * read) would then stay unseen. Reads nothing extra on a first visit, where SWR reads the list anyway. */
export function useReadAgainOnArrival(list: { data: unknown; mutate: () => Promise<unknown> }): void {
  const shownFromCache = useRef(list.data !== undefined);
  const readAgain = useRef(list.mutate);
  useEffect(() => {
    if (shownFromCache.current) void readAgain.current();
  }, []);
}
