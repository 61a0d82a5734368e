// Labelled form controls for the settings forms: a visible <label> for every input, hints tied to it.

import { useId, type InputHTMLAttributes, type ReactNode } from "react";

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
}

export function TextField({ label, value, onChange, hint, ...input }: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="settings-field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={hintId} className="settings-hint">
          {hint}
        </p>
      )}
      <input
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={hint ? hintId : undefined}
        {...input}
      />
    </div>
  );
}

interface CheckFieldProps {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
}

export function CheckField({ label, checked, onChange }: CheckFieldProps) {
  return (
    <label className="settings-check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} /> {label}
    </label>
  );
}

interface SubmitRowProps {
  busy: boolean;
  text: string;
  /** Said on the button while the request is in flight (it cannot be sent twice). */
  busyText: string;
  /** What the last submit did, announced politely. */
  notice: string | null;
}

export function SubmitRow({ busy, text, busyText, notice }: SubmitRowProps) {
  return (
    <div className="settings-actions">
      <button type="submit" className="primary" disabled={busy}>
        {busy ? busyText : text}
      </button>
      <p role="status" className="settings-notice">
        {notice}
      </p>
    </div>
  );
}
