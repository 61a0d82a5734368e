import { Link } from "wouter";
import type { Alert } from "../../api/types/alerts";
import { useApiGet } from "../../api/useApi";
import { Loaded } from "../../components/Async";
import { formatDateTime } from "../../format";
import { actionLink } from "../alerts/actionLink";

/** How many unread alerts the dashboard lists; the inbox has the rest. */
export const UNREAD_SHOWN = 5;

/** The newest unread alerts, each linking to what it is about, and the way to the inbox. */
export function UnreadAlerts({ count }: { count: number | undefined }) {
  const alerts = useApiGet<Alert[]>("/alerts", { unread: true, limit: UNREAD_SHOWN });
  return (
    <section className="dashboard-panel" aria-labelledby="unread-alerts-heading">
      <h2 id="unread-alerts-heading">
        {count === undefined ? "Unread alerts" : `Unread alerts (${count})`}
      </h2>
      <Loaded
        data={alerts.data}
        error={alerts.error}
        loading="Loading your alerts…"
        empty={<p>No unread alerts: you are up to date.</p>}
      >
        {(unread) => (
          <ul className="unread-alerts">
            {unread.map((alert) => (
              <li key={alert.id} className={`severity-${alert.severity}`}>
                <UnreadAlert alert={alert} />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <p>
        <Link href="/alerts">All alerts</Link>
      </p>
    </section>
  );
}

function UnreadAlert({ alert }: { alert: Alert }) {
  const link = actionLink(alert.action_url);
  return (
    <>
      {link === null ? <strong>{alert.title}</strong> : <Link href={link.route}>{alert.title}</Link>}
      {alert.severity === "info" ? null : <span className="severity-label"> ({alert.severity})</span>}
      <br />
      <small>
        <time dateTime={alert.created_at}>{formatDateTime(alert.created_at)}</time>
      </small>
    </>
  );
}
