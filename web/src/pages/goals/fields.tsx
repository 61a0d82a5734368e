// The goal page's form controls: a visible label for each, and its hint and error read with it.

import { useId, type InputHTMLAttributes, type ReactNode } from "react";
import { ErrorText } from "../../components/Async";

interface InputFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value" | "id"> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  /** Shown under the control and tied to it; marks the control invalid. */
  error?: string | undefined;
}

export function InputField({ label, value, onChange, hint, error, ...input }: InputFieldProps) {
  const id = useId();
  const notes = [hint === undefined ? null : `${id}-hint`, error ? `${id}-error` : null].filter(
    (note) => note !== null,
  );
  return (
    <div className="goal-field">
      <label htmlFor={id}>{label}</label>
      {hint !== undefined && (
        <span id={`${id}-hint`} className="goal-field-hint">
          {hint}
        </span>
      )}
      <input
        id={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={notes.length > 0 ? notes.join(" ") : undefined}
        onChange={(event) => onChange(event.target.value)}
        {...input}
      />
      {error && (
        <span id={`${id}-error`} className="goal-field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** Today's date in the user's zone as `YYYY-MM-DD`, the latest day a date input may take. */
export function localToday(now = new Date()): string {
  const month = String(now.getMonth() + 1).padStart(2, "0");
  const day = String(now.getDate()).padStart(2, "0");
  return `${now.getFullYear()}-${month}-${day}`;
}

/** A typed amount as a number, or null when it is not one ("", "abc", "1e400"). */
export function parseAmount(text: string): number | null {
  const trimmed = text.trim().replaceAll(",", "");
  if (!/^-?\d*\.?\d+$|^-?\d+\.$/.test(trimmed)) return null;
  const amount = Number(trimmed);
  return Number.isFinite(amount) ? amount : null;
}

interface FormFooterProps {
  /** The API's detail of the last failed submit. */
  error: string | null;
  busy: boolean;
  text: string;
  /** On the button while the request is in flight (it cannot be sent twice). */
  busyText: string;
  /** What the last submit did, announced politely; leave out for a form that says nothing. */
  notice?: string | null;
  /** More buttons, such as Cancel. */
  children?: ReactNode;
}

/** The end of a goal-page form: the API's refusal, the submit button and what the submit did. */
export function FormFooter({ error, busy, text, busyText, notice, children }: FormFooterProps) {
  return (
    <>
      <ErrorText message={error} />
      <div className="goal-form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? busyText : text}
        </button>
        {children}
        {notice !== undefined && (
          <p role="status" className="goal-notice">
            {notice}
          </p>
        )}
      </div>
    </>
  );
}
