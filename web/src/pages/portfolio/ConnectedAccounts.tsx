import { Link } from "wouter";
import { useApiGet } from "../../api/useApi";
import { PROVIDER_LABELS, type Account, type Provider } from "../../api/types/accounts";
import type { AccountCash } from "../../api/types/portfolio";
import { formatDateTime, formatMoney } from "../../format";

function providerName(provider: string): string {
  return PROVIDER_LABELS[provider as Provider] ?? provider;
}

/** The connected accounts' parts of the cash, with each account's sync state (GET /accounts) so that a failing
 * one's cash is not taken as current; they are connected and managed in Settings. */
export function ConnectedAccounts({ accounts }: { accounts: AccountCash[] }) {
  // Only for the sync state: without it the list still shows each account's cash.
  const details = useApiGet<Account[]>(accounts.length > 0 ? "/accounts" : null);
  if (accounts.length === 0) {
    return (
      <div className="empty-state">
        <p>
          No connected accounts. <Link href="/settings">Connect a Binance or Alpaca account in Settings</Link> to
          bring its positions and cash in, with read-only keys.
        </p>
      </div>
    );
  }
  const byId = new Map((details.data ?? []).map((account) => [account.id, account]));
  return (
    <>
      <ul className="account-list">
        {accounts.map((account) => {
          const failing = byId.get(account.id)?.status === "failing";
          return (
            <li key={account.id}>
              <span className="account-name">{account.label ?? providerName(account.provider)}</span>
              {account.label ? <span className="muted"> ({providerName(account.provider)})</span> : null}
              <span>: cash {formatMoney(account.cash)}, </span>
              <span className="muted">
                {account.synced_at ? `synced ${formatDateTime(account.synced_at)}` : "not synced yet"}
              </span>
              {failing ? (
                <strong className="account-failing">
                  {" "}
                  Sync failing: {byId.get(account.id)?.last_error ?? "the provider refuses the keys"}
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
