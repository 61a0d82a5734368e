import { useId } from "react";
import { Link } from "wouter";
import { alertTypeLabel, SEVERITY_LABELS, type Alert } from "../../api/types/alerts";
import { ErrorText } from "../../components/Async";
import { formatDateTime } from "../../format";
import { actionLink } from "./actionLink";

interface AlertItemProps {
  alert: Alert;
  onMarkRead: (alert: Alert) => void;
  /** A write is in flight: no second one from here. */
  busy: boolean;
  /** Why marking this alert read failed, as the API said. */
  error: string | null;
}

/** One alert: what it says, how serious, when, where to act on it, and whether it has been read. */
export function AlertItem({ alert, onMarkRead, busy, error }: AlertItemProps) {
  const titleId = useId();
  const link = actionLink(alert.action_url);
  // An alert about nothing but itself points at the inbox: no link to the page it is already on.
  const elsewhere = link !== null && link.route !== "/alerts";
  const unread = alert.read_at === null;
  return (
    <article
      className={`alert-item severity-${alert.severity}${unread ? " unread" : ""}`}
      aria-labelledby={titleId}
      // Marking read removes the button; focus then stays on the alert rather than falling to the page.
      tabIndex={-1}
      data-alert-id={alert.id}
    >
      <header className="alert-item-header">
        <h2 id={titleId} className="alert-title">
          {alert.title}
        </h2>
        <p className="alert-meta">
          <span className="alert-badge">{SEVERITY_LABELS[alert.severity] ?? alert.severity}</span>{" "}
          <span className="alert-badge">{alertTypeLabel(alert.alert_type)}</span>{" "}
          <span className={`alert-badge${unread ? " is-unread" : ""}`}>{unread ? "Unread" : "Read"}</span>{" "}
          <time dateTime={alert.created_at}>{formatDateTime(alert.created_at)}</time>
        </p>
      </header>
      <p className="alert-message">{alert.message}</p>
      <ErrorText message={error} />
      <div className="alert-actions">
        {elsewhere && (
          <Link href={link.route} className="button" aria-describedby={titleId}>
            View {link.what}
          </Link>
        )}
        {unread && (
          <button type="button" disabled={busy} aria-describedby={titleId} onClick={() => onMarkRead(alert)}>
            Mark as read
          </button>
        )}
      </div>
    </article>
  );
}
