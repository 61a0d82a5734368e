import { useCallback, useId, useRef } from "react";
import type { Account } from "../../api/types/accounts";
import { useApiGet } from "../../api/useApi";
import { Loaded } from "../../components/Async";
import { AccountCard } from "./AccountCard";
import { ConnectAccountForm } from "./ConnectAccountForm";

/** The connected accounts, each with sync and disconnect, and the form to connect another. */
export function AccountsSection() {
  const headingId = useId();
  const connectId = useId();
  const accounts = useApiGet<Account[]>("/accounts");
  const { mutate } = accounts;
  const reread = useCallback(() => mutate(), [mutate]);
  const heading = useRef<HTMLHeadingElement>(null);
  const focusHeading = useCallback(() => heading.current?.focus(), []);

  return (
    <section aria-labelledby={headingId} className="settings-section">
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Connected accounts
      </h2>
      <Loaded
        data={accounts.data}
        error={accounts.error}
        loading="Loading your connected accounts…"
        empty={
          <p>
            No accounts connected. Connect a Binance USD-M futures or Alpaca account below and Goalpost keeps its
            positions, closes and cash in step.
          </p>
        }
      >
        {(list) => (
          <ul className="account-list">
            {list.map((account) => (
              <li key={account.id}>
                <AccountCard account={account} onChanged={reread} onDisconnected={focusHeading} />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <h3 id={connectId}>Connect an account</h3>
      <ConnectAccountForm labelledBy={connectId} onConnected={reread} />
    </section>
  );
}
