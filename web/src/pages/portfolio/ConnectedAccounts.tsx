import { Link } from "wouter";
import { useApiGet } from "../../api/useApi";
import { PROVIDER_LABELS, type Account, type Provider } from "../../api/types/accounts";
import type { AccountCash } from "../../api/types/portfolio";
import { ErrorText } from "../../components/Async";
import { formatDateTime, formatMoney } from "../../format";

function providerName(provider: string): string {
  return PROVIDER_LABELS[provider as Provider] ?? provider;
}

/** Every connected account (GET /accounts), with its part of the portfolio's cash once a sync brought it in and
 * its sync state, so that a new account shows before its first sync and a failing one's cash is not taken as
 * current; they are connected and managed in Settings. */
export function ConnectedAccounts({ accounts }: { accounts: AccountCash[] }) {
  const connected = useApiGet<Account[]>("/accounts");
  const list = connected.data;
  if (list === undefined && accounts.length === 0) {
    return connected.error ? <ErrorText message={connected.error.message} /> : <p role="status">Loading your accounts…</p>;
  }
  // The portfolio's own breakdown while GET /accounts is on its way (or failed): the accounts it holds cash of.
  const shown: Account[] = list ?? accounts.map(accountFromCash);
  if (shown.length === 0) {
    return (
      <div className="empty-state">
        <p>
          No connected accounts. <Link href="/settings">Connect a Binance or Alpaca account in Settings</Link> to
          bring its positions and cash in, with read-only keys.
        </p>
      </div>
    );
  }
  const cashById = new Map(accounts.map((account) => [account.id, account]));
  return (
    <>
      <ul className="account-list">
        {shown.map((account) => {
          const part = cashById.get(account.id);
          const syncedAt = part?.synced_at ?? account.last_synced_at;
          const cash = part?.cash ?? account.cash;
          return (
            <li key={account.id}>
              <span className="account-name">{account.label ?? providerName(account.provider)}</span>
              {account.label ? <span className="muted"> ({providerName(account.provider)})</span> : null}
              {cash !== null ? <span>: cash {formatMoney(cash)}, </span> : <span>: </span>}
              <span className="muted">{syncedAt ? `synced ${formatDateTime(syncedAt)}` : "not synced yet"}</span>
              {account.status === "failing" ? (
                <strong className="account-failing">
                  {" "}
                  Sync failing: {account.last_error ?? "the provider refuses the keys"}
                </strong>
              ) : null}
            </li>
          );
        })}
      </ul>
      <p>
        <Link href="/settings">Manage connected accounts in Settings</Link>
      </p>
    </>
  );
}

function accountFromCash(part: AccountCash): Account {
  return {
    id: part.id,
    provider: part.provider as Provider,
    label: part.label,
    key_hint: "",
    paper: false,
    status: "active",
    cash: null,
    last_synced_at: part.synced_at,
    last_error: null,
    created_at: "",
  };
}
