// Step 1: start from a template of GET /goals/templates, or from a blank custom goal.

import type { GoalTemplate } from "../../api/types/wizard";
import { ErrorText } from "../../components/Async";
import { useApiGet } from "../../api/useApi";
import { FieldError, fieldId } from "./Field";
import type { StepProps } from "./stepProps";

interface SourceStepProps extends StepProps {
  onChooseCustom: () => void;
  onChooseTemplate: (template: GoalTemplate) => void;
}

export function SourceStep({ draft, errors, onChooseCustom, onChooseTemplate }: SourceStepProps) {
  const { data: templates, error } = useApiGet<GoalTemplate[]>("/goals/templates");
  const chosen = draft.source?.kind === "template" ? draft.source.template.id : draft.source?.kind;
  const errorId = fieldId("source");
  return (
    <fieldset className="wizard-choices" aria-describedby={errors.source ? `${errorId}-error` : undefined}>
      <legend>Start from a template, or set up your own goal</legend>
      <FieldError id={errorId} error={errors.source} />
      <Choice
        id={errorId}
        title="Custom goal"
        description="Choose the type, target and date yourself."
        checked={chosen === "custom"}
        onChoose={onChooseCustom}
      />
      {templates?.map((template) => (
        <Choice
          key={template.id}
          id={`goal-template-${template.id}`}
          title={template.name}
          description={template.description}
          checked={chosen === template.id}
          onChoose={() => onChooseTemplate(template)}
        />
      ))}
      {templates === undefined && !error && <p role="status">Loading the templates…</p>}
      {error && <ErrorText message={`The templates could not be loaded: ${error.message}`} />}
    </fieldset>
  );
}

interface ChoiceProps {
  id: string;
  title: string;
  description: string;
  checked: boolean;
  onChoose: () => void;
}

function Choice({ id, title, description, checked, onChoose }: ChoiceProps) {
  return (
    <div className="wizard-choice">
      <input type="radio" name="goal-source" id={id} checked={checked} onChange={onChoose} aria-describedby={`${id}-about`} />
      <label htmlFor={id}>
        {title}
        <span id={`${id}-about`} className="form-hint">
          {description}
        </span>
      </label>
    </div>
  );
}
