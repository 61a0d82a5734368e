import { useCallback, useId, useRef, useState, type FormEvent } from "react";
import { useServices } from "../../app/services";
import { PROVIDER_LABELS, type Account, type AccountConnect, type Provider } from "../../api/types/accounts";
import { newIdempotencyKey, useAction } from "../../api/useAction";
import { ErrorText } from "../../components/Async";
import { CheckField, SubmitRow, TextField } from "./fields";

const EMPTY = { provider: "binance_futures" as Provider, label: "", api_key: "", api_secret: "", paper: false };

/** Connects an account with read-only keys. The secret is a password field, sent once and never shown again. */
interface ConnectAccountFormProps {
  /** The id of the heading that names the form. */
  labelledBy: string;
  onConnected: (account: Account) => Promise<unknown>;
}

export function ConnectAccountForm({ labelledBy, onConnected }: ConnectAccountFormProps) {
  const { api } = useServices();
  const [form, setForm] = useState(EMPTY);
  const [notice, setNotice] = useState<string | null>(null);
  const providerId = useId();
  // One key per body: a retry of the same submit is answered once; changed keys are a new request.
  const attempt = useRef<{ body: string; key: string } | null>(null);

  const connect = useAction(
    useCallback(
      async (body: AccountConnect) => {
        const text = JSON.stringify(body);
        if (attempt.current?.body !== text) attempt.current = { body: text, key: newIdempotencyKey() };
        const account = await api.post<Account>("/accounts", body, { idempotencyKey: attempt.current.key });
        attempt.current = null;
        await onConnected(account);
        return account;
      },
      [api, onConnected],
    ),
  );

  const edit = (changes: Partial<typeof EMPTY>) => {
    setForm((current) => ({ ...current, ...changes }));
    setNotice(null);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const body: AccountConnect = { provider: form.provider, api_key: form.api_key, api_secret: form.api_secret };
    if (form.label.trim() !== "") body.label = form.label.trim();
    if (form.provider === "alpaca") body.paper = form.paper;
    const account = await connect.run(body);
    if (account) {
      setForm(EMPTY);
      setNotice(`Connected ${account.label ?? PROVIDER_LABELS[account.provider]} (key ending ${account.key_hint}).`);
    }
  };

  return (
    <form className="settings-form" aria-labelledby={labelledBy} onSubmit={(event) => void onSubmit(event)}>
      <p className="settings-hint">
        Use read-only API keys: Goalpost only reads positions, fills and cash, and never places an order. Binance keys
        that may withdraw are refused.
      </p>
      <div className="settings-field">
        <label htmlFor={providerId}>Exchange or broker</label>
        <select
          id={providerId}
          value={form.provider}
          onChange={(event) => edit({ provider: event.target.value as Provider })}
        >
          {Object.entries(PROVIDER_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {form.provider === "alpaca" && (
        <CheckField label="Paper trading account" checked={form.paper} onChange={(paper) => edit({ paper })} />
      )}
      <TextField
        label="Name (optional)"
        value={form.label}
        maxLength={100}
        onChange={(label) => edit({ label })}
        hint="How the account is shown, e.g. “Main futures”."
      />
      <TextField
        label="API key"
        value={form.api_key}
        required
        autoComplete="off"
        spellCheck={false}
        onChange={(api_key) => edit({ api_key })}
      />
      <TextField
        label="API secret"
        type="password"
        value={form.api_secret}
        required
        autoComplete="off"
        onChange={(api_secret) => edit({ api_secret })}
        hint="Encrypted as soon as it arrives; Goalpost never shows it again."
      />
      <ErrorText message={connect.error} />
      <SubmitRow busy={connect.busy} busyText="Checking the keys…" text="Connect account" notice={notice} />
    </form>
  );
}
