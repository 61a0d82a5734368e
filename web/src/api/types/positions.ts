// The contract's positions and trading performance: "Positions and position monitoring" (the position,
// POST/GET/PATCH /positions, close, fill, cancel, DELETE, GET /performance).

import type { Amount } from "../../format";
import type { Side } from "./portfolio";

export const POSITION_STATUSES = ["OPEN", "PENDING", "CLOSED", "CANCELLED", "FAILED"] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

export type ExitReason = "TP_HIT" | "SL_HIT" | "TRAILING_STOP" | "TIMEOUT" | "LIQUIDATION" | "MANUAL";

export interface Position {
  id: string;
  symbol: string;
  side: Side;
  quantity: Amount;
  entry_price: Amount;
  entry_time: string;
  leverage: number;
  stop_loss: Amount | null;
  take_profit: Amount | null;
  trailing_stop_percent: Amount | null;
  max_duration_minutes: number | null;
  strategy: string | null;
  fees_paid: Amount;
  status: PositionStatus;
  risk_reward_ratio: Amount | null;
  last_updated_price: Amount | null;
  unrealized_pnl: Amount | null;
  exit_price: Amount | null;
  exit_time: string | null;
  exit_reason: ExitReason | null;
  slippage: Amount | null;
  pnl_usd: Amount | null;
  pnl_percentage: Amount | null;
  is_winning: boolean | null;
  realized_pnl: Amount | null;
  actual_rr_ratio: Amount | null;
  trade_duration_minutes: number | null;
  bot_id: string | null;
  prompt_id: string | null;
  subscription_id: string | null;
  confidence: Amount | null;
  reason: string | null;
  order_id: string | null;
  account_id: string | null;
  source: "manual" | "exchange";
  parent_id: string | null;
  created_at: string;
  updated_at: string;
}

/** POST /positions. Numbers are sent as the decimal text the user typed, never recomputed. */
export interface PositionCreate {
  symbol: string;
  side: Side;
  quantity: number;
  entry_price: number;
  leverage?: number;
  entry_time?: string;
  stop_loss?: number;
  take_profit?: number;
  trailing_stop_percent?: number;
  max_duration_minutes?: number;
  strategy?: string;
  fees_paid?: number;
  status?: "OPEN" | "PENDING";
  bot_id?: string;
  prompt_id?: string;
  reason?: string;
}

/** PATCH /positions/{id}: null clears a level. */
export interface LevelsUpdate {
  stop_loss?: number | null;
  take_profit?: number | null;
  trailing_stop_percent?: number | null;
  max_duration_minutes?: number | null;
}

/** GET /positions filters. */
export interface PositionFilter {
  status?: PositionStatus;
  symbol?: string;
  strategy?: string;
  bot_id?: string;
  prompt_id?: string;
}

/** The metrics of a group of closed trades (GET /performance). */
export interface Metrics {
  strategy: string | null;
  bot_id: string | null;
  prompt_id: string | null;
  total_trades: number;
  winning_trades: number;
  losing_trades: number;
  win_rate: Amount | null;
  total_pnl: Amount | null;
  avg_pnl: Amount | null;
  avg_win: Amount | null;
  avg_loss: Amount | null;
  profit_factor: Amount | null;
  tp_hit_rate: Amount | null;
  sl_hit_rate: Amount | null;
  manual_exit_rate: Amount | null;
  avg_planned_rr: Amount | null;
  avg_actual_rr: Amount | null;
  rr_achievement_rate: Amount | null;
  avg_slippage: Amount | null;
  total_fees: Amount | null;
  avg_trade_duration_minutes: Amount | null;
  expectancy: Amount | null;
  expectancy_ratio: Amount | null;
}

/** The portfolio's ratios, at the top level only. */
export interface PortfolioRatios {
  max_drawdown_percent: Amount | null;
  max_drawdown_start: string | null;
  max_drawdown_end: string | null;
  sharpe_ratio: Amount | null;
  sortino_ratio: Amount | null;
  cagr_percent: Amount | null;
  calmar_ratio: Amount | null;
}

export interface Performance extends Metrics, PortfolioRatios {
  by_strategy: Record<string, Metrics>;
  by_bot: Record<string, Metrics>;
  by_prompt: Record<string, Metrics>;
}

export const PERFORMANCE_GROUPS = ["strategy", "bot_id", "prompt_id"] as const;
export type PerformanceGroup = (typeof PERFORMANCE_GROUPS)[number];
