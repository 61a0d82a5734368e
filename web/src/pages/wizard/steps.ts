// The wizard's five steps, which fields each one asks for, and the checks before Next. Pure functions:
// the page only renders what these decide.

import type { ParameterType } from "../../api/types/wizard";
import { MAX_AMOUNT, hasCents, parseDecimal } from "./amounts";
import { chosenTemplate, isDecreasing, type WizardDraft } from "./draft";

export type StepId = "start" | "details" | "target" | "reminders" | "review";

export interface Step {
  id: StepId;
  title: string;
}

/** In the order of the contract's "Web app" section. */
export const STEPS: readonly Step[] = [
  { id: "start", title: "Template or custom" },
  { id: "details", title: "Details" },
  { id: "target", title: "Target and date" },
  { id: "reminders", title: "Reminders and alerts" },
  { id: "review", title: "Review" },
];

/** A field of the draft; a template's parameters and budget figures are `parameter:<name>`, `budget:<name>`. */
export type FieldName = string;

/** A message per field that needs fixing; empty when the step may be left. */
export type FieldErrors = Record<FieldName, string>;

/** The fields a step asks for, in the order they appear (the first with an error gets the focus). */
export function stepFields(step: StepId, draft: WizardDraft): FieldName[] {
  const template = chosenTemplate(draft);
  switch (step) {
    case "start":
      return ["source"];
    case "details":
      return template ? ["name"] : ["name", "type", "description"];
    case "target":
      if (template) {
        return [
          ...template.parameters.map((parameter) => `parameter:${parameter.name}`),
          ...(template.budget_inputs ?? []).map((input) => `budget:${input}`),
          "deadline",
        ];
      }
      return ["targetAmount", "currentAmount", "deadline"];
    case "reminders":
      return ["reminderDay"];
    case "review":
      return [];
  }
}

/** What must be fixed before leaving `step`; `today` is `YYYY-MM-DD` in the person's zone. */
export function validateStep(step: StepId, draft: WizardDraft, today: string): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of stepFields(step, draft)) {
    const message = checkField(field, draft, today);
    if (message !== null) errors[field] = message;
  }
  return errors;
}

/** The first step (by index) with something to fix, so that Create never sends a draft known to be wrong. */
export function firstInvalidStep(draft: WizardDraft, today: string): number | null {
  const index = STEPS.findIndex((step) => Object.keys(validateStep(step.id, draft, today)).length > 0);
  return index === -1 ? null : index;
}

function checkField(field: FieldName, draft: WizardDraft, today: string): string | null {
  if (field.startsWith("parameter:")) return checkParameter(field.slice("parameter:".length), draft);
  if (field.startsWith("budget:")) {
    const value = draft.budget[field.slice("budget:".length) as keyof WizardDraft["budget"]];
    return checkMoney(value ?? "", { required: false, positive: false });
  }
  switch (field) {
    case "source":
      return draft.source === null ? "Choose a template or a custom goal" : null;
    case "name": {
      const name = draft.name.trim();
      if (name === "") return "Enter a name for the goal";
      return name.length > 200 ? "Use at most 200 characters" : null;
    }
    case "type":
      return draft.type === "" ? "Choose a goal type" : null;
    case "description":
      return draft.description.trim().length > 1000 ? "Use at most 1000 characters" : null;
    case "targetAmount":
      return checkTarget(draft);
    case "currentAmount":
      return checkCurrent(draft);
    case "deadline":
      return checkDeadline(draft.deadline, today);
    case "reminderDay": {
      const day = Number(draft.reminderDay);
      return Number.isInteger(day) && day >= 1 && day <= 28 ? null : "Choose a day from 1 to 28";
    }
    default:
      return null;
  }
}

function checkMoney(text: string, { required, positive }: { required: boolean; positive: boolean }): string | null {
  const value = parseDecimal(text);
  if (value === null) return required ? "Enter an amount" : null;
  if (Number.isNaN(value)) return "Enter an amount in dollars, such as 27000 or 27000.50";
  if (!hasCents(text)) return "Use at most two decimals (cents)";
  if (positive && value <= 0) return "Enter an amount above 0";
  return value > MAX_AMOUNT ? "Enter at most 1,000,000,000,000" : null;
}

function checkTarget(draft: WizardDraft): string | null {
  const decreasing = isDecreasing(draft.type);
  // Decreasing goals (a debt heading for 0) may aim at 0; increasing ones need something to reach.
  return checkMoney(draft.targetAmount, { required: true, positive: !decreasing });
}

function checkCurrent(draft: WizardDraft): string | null {
  const problem = checkMoney(draft.currentAmount, { required: false, positive: false });
  if (problem !== null || !isDecreasing(draft.type)) return problem;
  // A decreasing goal starts where it is now and heads down: the target must lie below it.
  const current = parseDecimal(draft.currentAmount) ?? 0;
  const target = parseDecimal(draft.targetAmount);
  if (target !== null && !Number.isNaN(target) && current <= target) {
    return "For a goal that goes down, enter where it stands now, above the target";
  }
  return null;
}

function checkDeadline(deadline: string, today: string): string | null {
  if (deadline === "") return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(deadline)) return "Enter a date";
  return deadline < today ? "Choose today or a later date" : null;
}

const PARAMETER_LIMITS: Record<ParameterType, { max: number; message: string }> = {
  currency: { max: MAX_AMOUNT, message: "Enter an amount above 0" },
  percent: { max: 100, message: "Enter a percentage above 0 and at most 100" },
  number: { max: 120, message: "Enter a number above 0 and at most 120" },
};

function checkParameter(name: string, draft: WizardDraft): string | null {
  const parameter = chosenTemplate(draft)?.parameters.find((candidate) => candidate.name === name);
  if (!parameter) return null;
  const value = parseDecimal(draft.parameters[name] ?? "");
  const limits = PARAMETER_LIMITS[parameter.type];
  if (value === null) return `Enter ${parameter.label.toLowerCase()}`;
  if (Number.isNaN(value) || value <= 0 || value > limits.max) return limits.message;
  if (name === "retirement_age") {
    const current = parseDecimal(draft.parameters.current_age ?? "");
    if (current !== null && value <= current) return "Enter an age above your current age";
  }
  return null;
}
