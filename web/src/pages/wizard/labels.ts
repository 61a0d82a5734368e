// How the wizard names the contract's enum values to a person.

import type { GoalType } from "../../api/types/wizard";

const SPECIAL: Partial<Record<GoalType, string>> = {
  net_worth: "Net worth",
  debt_free: "Debt-free",
  savings_rate: "Savings rate (%)",
  monthly_return: "Monthly return (%)",
};

/** `emergency_fund` → "Emergency fund". */
export function goalTypeLabel(type: GoalType): string {
  const label = SPECIAL[type] ?? type.replaceAll("_", " ");
  return label.charAt(0).toUpperCase() + label.slice(1);
}

export const BUDGET_INPUT_LABELS: Record<string, { label: string; hint: string }> = {
  monthly_expenses: { label: "Monthly expenses", hint: "What you spend in a month." },
  total_income: { label: "Monthly income", hint: "Your total income in a month." },
  debts: { label: "Total of your debts", hint: "What you owe now, all debts together." },
};

export const BUDGET_FALLBACK_HINT = "Leave it empty to use your latest budget snapshot.";
