// Step 2: the goal's name, and for a custom goal its type and description.

import { DECREASING_GOAL_TYPES, INCREASING_GOAL_TYPES, type GoalType } from "../../api/types/wizard";
import { Field, TextField, fieldId } from "./Field";
import { chosenTemplate } from "./draft";
import { goalTypeLabel } from "./labels";
import type { StepProps } from "./stepProps";

type GoalTypeChoice = StepProps["draft"]["type"];

const TYPE_GROUPS: readonly [string, readonly GoalType[]][] = [
  ["Goes up", INCREASING_GOAL_TYPES],
  ["Goes down", DECREASING_GOAL_TYPES],
];

export function DetailsStep({ draft, errors, onChange }: StepProps) {
  const template = chosenTemplate(draft);
  return (
    <>
      <TextField
        id={fieldId("name")}
        label="Name"
        value={draft.name}
        onChange={(name) => onChange({ name })}
        error={errors.name}
        maxLength={200}
        autoComplete="off"
      />
      {template ? (
        <div className="wizard-template-summary">
          <p>
            Type: <strong>{goalTypeLabel(template.goal_type)}</strong> (from the template “{template.name}”)
          </p>
          <p>{template.description}</p>
          {template.tips.length > 0 && (
            <>
              <h3>Tips</h3>
              <ul>
                {template.tips.map((tip) => (
                  <li key={tip}>{tip}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      ) : (
        <>
          <GoalTypeSelect value={draft.type} error={errors.type} onChange={(type) => onChange({ type })} />
          <Field id={fieldId("description")} label="Description (optional)" error={errors.description}>
            {(control) => (
              <textarea
                {...control}
                value={draft.description}
                rows={3}
                maxLength={1000}
                onChange={(event) => onChange({ description: event.target.value })}
              />
            )}
          </Field>
        </>
      )}
    </>
  );
}

function GoalTypeSelect({
  value,
  error,
  onChange,
}: {
  value: GoalTypeChoice;
  error: string | undefined;
  onChange: (type: GoalTypeChoice) => void;
}) {
  return (
    <Field
      id={fieldId("type")}
      label="Goal type"
      hint="A goal that goes up grows toward its target; one that goes down, such as a debt, shrinks toward it."
      error={error}
    >
      {(control) => (
        <select {...control} value={value} onChange={(event) => onChange(event.target.value as GoalTypeChoice)}>
          <option value="">Choose a type</option>
          {TYPE_GROUPS.map(([group, types]) => (
            <optgroup key={group} label={group}>
              {types.map((type) => (
                <option key={type} value={type}>
                  {goalTypeLabel(type)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      )}
    </Field>
  );
}
