// The contract's portfolio shapes: "Prices, portfolio and performance charts" (GET /portfolio/current,
// GET /portfolio/performance, GET and PUT /portfolio/cash). Amounts arrive as JSON numbers; the app only
// formats them.

import type { Amount } from "../../format";

export type Side = "LONG" | "SHORT";

/** One row per (symbol, side) over the open positions. */
export interface Holding {
  ticker: string;
  side: Side;
  shares: Amount;
  cost_basis: Amount;
  current_value: Amount;
  /** The exposure (quantity × price), in no total. */
  notional_value?: Amount;
  price_per_share: Amount | null;
  unrealized_gain_loss: Amount;
  unrealized_gain_loss_percent: Amount;
  /** No cached price: valued at cost basis. */
  price_missing: boolean;
}

/** A connected account's part of the portfolio's cash. */
export interface AccountCash {
  id: string;
  provider: string;
  label: string | null;
  cash: Amount;
  synced_at: string | null;
}

export interface Portfolio {
  total_value: Amount;
  investment_value: Amount;
  cash_balance: Amount;
  positions: Holding[];
  /** The oldest price used; null with no priced position. */
  last_updated: string | null;
  /** Every open position has a price and every price used is fresh. */
  price_fresh: boolean;
  accounts: AccountCash[];
}

export const TIMEFRAMES = ["1D", "1W", "1M", "3M", "1Y", "YTD", "ALL"] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export interface ValuePoint {
  timestamp: string;
  value: Amount;
}

/** GET /portfolio/performance?timeframe=…: the value chart. */
export interface ValueHistory {
  timeframe: Timeframe;
  data_points: ValuePoint[];
  start_value: Amount;
  current_value: Amount;
  profit_loss: Amount;
  profit_loss_percent: Amount;
  data_available: boolean;
}

/** GET and PUT /portfolio/cash: the cash set by hand (connected accounts' cash is not in it). */
export interface Cash {
  cash_balance: Amount;
}
