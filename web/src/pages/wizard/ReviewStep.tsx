// Step 5: everything chosen, each part with a way back to change it, and the plan the create will make.

import type { ParameterType } from "../../api/types/wizard";
import { formatCalendarDate, formatMoney } from "../../format";
import { GOAL_ALERT_TYPES, chosenGoalAlerts } from "./body";
import { chosenTemplate, type WizardDraft } from "./draft";
import { BUDGET_INPUT_LABELS, goalTypeLabel } from "./labels";
import { PlanPreview } from "./PlanPreview";
import { parseDecimal } from "./amounts";
import type { PreviewState } from "./usePreview";

interface ReviewStepProps {
  draft: WizardDraft;
  preview: PreviewState;
  waiting: string;
  savedAlerts: readonly string[] | undefined;
  onEdit: (step: number) => void;
}

export function ReviewStep({ draft, preview, waiting, savedAlerts, onEdit }: ReviewStepProps) {
  const template = chosenTemplate(draft);
  const alerts = savedAlerts === undefined ? null : chosenGoalAlerts(draft, savedAlerts);
  const typed = (text: string) => {
    const value = parseDecimal(text);
    return value === null ? "—" : formatMoney(value);
  };
  const rows: { label: string; value: string; step: number }[] = [
    { label: "Starting from", value: template ? `Template: ${template.name}` : "Custom goal", step: 0 },
    { label: "Name", value: draft.name.trim(), step: 1 },
    { label: "Type", value: draft.type === "" ? "—" : goalTypeLabel(draft.type), step: 1 },
  ];
  if (!template) {
    if (draft.description.trim() !== "") rows.push({ label: "Description", value: draft.description.trim(), step: 1 });
    rows.push({ label: "Target amount", value: typed(draft.targetAmount), step: 2 });
    rows.push({
      label: "Current amount",
      value: draft.currentAmount === "" ? formatMoney(0) : typed(draft.currentAmount),
      step: 2,
    });
  } else {
    for (const parameter of template.parameters) {
      const text = draft.parameters[parameter.name] ?? "";
      rows.push({ label: parameter.label.replace(/\s*%$/, ""), value: parameterText(parameter.type, text, typed), step: 2 });
    }
    for (const input of template.budget_inputs ?? []) {
      const text = draft.budget[input as keyof WizardDraft["budget"]];
      rows.push({
        label: BUDGET_INPUT_LABELS[input]?.label ?? input,
        value: text === "" ? "From your latest budget" : typed(text),
        step: 2,
      });
    }
  }
  rows.push({ label: template ? "Target date" : "Deadline", value: draft.deadline === "" ? "None" : formatCalendarDate(draft.deadline), step: 2 });
  rows.push({ label: "Reminder day", value: `Day ${draft.reminderDay} of each month`, step: 3 });
  if (alerts !== null) {
    const labels = GOAL_ALERT_TYPES.filter(({ type }) => alerts.includes(type)).map(({ label }) => label);
    rows.push({ label: "Alerts", value: labels.length === 0 ? "None" : labels.join("; "), step: 3 });
  }

  return (
    <>
      <dl className="wizard-review">
        {rows.map((row) => (
          <div key={row.label}>
            <dt>{row.label}</dt>
            <dd>
              <span>{row.value}</span>
              <button type="button" className="link-button" onClick={() => onEdit(row.step)}>
                Change <span className="wizard-visually-hidden">{row.label.toLowerCase()}</span>
              </button>
            </dd>
          </div>
        ))}
      </dl>
      <PlanPreview state={preview} waitingFor={waiting} />
    </>
  );
}

function parameterText(type: ParameterType, text: string, money: (text: string) => string): string {
  if (type === "currency") return money(text);
  if (text.trim() === "") return "—";
  return type === "percent" ? `${text.trim()}%` : text.trim();
}
