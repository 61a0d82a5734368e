// Step 4: the day of the month the update reminder is due, and which goal alerts the person gets (their
// alert preferences, which hold for all their goals).

import type { AlertPreferences } from "../../api/types/wizard";
import { Loaded } from "../../components/Async";
import type { ApiError } from "../../api/client";
import { Field, fieldId } from "./Field";
import { GOAL_ALERT_TYPES, chosenGoalAlerts } from "./body";
import type { StepProps } from "./stepProps";

const DAYS = Array.from({ length: 28 }, (_, index) => String(index + 1));

interface RemindersStepProps extends StepProps {
  preferences: AlertPreferences | undefined;
  preferencesError: ApiError | undefined;
}

export function RemindersStep({ draft, errors, onChange, preferences, preferencesError }: RemindersStepProps) {
  return (
    <>
      <Field
        id={fieldId("reminderDay")}
        label="Reminder day of the month"
        hint="If you have not recorded progress by this day, you get a reminder to update the goal."
        error={errors.reminderDay}
      >
        {(control) => (
          <select {...control} value={draft.reminderDay} onChange={(event) => onChange({ reminderDay: event.target.value })}>
            {DAYS.map((day) => (
              <option key={day} value={day}>
                {day}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Loaded data={preferences} error={preferencesError} loading="Loading your alert settings…">
        {(saved) => {
          const chosen = chosenGoalAlerts(draft, saved.enabled_alerts);
          const toggle = (type: string, on: boolean) =>
            onChange({ goalAlerts: on ? [...chosen, type] : chosen.filter((one) => one !== type) });
          return (
            <fieldset className="wizard-checkboxes">
              <legend>Alert me when</legend>
              <p className="form-hint">These alert settings apply to all your goals; change them later in Settings.</p>
              {GOAL_ALERT_TYPES.map(({ type, label }) => (
                <label key={type} className="wizard-checkbox">
                  <input
                    type="checkbox"
                    checked={chosen.includes(type)}
                    onChange={(event) => toggle(type, event.target.checked)}
                  />
                  {label}
                </label>
              ))}
            </fieldset>
          );
        }}
      </Loaded>
    </>
  );
}
