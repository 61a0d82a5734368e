// Templates as GET /goals/templates answers them, for the wizard's tests.

import type { GoalTemplate } from "../../api/types/wizard";

export const EMERGENCY_FUND: GoalTemplate = {
  id: "emergency_fund_6_months",
  name: "6-Month Emergency Fund",
  goal_type: "emergency_fund",
  description: "Build 6 months of expenses for comprehensive security.",
  parameters: [],
  suggested_timeline_months: 24,
  tips: ["Automate a transfer on payday so saving happens before spending"],
  budget_inputs: ["monthly_expenses"],
};

export const DOWN_PAYMENT: GoalTemplate = {
  id: "house_down_payment",
  name: "House Down Payment",
  goal_type: "down_payment",
  description: "Save for a down payment on a home.",
  parameters: [
    { name: "home_price", label: "Target home price", type: "currency", default: null },
    { name: "down_payment_percent", label: "Down payment %", type: "percent", default: 20 },
  ],
  suggested_timeline_months: null,
  tips: [],
  budget_inputs: [],
};

export const RETIREMENT: GoalTemplate = {
  id: "retirement_target",
  name: "Retirement Savings Target",
  goal_type: "retirement_savings",
  description: "Reach your retirement savings goal.",
  parameters: [
    { name: "retirement_age", label: "Retirement age", type: "number", default: 65 },
    { name: "current_age", label: "Current age", type: "number", default: null },
    { name: "target_income", label: "Desired annual retirement income", type: "currency", default: null },
  ],
  suggested_timeline_months: null,
  tips: [],
  budget_inputs: [],
};
