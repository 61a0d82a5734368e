// When the wizard asks POST /goals/preview for a plan, and what it says meanwhile. On the target step a plan is
// asked only for figures that pass the step's own checks (so typing never sends what is known to be refused);
// the review always asks, so that the API's word on the whole draft is seen before Create.

import type { FromTemplateBody, GoalCreateBody } from "../../api/types/wizard";
import { buildPreviewBody } from "./body";
import { chosenTemplate, type WizardDraft } from "./draft";
import { BUDGET_INPUT_LABELS } from "./labels";
import { validateStep, type StepId } from "./steps";

export interface PlanRequest {
  /** The preview's body, or null when no plan is asked for now. */
  body: GoalCreateBody | FromTemplateBody | null;
  /** Said in the plan's place until a plan arrives. */
  waiting: string;
}

export function planRequest(step: StepId, draft: WizardDraft, today: string): PlanRequest {
  if (step === "review") return { body: buildPreviewBody(draft), waiting: "Your plan appears here." };
  if (step !== "target") return { body: null, waiting: "" };
  const template = chosenTemplate(draft);
  const errors = validateStep("target", draft, today);
  const typedError = Object.entries(errors).find(([field]) => typedValue(field, draft) !== "");
  if (typedError) return { body: null, waiting: typedError[1] };
  if (Object.keys(errors).length > 0) {
    return { body: null, waiting: template ? "Fill in the figures to see your plan." : "Enter a target amount to see your plan." };
  }
  const missing = (template?.budget_inputs ?? []).find((input) => typedValue(`budget:${input}`, draft) === "");
  if (missing !== undefined) {
    const label = (BUDGET_INPUT_LABELS[missing]?.label ?? missing).toLowerCase();
    return {
      body: null,
      waiting: `Enter your ${label} to see your plan here. Left empty, your latest budget snapshot is used.`,
    };
  }
  return { body: buildPreviewBody(draft), waiting: "" };
}

function typedValue(field: string, draft: WizardDraft): string {
  if (field.startsWith("parameter:")) return (draft.parameters[field.slice("parameter:".length)] ?? "").trim();
  if (field.startsWith("budget:")) return (draft.budget[field.slice("budget:".length) as keyof WizardDraft["budget"]] ?? "").trim();
  const value: unknown = draft[field as keyof WizardDraft];
  return typeof value === "string" ? value.trim() : "";
}
