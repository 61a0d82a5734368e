// The inbox's pages of alerts: newest first, `limit` at a time, the next page through X-Next-Token.

import { useCallback } from "react";
import { useSWRConfig } from "swr";
import useSWRInfinite from "swr/infinite";
import { useServices } from "../../app/services";
import type { ApiError, Page, Query } from "../../api/client";
import { useReadAgainOnArrival } from "../../api/useApi";
import type { Alert } from "../../api/types/alerts";
import type { InboxFilter } from "./inboxFilter";

export const ALERTS_PAGE_SIZE = 20;

const OTHER_ALERT_VIEWS = new Set(["/alerts", "/goals/dashboard"]);

type PageKey = readonly ["/alerts", Query, "inbox"];

export function useAlertInbox({ unreadOnly, type }: InboxFilter) {
  const { api } = useServices();
  const { mutate: mutateAll } = useSWRConfig();
  const pageKey = (index: number, previous: Page<Alert> | null): PageKey | null => {
    if (index > 0 && !previous?.nextToken) return null;
    const query: Query = { unread: unreadOnly ? true : undefined, type, limit: ALERTS_PAGE_SIZE };
    return ["/alerts", { ...query, next_token: previous?.nextToken ?? undefined }, "inbox"];
  };
  const pages = useSWRInfinite<Page<Alert>, ApiError>(
    pageKey,
    ([path, query]: PageKey) => api.getPage<Alert>(path, query),
    // The first page is read again on focus, on coming back to the inbox and with each "Load more", so that
    // alerts raised meanwhile show at the top; the pages after it stay as loaded.
    { revalidateFirstPage: true },
  );
  useReadAgainOnArrival(pages);
  const { data, mutate, size, setSize } = pages;
  const alerts = data?.flatMap((page) => page.items);
  const last = data?.at(-1);
  const loadingMore = data !== undefined && size > data.length && pages.error === undefined;

  /** Puts the API's answer for one alert in place, at once and without reading the list again. */
  const replace = useCallback(
    async (updated: Alert[]) => {
      const byId = new Map(updated.map((alert) => [alert.id, alert]));
      await mutate(
        (current) =>
          current?.map((page) => ({ ...page, items: page.items.map((alert) => byId.get(alert.id) ?? alert) })),
        { revalidate: false },
      );
      // Other views of the alerts read again: the dashboard's unread ones and its unread count.
      await mutateAll((key) => Array.isArray(key) && OTHER_ALERT_VIEWS.has(key[0]) && key[2] !== "inbox");
    },
    [mutate, mutateAll],
  );

  return {
    alerts,
    error: pages.error,
    hasMore: Boolean(last?.nextToken),
    loadingMore,
    loadMore: () => setSize(size + 1),
    replace,
  };
}
