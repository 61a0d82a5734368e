// The plan POST /goals/preview works out for what is typed, in the API's own words, announced politely.

import { formatCalendarDate, formatMoney } from "../../format";
import type { PreviewState } from "./usePreview";

export function PlanPreview({ state, waitingFor }: { state: PreviewState; waitingFor: string }) {
  const shown = state.status === "ready" ? state.preview : state.status === "loading" ? state.last : null;
  return (
    <section className="wizard-plan" aria-labelledby="wizard-plan-heading">
      <h3 id="wizard-plan-heading">Your plan</h3>
      <div aria-live="polite" aria-busy={state.status === "loading"} data-testid="plan">
        {state.status === "idle" && <p className="form-hint">{waitingFor}</p>}
        {state.status === "error" && (
          <p className="field-error" id="wizard-plan-error">
            {state.message}
          </p>
        )}
        {state.status === "loading" && shown === null && <p className="form-hint">Working out your plan…</p>}
        {shown !== null && state.status !== "error" && (
          <>
            <p className="wizard-plan-explanation">{shown.explanation}</p>
            <dl className="wizard-summary">
              <div>
                <dt>Target</dt>
                <dd>{formatMoney(shown.goal.target_amount)}</dd>
              </div>
              <div>
                <dt>Each month</dt>
                <dd>{formatMoney(shown.required_monthly_contribution)}</dd>
              </div>
              {shown.goal.deadline && (
                <div>
                  <dt>Target date</dt>
                  <dd>{formatCalendarDate(shown.goal.deadline)}</dd>
                </div>
              )}
              {!shown.goal.deadline && shown.suggested_target_date && (
                <div>
                  <dt>Suggested target date</dt>
                  <dd>{formatCalendarDate(shown.suggested_target_date)}</dd>
                </div>
              )}
            </dl>
          </>
        )}
      </div>
    </section>
  );
}
