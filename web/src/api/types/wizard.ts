// The contract's shapes the new-goal wizard uses: "Goals" (goal types, POST /goals, the templates,
// POST /goals/from-template, POST /goals/preview) and "Alerts" (the preferences' enabled alert types).
// Amounts arrive as JSON numbers; the app only formats them.

import type { Amount } from "../../format";

/** Increasing goals move `current_amount` up toward the target. */
export const INCREASING_GOAL_TYPES = [
  "savings",
  "investment",
  "net_worth",
  "income",
  "custom",
  "emergency_fund",
  "savings_target",
  "down_payment",
  "major_purchase",
  "investment_target",
  "retirement_savings",
  "savings_rate",
  "net_worth_target",
  "portfolio_value",
  "monthly_return",
  "monthly_income",
] as const;

/** Decreasing goals move `current_amount` down toward the target (a debt toward 0). */
export const DECREASING_GOAL_TYPES = ["debt", "debt_payoff", "debt_free", "expense_reduction"] as const;

export type GoalType = (typeof INCREASING_GOAL_TYPES)[number] | (typeof DECREASING_GOAL_TYPES)[number];

export type ParameterType = "currency" | "percent" | "number";

export interface TemplateParameter {
  name: string;
  label: string;
  type: ParameterType;
  default?: Amount | null;
}

/** `GET /goals/templates`. */
export interface GoalTemplate {
  id: string;
  name: string;
  goal_type: GoalType;
  description: string;
  parameters: TemplateParameter[];
  suggested_timeline_months?: number | null;
  tips: string[];
  /** The budget figures the target is computed from (`monthly_expenses`, `total_income`, `debts`). */
  budget_inputs?: string[];
}

export interface DebtIn {
  id: string;
  name?: string;
  balance: number;
}

export interface BudgetIn {
  total_income?: number;
  monthly_expenses?: number;
  debts?: DebtIn[];
}

/** The body of `POST /goals`. */
export interface GoalCreateBody {
  name: string;
  type: GoalType;
  target_amount: number;
  current_amount?: number;
  start_amount?: number;
  deadline?: string;
  description?: string;
  reminder_day?: number;
}

/** The body of `POST /goals/from-template`. */
export interface FromTemplateBody {
  template_id: string;
  parameters?: Record<string, number>;
  budget?: BudgetIn;
  target_date?: string;
  name?: string;
}

/** The goal as the API answers it (the fields the wizard shows). */
export interface CreatedGoal {
  id: string;
  name: string;
  type: GoalType;
  description: string | null;
  target_amount: Amount;
  current_amount: Amount;
  start_amount: Amount;
  deadline: string | null;
  reminder_day?: number;
  template_id: string | null;
}

/** `POST /goals/preview`: what would be created and its plan, storing nothing. */
export interface GoalPreview {
  goal: Omit<CreatedGoal, "id">;
  required_monthly_contribution: Amount;
  months: Amount | null;
  suggested_target_date: string | null;
  explanation: string;
}

/** `GET /alerts/preferences` (the part the wizard changes). */
export interface AlertPreferences {
  enabled_alerts: string[];
}
