// The requests a draft becomes: the preview's body, the create (POST /goals for a custom goal,
// POST /goals/from-template for a template), what follows it, and the alert preferences to save.

import type { BudgetIn, FromTemplateBody, GoalCreateBody, GoalType } from "../../api/types/wizard";
import { parseDecimal } from "./amounts";
import { DEFAULT_REMINDER_DAY, chosenTemplate, type WizardDraft } from "./draft";

export type Submission =
  | { path: "/goals"; body: GoalCreateBody; reminderDay: null }
  /** A template's goal takes its reminder day in a PATCH after the create (from-template has no such field). */
  | { path: "/goals/from-template"; body: FromTemplateBody; reminderDay: number | null };

/** The create this draft makes; call only once its steps validate. */
export function buildSubmission(draft: WizardDraft): Submission {
  const template = chosenTemplate(draft);
  const reminderDay = Number(draft.reminderDay);
  if (template) {
    const keepsDefault = draft.reminderDay === DEFAULT_REMINDER_DAY;
    return { path: "/goals/from-template", body: templateBody(draft, template.id), reminderDay: keepsDefault ? null : reminderDay };
  }
  const body: GoalCreateBody = {
    name: draft.name.trim(),
    type: draft.type as GoalType,
    target_amount: parseDecimal(draft.targetAmount) ?? 0,
  };
  const current = parseDecimal(draft.currentAmount);
  if (current !== null) body.current_amount = current;
  if (draft.deadline !== "") body.deadline = draft.deadline;
  const description = draft.description.trim();
  if (description !== "") body.description = description;
  body.reminder_day = reminderDay;
  return { path: "/goals", body, reminderDay: null };
}

/**
 * The body for POST /goals/preview, or null while the target step lacks what a plan needs (a custom goal's
 * target amount): the preview takes the create's own body, so its answer is what Create will make.
 */
export function buildPreviewBody(draft: WizardDraft): GoalCreateBody | FromTemplateBody | null {
  if (draft.source === null) return null;
  if (draft.source.kind === "custom") {
    const target = parseDecimal(draft.targetAmount);
    const current = parseDecimal(draft.currentAmount);
    if (draft.type === "" || draft.name.trim() === "" || target === null || Number.isNaN(target)) return null;
    if (current !== null && Number.isNaN(current)) return null;
  }
  return buildSubmission(draft).body;
}

function templateBody(draft: WizardDraft, templateId: string): FromTemplateBody {
  const body: FromTemplateBody = { template_id: templateId, name: draft.name.trim() };
  const parameters: Record<string, number> = {};
  for (const [name, text] of Object.entries(draft.parameters)) {
    const value = parseDecimal(text);
    if (value !== null && !Number.isNaN(value)) parameters[name] = value;
  }
  if (Object.keys(parameters).length > 0) body.parameters = parameters;
  const budget = budgetBody(draft);
  if (budget !== null) body.budget = budget;
  if (draft.deadline !== "") body.target_date = draft.deadline;
  return body;
}

/** The budget figures typed in; null when none was (the API then uses the latest stored budget). */
function budgetBody(draft: WizardDraft): BudgetIn | null {
  const budget: BudgetIn = {};
  const expenses = parseDecimal(draft.budget.monthly_expenses);
  const income = parseDecimal(draft.budget.total_income);
  const debts = parseDecimal(draft.budget.debts);
  if (expenses !== null && !Number.isNaN(expenses)) budget.monthly_expenses = expenses;
  if (income !== null && !Number.isNaN(income)) budget.total_income = income;
  if (debts !== null && !Number.isNaN(debts)) budget.debts = [{ id: "all", name: "All debts", balance: debts }];
  return Object.keys(budget).length > 0 ? budget : null;
}

/** The personal-goal alert types the wizard offers, with what each one says. */
export const GOAL_ALERT_TYPES: readonly { type: string; label: string }[] = [
  { type: "update_reminder", label: "Reminder to record progress on the reminder day" },
  { type: "off_track", label: "The goal falls off track" },
  { type: "back_on_track", label: "The goal is back on track" },
  { type: "milestone_25", label: "A quarter of the way there" },
  { type: "milestone_50", label: "Halfway there" },
  { type: "milestone_75", label: "Three quarters of the way there" },
  { type: "milestone_reached", label: "A milestone is reached" },
  { type: "significant_progress", label: "A big step toward the target" },
  { type: "deadline_approaching", label: "30 days or less to the deadline" },
  { type: "deadline_imminent", label: "7 days or less to the deadline" },
  { type: "deadline_missed", label: "The deadline passed" },
  { type: "suggested_adjustment", label: "A suggested adjustment at month end" },
  { type: "goal_completed", label: "The goal is completed" },
];

/** Which of the offered goal alerts are on: the wizard's choice, else the saved preferences'. */
export function chosenGoalAlerts(draft: WizardDraft, saved: readonly string[]): string[] {
  if (draft.goalAlerts !== null) return draft.goalAlerts;
  return GOAL_ALERT_TYPES.map(({ type }) => type).filter((type) => saved.includes(type));
}

/**
 * The `enabled_alerts` to PATCH: the saved list with the goal alerts replaced by the wizard's choice (the other
 * types, such as the trading and position alerts, as they were); null when nothing changed.
 */
export function enabledAlertsToSave(draft: WizardDraft, saved: readonly string[]): string[] | null {
  if (draft.goalAlerts === null) return null;
  const offered = new Set(GOAL_ALERT_TYPES.map(({ type }) => type));
  const next = [...saved.filter((type) => !offered.has(type)), ...draft.goalAlerts.filter((type) => offered.has(type))];
  const same = next.length === saved.length && next.every((type) => saved.includes(type));
  return same ? null : next;
}
