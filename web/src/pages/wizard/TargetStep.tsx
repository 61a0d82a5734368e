// Step 3: the target and the date (for a template: the figures its target is computed from), with the plan
// worked out live as the person types.

import type { GoalTemplate } from "../../api/types/wizard";
import { MONEY_INPUT, TextField, fieldId } from "./Field";
import { PlanPreview } from "./PlanPreview";
import { chosenTemplate, isDecreasing, localToday, type BudgetDraft } from "./draft";
import { BUDGET_FALLBACK_HINT, BUDGET_INPUT_LABELS } from "./labels";
import type { StepProps } from "./stepProps";
import type { PreviewState } from "./usePreview";

export function TargetStep({ draft, errors, onChange, preview, waiting }: StepProps & { preview: PreviewState; waiting: string }) {
  const template = chosenTemplate(draft);
  return (
    <>
      {template ? (
        <TemplateInputs template={template} draft={draft} errors={errors} onChange={onChange} />
      ) : (
        <>
          <TextField
            id={fieldId("targetAmount")}
            label="Target amount"
            hint={isDecreasing(draft.type) ? "Where the goal should get down to, such as 0 for a paid-off debt." : undefined}
            value={draft.targetAmount}
            onChange={(targetAmount) => onChange({ targetAmount })}
            error={errors.targetAmount}
            {...MONEY_INPUT}
          />
          <TextField
            id={fieldId("currentAmount")}
            label={isDecreasing(draft.type) ? "Current amount (what you owe or spend now)" : "Current amount (optional)"}
            hint={isDecreasing(draft.type) ? undefined : "What you have toward it already; 0 when left empty."}
            value={draft.currentAmount}
            onChange={(currentAmount) => onChange({ currentAmount })}
            error={errors.currentAmount}
            {...MONEY_INPUT}
          />
        </>
      )}
      <TextField
        id={fieldId("deadline")}
        label={template ? "Target date" : "Deadline (optional)"}
        hint={template?.suggested_timeline_months ? `Suggested: ${template.suggested_timeline_months} months from today.` : undefined}
        type="date"
        min={localToday()}
        value={draft.deadline}
        onChange={(deadline) => onChange({ deadline })}
        error={errors.deadline}
      />
      <PlanPreview state={preview} waitingFor={waiting} />
    </>
  );
}

function TemplateInputs({ template, draft, errors, onChange }: StepProps & { template: GoalTemplate }) {
  return (
    <>
      {template.parameters.map((parameter) => {
        const field = `parameter:${parameter.name}`;
        const unit = parameter.type === "percent" ? " (%)" : "";
        return (
          <TextField
            key={parameter.name}
            id={fieldId(field)}
            label={`${parameter.label.replace(/\s*%$/, "")}${unit}`}
            value={draft.parameters[parameter.name] ?? ""}
            onChange={(value) => onChange({ parameters: { ...draft.parameters, [parameter.name]: value } })}
            error={errors[field]}
            {...MONEY_INPUT}
          />
        );
      })}
      {(template.budget_inputs ?? []).map((input) => {
        const field = `budget:${input}`;
        const words = BUDGET_INPUT_LABELS[input] ?? { label: input, hint: "" };
        return (
          <TextField
            key={input}
            id={fieldId(field)}
            label={`${words.label} (optional)`}
            hint={`${words.hint} ${BUDGET_FALLBACK_HINT}`}
            value={draft.budget[input as keyof BudgetDraft]}
            onChange={(value) => onChange({ budget: { ...draft.budget, [input]: value } })}
            error={errors[field]}
            {...MONEY_INPUT}
          />
        );
      })}
    </>
  );
}
