// The contract's "Connected accounts" section: an exchange or broker account linked with read-only keys.

export type Provider = "binance_futures" | "alpaca";

export type AccountStatus = "active" | "failing";

export interface Account {
  id: string;
  provider: Provider;
  label: string | null;
  /** The API key's last 4 characters. */
  key_hint: string;
  paper: boolean;
  status: AccountStatus;
  cash: number | null;
  last_synced_at: string | null;
  last_error: string | null;
  created_at: string;
}

/** `POST /accounts`: the secret goes in once and never comes back. */
export interface AccountConnect {
  provider: Provider;
  api_key: string;
  api_secret: string;
  label?: string;
  paper?: boolean;
}

/** What `POST /accounts/{id}/sync` did. */
export interface SyncSummary {
  created: number;
  updated: number;
  closed: number;
  cash: number | null;
  errors: string[];
}

export const PROVIDER_LABELS: Record<Provider, string> = {
  binance_futures: "Binance USD-M futures",
  alpaca: "Alpaca",
};
