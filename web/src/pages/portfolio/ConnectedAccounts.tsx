import { Link } from "wouter";
import type { AccountCash } from "../../api/types/portfolio";
import { formatDateTime, formatMoney } from "../../format";

const PROVIDERS: Record<string, string> = { binance_futures: "Binance USD-M futures", alpaca: "Alpaca" };

export function providerName(provider: string): string {
  return PROVIDERS[provider] ?? provider;
}

/** The connected accounts' parts of the cash; they are connected and managed in Settings. */
export function ConnectedAccounts({ accounts }: { accounts: AccountCash[] }) {
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
  return (
    <>
      <ul className="account-list">
        {accounts.map((account) => (
          <li key={account.id}>
            <span className="account-name">{account.label ?? providerName(account.provider)}</span>
            {account.label ? <span className="muted"> ({providerName(account.provider)})</span> : null}
            <span>: cash {formatMoney(account.cash)}, </span>
            <span className="muted">
              {account.synced_at ? `synced ${formatDateTime(account.synced_at)}` : "not synced yet"}
            </span>
          </li>
        ))}
      </ul>
      <p>
        <Link href="/settings">Manage connected accounts in Settings</Link>
      </p>
    </>
  );
}
