// The new-goal wizard: five steps, Back and Next, each step checked before Next, focus on the step's heading
// when it changes, the live plan on the target and review steps, and Create.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import type { AlertPreferences, GoalTemplate } from "../../api/types/wizard";
import { useApiGet } from "../../api/useApi";
import { ErrorText } from "../../components/Async";
import { DetailsStep } from "./DetailsStep";
import { draftForCustom, draftFromTemplate, emptyDraft, localToday, type WizardDraft } from "./draft";
import { fieldId } from "./Field";
import { planRequest } from "./plan";
import { RemindersStep } from "./RemindersStep";
import { ReviewStep } from "./ReviewStep";
import { SourceStep } from "./SourceStep";
import { StepIndicator } from "./StepIndicator";
import { STEPS, firstInvalidStep, type Step, validateStep, type FieldErrors } from "./steps";
import { TargetStep } from "./TargetStep";
import { useCreateGoal } from "./useCreateGoal";
import { usePreview } from "./usePreview";
import "./wizard.css";

const LAST = STEPS.length - 1;

function stepAt(index: number): Step {
  const step = STEPS[index];
  if (step === undefined) throw new RangeError(`No step ${index}`);
  return step;
}

export function GoalWizard() {
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState<WizardDraft>(emptyDraft);
  const [stepIndex, setStepIndex] = useState(0);
  const [errors, setErrors] = useState<FieldErrors>({});
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  const preferences = useApiGet<AlertPreferences>("/alerts/preferences");
  const createGoal = useCreateGoal();
  const step = stepAt(stepIndex);
  const plan = planRequest(step.id, draft, localToday());
  const preview = usePreview(plan.body);

  useEffect(() => {
    // The page's h1 has the focus on arrival; after that each step change takes it to the step's heading.
    if (moved.current) heading.current?.focus();
    moved.current = true;
  }, [stepIndex]);

  const update = (next: WizardDraft) => {
    setDraft(next);
    // Once errors are shown, they follow the typing (and go away when fixed).
    if (Object.keys(errors).length > 0) setErrors(validateStep(step.id, next, localToday()));
  };
  const goTo = (index: number) => {
    setErrors({});
    createGoal.clearError();
    setStepIndex(index);
  };
  const showErrors = (index: number, found: FieldErrors) => {
    setErrors(found);
    if (index !== stepIndex) setStepIndex(index);
    else document.getElementById(fieldId(Object.keys(found)[0] ?? ""))?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const today = localToday();
    if (stepIndex < LAST) {
      const found = validateStep(step.id, draft, today);
      if (Object.keys(found).length > 0) showErrors(stepIndex, found);
      else goTo(stepIndex + 1);
      return;
    }
    const invalid = firstInvalidStep(draft, today);
    if (invalid !== null) {
      showErrors(invalid, validateStep(stepAt(invalid).id, draft, today));
      return;
    }
    const goal = await createGoal.run(draft, preferences.data?.enabled_alerts);
    if (goal) navigate(`/goals/${encodeURIComponent(goal.id)}`);
  };

  const stepProps = { draft, errors, onChange: (changes: Partial<WizardDraft>) => update({ ...draft, ...changes }) };
  return (
    <div className="wizard">
      <StepIndicator current={stepIndex} />
      <form onSubmit={(event) => void submit(event)} noValidate aria-labelledby="wizard-step-heading">
        <h2 id="wizard-step-heading" ref={heading} tabIndex={-1}>
          <span className="wizard-step-count">
            Step {stepIndex + 1} of {STEPS.length}:
          </span>{" "}
          {step.title}
        </h2>
        {step.id === "start" && (
          <SourceStep
            {...stepProps}
            onChooseCustom={() => update(draftForCustom(draft))}
            onChooseTemplate={(template: GoalTemplate) => {
              if (draft.source?.kind !== "template" || draft.source.template.id !== template.id) {
                update(draftFromTemplate(draft, template, localToday()));
              }
            }}
          />
        )}
        {step.id === "details" && <DetailsStep {...stepProps} />}
        {step.id === "target" && <TargetStep {...stepProps} preview={preview} waiting={plan.waiting} />}
        {step.id === "reminders" && (
          <RemindersStep {...stepProps} preferences={preferences.data} preferencesError={preferences.error} />
        )}
        {step.id === "review" && (
          <ReviewStep draft={draft} preview={preview} waiting={plan.waiting} savedAlerts={preferences.data?.enabled_alerts} onEdit={goTo} />
        )}
        <ErrorText message={createGoal.error} />
        <div className="wizard-actions">
          {stepIndex > 0 && (
            <button type="button" onClick={() => goTo(stepIndex - 1)} disabled={createGoal.busy}>
              Back
            </button>
          )}
          <button type="submit" className="primary" disabled={createGoal.busy}>
            {stepIndex < LAST ? "Next" : createGoal.busy ? "Creating…" : "Create goal"}
          </button>
          <Link href="/" className="wizard-cancel">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}
