interface ConfirmInlineProps {
  /** The question, also the group's name ("Delete this milestone?"). */
  question: string;
  confirmText: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Asks in place before a removal: the action and a way to keep things as they are. */
export function ConfirmInline({ question, confirmText, busy, onConfirm, onCancel }: ConfirmInlineProps) {
  return (
    <div className="milestone-actions" role="group" aria-label={question}>
      <span>{question}</span>
      <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
        {confirmText}
      </button>
      <button type="button" onClick={onCancel}>
        Keep it
      </button>
    </div>
  );
}
