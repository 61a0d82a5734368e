import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useServices } from "../../app/services";
import { PROVIDER_LABELS, type Account, type SyncSummary } from "../../api/types/accounts";
import { useAction } from "../../api/useAction";
import { ErrorText } from "../../components/Async";
import { formatDateTime, formatMoney } from "../../format";

interface AccountCardProps {
  account: Account;
  /** Reads the accounts again after a sync or a disconnect. */
  onChanged: () => Promise<unknown>;
  /** The card is about to go: somewhere for focus to land. */
  onDisconnected: () => void;
}

export function accountName(account: Account): string {
  return account.label ?? PROVIDER_LABELS[account.provider];
}

function syncText(summary: SyncSummary): string {
  const counts = `${summary.created} created, ${summary.updated} updated, ${summary.closed} closed`;
  const cash = summary.cash === null ? "" : `; cash ${formatMoney(summary.cash)}`;
  return `Synced: ${counts}${cash}.`;
}

/** One connected account: what it is, whether it syncs, and its actions. */
export function AccountCard({ account, onChanged, onDisconnected }: AccountCardProps) {
  const { api } = useServices();
  const titleId = useId();
  const [summary, setSummary] = useState<SyncSummary | null>(null);
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const disconnectButton = useRef<HTMLButtonElement>(null);
  const path = `/accounts/${encodeURIComponent(account.id)}`;

  const sync = useAction(
    useCallback(async () => {
      const result = await api.post<SyncSummary>(`${path}/sync`);
      setSummary(result);
      await onChanged();
      return result;
    }, [api, path, onChanged]),
  );
  const disconnect = useAction(
    useCallback(async () => {
      await api.delete(path);
      await onChanged();
      onDisconnected();
      return true;
    }, [api, path, onChanged, onDisconnected]),
  );

  // Focus follows the question: onto "Yes, disconnect" when asked, back to "Disconnect" when kept.
  const asked = useRef(false);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
    else if (asked.current) disconnectButton.current?.focus();
    asked.current = confirming;
  }, [confirming]);
  const provider = `${PROVIDER_LABELS[account.provider]}${account.paper ? " (paper)" : ""}`;

  return (
    <article className="account-card" aria-labelledby={titleId}>
      <h3 id={titleId}>{accountName(account)}</h3>
      <dl className="account-facts">
        <div>
          <dt>Provider</dt>
          <dd>{provider}</dd>
        </div>
        <div>
          <dt>API key</dt>
          <dd>ending {account.key_hint}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd className={`account-status status-${account.status}`}>
            {account.status === "active" ? "Active" : "Failing: the provider refuses the keys; Sync now tries again"}
          </dd>
        </div>
        <div>
          <dt>Cash</dt>
          <dd>{formatMoney(account.cash)}</dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>
            {account.last_synced_at ? (
              <time dateTime={account.last_synced_at}>{formatDateTime(account.last_synced_at)}</time>
            ) : (
              "Not yet"
            )}
          </dd>
        </div>
        {account.last_error && (
          <div>
            <dt>Last error</dt>
            <dd>{account.last_error}</dd>
          </div>
        )}
      </dl>
      <ErrorText message={sync.error ?? disconnect.error} />
      {summary && (
        <div role="status" className="settings-notice">
          <p>{syncText(summary)}</p>
          {summary.errors.length > 0 && (
            <ul>
              {summary.errors.map((error) => (
                <li key={error}>{error}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {confirming ? (
        <div className="account-confirm" role="group" aria-label={`Disconnect ${accountName(account)}`}>
          <p>
            Disconnect {accountName(account)}? Its keys are destroyed. Its positions stay in Goalpost, no longer linked
            to the account.
          </p>
          <div className="settings-actions">
            <button
              ref={confirmButton}
              type="button"
              className="danger"
              disabled={disconnect.busy}
              onClick={() => void disconnect.run()}
            >
              {disconnect.busy ? "Disconnecting…" : "Yes, disconnect"}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      ) : (
        <div className="settings-actions">
          <button type="button" disabled={sync.busy} aria-describedby={titleId} onClick={() => void sync.run()}>
            {sync.busy ? "Syncing…" : "Sync now"}
          </button>
          <button ref={disconnectButton} type="button" aria-describedby={titleId} onClick={() => setConfirming(true)}>
            Disconnect
          </button>
        </div>
      )}
    </article>
  );
}
