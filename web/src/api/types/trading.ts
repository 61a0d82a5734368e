// The contract's "Trading goals" shapes: GET /goals/status, GET /goals/history/{goal_type},
// PUT /goals/targets, POST /goals/manual-snapshot, POST /goals/record-profit, GET /goals/targets/history.
// Values arrive as JSON numbers; the app only formats them.

import type { Amount } from "../../format";

/** The three tracked goals, in the order GET /goals/status sorts them. */
export const TRADING_GOAL_TYPES = ["monthly_income", "monthly_return", "portfolio_value"] as const;

export type TradingGoalType = (typeof TRADING_GOAL_TYPES)[number];

export type TradingStatus = "achieved" | "on_track" | "at_risk" | "behind";

export interface TradingGoal {
  goal_type: TradingGoalType;
  target_value: Amount;
  current_value: Amount;
  progress_percent: Amount;
  status: TradingStatus;
  /** Null until the goal is first evaluated. */
  updated_at: string | null;
}

export interface TradingStatusResponse {
  success: true;
  goals: TradingGoal[];
  timestamp: string;
}

export interface TradingHistoryRow {
  /** `YYYY-MM-DD`. */
  date: string;
  actual_value: Amount;
  target_value: Amount;
  variance_percent: Amount;
  status: TradingStatus;
}

export interface TradingHistoryResponse {
  success: true;
  goal_type: TradingGoalType;
  /** Newest first. */
  history: TradingHistoryRow[];
  days: number;
}

export interface TargetsResponse {
  success: true;
  updates: Partial<Record<`${TradingGoalType}_target`, Amount>>;
  message: string;
}

export interface ManualSnapshotResponse {
  success: true;
  message: string;
  timestamp: string;
}

export interface RecordProfitResponse {
  success: true;
  profit_recorded: Amount;
  month_to_date: Amount;
  message: string;
}

export interface TargetChange {
  changed_at: string;
  portfolio_value: Amount;
  adjustment_factor: Amount;
  reason: string;
  updates: Record<string, Amount>;
}
