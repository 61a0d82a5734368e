import { useCallback, useEffect, useId, useRef, useState } from "react";
import { Link, useSearchParams } from "wouter";
import { useServices } from "../app/services";
import { ALERT_TYPES, alertTypeLabel, type Alert, type AlertType } from "../api/types/alerts";
import { useAction } from "../api/useAction";
import { ErrorText, Loaded } from "../components/Async";
import { Page } from "../components/Page";
import { AlertItem } from "./alerts/AlertItem";
import { filterOf, searchOf, type InboxFilter } from "./alerts/inboxFilter";
import { markAlertsRead } from "./alerts/markRead";
import { useAlertInbox } from "./alerts/useAlertInbox";
import "./alerts/alerts.css";

export function AlertsPage() {
  const { api } = useServices();
  const [search, setSearch] = useSearchParams();
  const filter = filterOf(search);
  const setFilter = (next: InboxFilter) => setSearch(searchOf(next), { replace: true });
  const inbox = useAlertInbox(filter);
  const { replace } = inbox;

  const markRead = useAction(
    useCallback(
      (alerts: Alert[]) => markAlertsRead(api, alerts, replace),
      [api, replace],
    ),
  );

  // A failure to mark one alert is said on that alert; a failure of "all shown", above the list.
  const [oneMarked, setOneMarked] = useState<string | null>(null);
  const markOne = async (alert: Alert) => {
    setOneMarked(alert.id);
    if (await markRead.run([alert])) {
      document.querySelector<HTMLElement>(`[data-alert-id="${CSS.escape(alert.id)}"]`)?.focus();
    }
  };
  // After "Load more", focus goes to the first alert it brought (the button may be gone: there is no more).
  const firstNew = useRef<number | null>(null);
  const shown = inbox.alerts?.length ?? 0;
  useEffect(() => {
    if (firstNew.current === null || shown <= firstNew.current) return;
    document.querySelectorAll<HTMLElement>(".alert-list article")[firstNew.current]?.focus();
    firstNew.current = null;
  }, [shown]);
  const loadMore = () => {
    firstNew.current = shown;
    void inbox.loadMore();
  };

  const unreadShown = inbox.alerts?.filter((alert) => alert.read_at === null) ?? [];

  return (
    <Page title="Alerts">
      <InboxFilters filter={filter} onChange={setFilter} />
      <div className="inbox-toolbar">
        {unreadShown.length > 0 && (
          <button
            type="button"
            disabled={markRead.busy}
            onClick={() => {
              setOneMarked(null);
              void markRead.run(unreadShown);
            }}
          >
            Mark all shown as read ({unreadShown.length})
          </button>
        )}
      </div>
      {oneMarked === null && <ErrorText message={markRead.error} />}
      <Loaded
        data={inbox.alerts}
        error={inbox.error}
        loading="Loading your alerts…"
        empty={<EmptyInbox filter={filter} />}
      >
        {(alerts) => (
          <>
            <ul className="alert-list">
              {alerts.map((alert) => (
                <li key={alert.id}>
                  <AlertItem
                    alert={alert}
                    busy={markRead.busy}
                    error={oneMarked === alert.id ? markRead.error : null}
                    onMarkRead={(one) => void markOne(one)}
                  />
                </li>
              ))}
            </ul>
            {inbox.hasMore && (
              <button type="button" disabled={inbox.loadingMore} onClick={loadMore}>
                {inbox.loadingMore ? "Loading more alerts…" : "Load more alerts"}
              </button>
            )}
          </>
        )}
      </Loaded>
    </Page>
  );
}

function InboxFilters({ filter, onChange }: { filter: InboxFilter; onChange: (filter: InboxFilter) => void }) {
  const typeId = useId();
  return (
    <form className="inbox-filters" aria-label="Which alerts" onSubmit={(event) => event.preventDefault()}>
      <fieldset>
        <legend>Show</legend>
        <label>
          <input
            type="radio"
            name="read-state"
            checked={!filter.unreadOnly}
            onChange={() => onChange({ ...filter, unreadOnly: false })}
          />{" "}
          All alerts
        </label>
        <label>
          <input
            type="radio"
            name="read-state"
            checked={filter.unreadOnly}
            onChange={() => onChange({ ...filter, unreadOnly: true })}
          />{" "}
          Unread only
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={typeId}>Type</label>
        <select
          id={typeId}
          value={filter.type}
          onChange={(event) => onChange({ ...filter, type: event.target.value as AlertType | "" })}
        >
          <option value="">All types</option>
          {ALERT_TYPES.map((type) => (
            <option key={type} value={type}>
              {alertTypeLabel(type)}
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}

function EmptyInbox({ filter }: { filter: InboxFilter }) {
  if (filter.unreadOnly || filter.type !== "") {
    return <p>No alerts match. Choose “All alerts” and “All types” to see every alert you have had.</p>;
  }
  return (
    <p>
      No alerts yet. They arrive here as your goals reach milestones, fall behind or near their deadlines, and as
      your positions close. Choose which ones also reach you by email, SMS or webhook in{" "}
      <Link href="/settings">Settings</Link>.
    </p>
  );
}
