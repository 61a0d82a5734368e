import type { ReactNode, Ref } from "react";
import { ErrorText } from "../../components/Async";

interface SaveButtonsProps {
  busy: boolean;
  text: string;
  busyText: string;
  onCancel: () => void;
  error: string | null;
}

/** A form's submit and cancel buttons, and the API's detail when the save failed. */
export function SaveButtons({ busy, text, busyText, onCancel, error }: SaveButtonsProps) {
  return (
    <>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? busyText : text}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      <ErrorText message={error} />
    </>
  );
}

interface ConfirmProps {
  ref?: Ref<HTMLDivElement>;
  /** The group's accessible name ("Confirm closing"). */
  label: string;
  question: ReactNode;
  yes: string;
  busyText: string;
  no: string;
  busy: boolean;
  onYes: () => void;
  onNo: () => void;
  error?: string | null;
}

/** Asks before a write that cannot be undone: in the page, so it works with the keyboard and in any browser. */
export function Confirm({ ref, label, question, yes, busyText, no, busy, onYes, onNo, error = null }: ConfirmProps) {
  return (
    <div ref={ref} className="confirm" role="group" aria-label={label}>
      <p>{question}</p>
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={onYes}>
          {busy ? busyText : yes}
        </button>
        <button type="button" onClick={onNo} disabled={busy}>
          {no}
        </button>
      </div>
      <ErrorText message={error} />
    </div>
  );
}
