import { useId } from "react";

export interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** A number typed as text (decimal keypad on phones, no browser rounding). */
  numeric?: boolean;
  required?: boolean;
  hint?: string;
  error?: string | undefined;
  /** Lets a form tell which field to focus after a failed check. */
  name?: string;
}

/** A labelled input with its hint and its error tied to it for screen readers. */
export function TextField({ label, value, onChange, numeric, required, hint, error, name }: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <input
        id={id}
        name={name}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        inputMode={numeric ? "decimal" : undefined}
        autoComplete="off"
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      />
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}
