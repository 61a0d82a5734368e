// Which alerts the inbox shows, kept in the address (`/app/alerts?unread=true&type=off_track`) so that a link,
// a reload or Back shows the same list.

import { ALERT_TYPES, type AlertType } from "../../api/types/alerts";

export interface InboxFilter {
  unreadOnly: boolean;
  type: AlertType | "";
}

export function filterOf(search: URLSearchParams): InboxFilter {
  const type = search.get("type") ?? "";
  return {
    unreadOnly: search.get("unread") === "true",
    // A type the app does not know is no filter, not an empty inbox.
    type: (ALERT_TYPES as readonly string[]).includes(type) ? (type as AlertType) : "",
  };
}

export function searchOf(filter: InboxFilter): Record<string, string> {
  const search: Record<string, string> = {};
  if (filter.unreadOnly) search.unread = "true";
  if (filter.type !== "") search.type = filter.type;
  return search;
}
