// The trading goals' words, units and target ranges (the contract's "Trading goals" section), the targets form's
// checks and query, and the history as chart series. Pure: the page only renders what these decide.

import type { ChartSeries } from "../../charts/lineChart";
import type { TradingGoal, TradingGoalType, TradingHistoryRow, TradingStatus } from "../../api/types/trading";
import { formatMoney, type Amount } from "../../format";
import { parseDecimal } from "../wizard/amounts";

interface GoalInfo {
  title: string;
  /** `percent` for the monthly return, else dollars. */
  unit: "percent" | "money";
  /** The PUT /goals/targets query parameter and its range. */
  param: string;
  min: number;
  max: number;
}

export const TRADING_GOALS: Record<TradingGoalType, GoalInfo> = {
  monthly_return: { title: "Monthly return", unit: "percent", param: "monthly_return_target", min: 0.1, max: 50 },
  monthly_income: { title: "Monthly income", unit: "money", param: "monthly_income_target", min: 1, max: 1_000_000 },
  portfolio_value: { title: "Portfolio value", unit: "money", param: "portfolio_value_target", min: 100, max: 10_000_000 },
};

const STATUS_WORDS: Record<TradingStatus, string> = {
  achieved: "Achieved",
  on_track: "On track",
  at_risk: "At risk",
  behind: "Behind",
};

export function statusWords(status: TradingStatus): string {
  return STATUS_WORDS[status];
}

const PERCENT = new Intl.NumberFormat(undefined, {
  style: "unit",
  unit: "percent",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** A goal's value in its unit: "4.21%" for the monthly return, "$1,450.00" for the others. */
export function formatGoalValue(type: TradingGoalType, value: Amount | null | undefined, locale?: string): string {
  if (value === null || value === undefined || value === "") return "—";
  if (TRADING_GOALS[type].unit === "money") return formatMoney(value, "USD", locale);
  const formatter = locale === undefined ? PERCENT : new Intl.NumberFormat(locale, PERCENT.resolvedOptions());
  return formatter.format(String(value) as Intl.StringNumericLiteral);
}

/** The targets form as typed. */
export type TargetsDraft = Record<TradingGoalType, string>;

export function targetsDraft(goals: readonly TradingGoal[]): TargetsDraft {
  const draft: TargetsDraft = { monthly_return: "", monthly_income: "", portfolio_value: "" };
  for (const goal of goals) draft[goal.goal_type] = String(goal.target_value);
  return draft;
}

/** What must be fixed in the targets form, by goal type: each target inside the contract's range. */
export function checkTargets(draft: TargetsDraft): Partial<Record<TradingGoalType, string>> {
  const errors: Partial<Record<TradingGoalType, string>> = {};
  for (const type of Object.keys(TRADING_GOALS) as TradingGoalType[]) {
    const { min, max, unit } = TRADING_GOALS[type];
    const value = parseDecimal(draft[type]);
    const range =
      unit === "percent" ? `from ${min}% to ${max}%` : `from ${formatMoney(min)} to ${formatMoney(max)}`;
    if (value === null) errors[type] = "Enter a target";
    else if (Number.isNaN(value) || value < min || value > max) errors[type] = `Enter a target ${range}`;
  }
  return errors;
}

/** The PUT /goals/targets query: only the targets that changed (the API logs each change); null when none did. */
export function targetsQuery(draft: TargetsDraft, goals: readonly TradingGoal[]): Record<string, string> | null {
  const query: Record<string, string> = {};
  for (const goal of goals) {
    const value = parseDecimal(draft[goal.goal_type]);
    if (value !== null && !Number.isNaN(value) && value !== Number(goal.target_value)) {
      query[TRADING_GOALS[goal.goal_type].param] = String(value);
    }
  }
  return Object.keys(query).length > 0 ? query : null;
}

/** The history (newest first, as the API sends it) as two series, oldest first: what it was, and its target. */
export function historySeries(rows: readonly TradingHistoryRow[]): ChartSeries[] {
  const oldestFirst = [...rows].sort((a, b) => a.date.localeCompare(b.date));
  const at = (row: TradingHistoryRow) => Date.parse(`${row.date}T00:00:00Z`);
  return [
    { label: "Actual", points: oldestFirst.map((row) => ({ time: at(row), value: Number(row.actual_value) })) },
    {
      label: "Target",
      dashed: true,
      points: oldestFirst.map((row) => ({ time: at(row), value: Number(row.target_value) })),
    },
  ];
}

/** The type a `*_target` key of PUT /goals/targets names, if any. */
export function goalOfTargetParam(param: string): TradingGoalType | null {
  const found = (Object.keys(TRADING_GOALS) as TradingGoalType[]).find((type) => TRADING_GOALS[type].param === param);
  return found ?? null;
}

/** A profit as typed: `150`, `-75.50` (a loss), `$1,200`; null for empty, NaN for anything else. */
export function parseProfit(text: string): number | null {
  const trimmed = text.trim();
  const negative = trimmed.startsWith("-");
  const value = parseDecimal(negative ? trimmed.slice(1) : trimmed);
  if (value === null) return negative ? Number.NaN : null;
  return negative ? -value : value;
}

/** Each target of a PUT /goals/targets answer or a logged change, in words: "Monthly income: $2,500.00". */
export function targetUpdateTexts(updates: Readonly<Record<string, Amount>>): string[] {
  return Object.entries(updates).map(([param, value]) => {
    const type = goalOfTargetParam(param);
    return type === null ? `${param}: ${String(value)}` : `${TRADING_GOALS[type].title}: ${formatGoalValue(type, value)}`;
  });
}
