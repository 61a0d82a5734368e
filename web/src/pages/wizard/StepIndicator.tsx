// Where the person is among the five steps: the current one marked for screen readers too, done ones said in words.

import { STEPS } from "./steps";

export function StepIndicator({ current }: { current: number }) {
  return (
    <div className="wizard-steps">
      <ol aria-label="Steps">
        {STEPS.map((step, index) => {
          const state = index < current ? "done" : index === current ? "current" : "todo";
          return (
            <li key={step.id} aria-current={state === "current" ? "step" : undefined} data-state={state}>
              <span className="wizard-step-number" aria-hidden="true">
                {state === "done" ? "✓" : index + 1}
              </span>
              <span>
                {step.title}
                {state === "done" && <span className="wizard-visually-hidden"> (done)</span>}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
