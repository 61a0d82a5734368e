import type { WizardDraft } from "./draft";
import type { FieldErrors } from "./steps";

/** What every step's form gets: the draft, what to fix, and how to change it. */
export interface StepProps {
  draft: WizardDraft;
  errors: FieldErrors;
  onChange: (changes: Partial<WizardDraft>) => void;
}
