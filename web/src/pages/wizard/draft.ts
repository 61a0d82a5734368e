// What the person has entered so far, as typed (strings), and what a chosen template fills in for them.

import { DECREASING_GOAL_TYPES, type GoalTemplate, type GoalType } from "../../api/types/wizard";

/** Where the goal comes from: a blank form, or a template that fills in the later steps. */
export type GoalSource = { kind: "custom" } | { kind: "template"; template: GoalTemplate };

/** The budget figures a template may compute its target from, as typed. */
export interface BudgetDraft {
  monthly_expenses: string;
  total_income: string;
  /** The sum of the person's debts (sent as one debt). */
  debts: string;
}

export interface WizardDraft {
  source: GoalSource | null;
  name: string;
  type: GoalType | "";
  description: string;
  targetAmount: string;
  currentAmount: string;
  /** `YYYY-MM-DD`, or empty for no deadline. */
  deadline: string;
  /** A template's parameters by name, as typed. */
  parameters: Record<string, string>;
  budget: BudgetDraft;
  /** Day of the month (1..28) an update reminder is due when the goal has no entry that month. */
  reminderDay: string;
  /** The goal alert types chosen in the wizard; null while the person has not changed them. */
  goalAlerts: string[] | null;
}

export const DEFAULT_REMINDER_DAY = "1";

export function emptyDraft(): WizardDraft {
  return {
    source: null,
    name: "",
    type: "",
    description: "",
    targetAmount: "",
    currentAmount: "",
    deadline: "",
    parameters: {},
    budget: { monthly_expenses: "", total_income: "", debts: "" },
    reminderDay: DEFAULT_REMINDER_DAY,
    goalAlerts: null,
  };
}

export function isDecreasing(type: GoalType | ""): boolean {
  return (DECREASING_GOAL_TYPES as readonly string[]).includes(type);
}

/** The template, when the goal comes from one. */
export function chosenTemplate(draft: WizardDraft): GoalTemplate | null {
  return draft.source?.kind === "template" ? draft.source.template : null;
}

/**
 * The draft a template starts: its name, type and description, its parameters' defaults, and a target date
 * its suggested timeline away (calendar months, as the API counts them). What the person typed in the
 * reminders step is kept.
 */
export function draftFromTemplate(previous: WizardDraft, template: GoalTemplate, today: string): WizardDraft {
  const parameters: Record<string, string> = {};
  for (const parameter of template.parameters) {
    parameters[parameter.name] = parameter.default === undefined || parameter.default === null ? "" : String(parameter.default);
  }
  const months = template.suggested_timeline_months;
  return {
    ...emptyDraft(),
    source: { kind: "template", template },
    name: template.name,
    type: template.goal_type,
    description: template.description,
    deadline: months ? addCalendarMonths(today, months) : "",
    parameters,
    reminderDay: previous.reminderDay,
    goalAlerts: previous.goalAlerts,
  };
}

/** A custom goal keeps what was typed, except what only a template set. */
export function draftForCustom(previous: WizardDraft): WizardDraft {
  if (previous.source?.kind === "template") {
    return { ...emptyDraft(), source: { kind: "custom" }, reminderDay: previous.reminderDay, goalAlerts: previous.goalAlerts };
  }
  return { ...previous, source: { kind: "custom" } };
}

/** `YYYY-MM-DD` + `months` calendar months, on the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb). */
export function addCalendarMonths(isoDate: string, months: number): string {
  const [year = 0, month = 1, day = 1] = isoDate.split("-").map(Number);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return isoDay(new Date(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay))));
}

/** Today in the person's own zone, as `YYYY-MM-DD`. */
export function localToday(now: Date = new Date()): string {
  return isoDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

function isoDay(utcDate: Date): string {
  return utcDate.toISOString().slice(0, 10);
}
