import { useEffect, useRef } from "react";

interface ConfirmInlineProps {
  /** The question, also the group's name ("Delete this milestone?"). */
  question: string;
  confirmText: string;
  cancelText?: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * Asks in place before a removal or a final change: the action and a way to keep things as they are. The
 * button that asked is gone, so focus moves to the safe choice rather than being lost to the page.
 */
export function ConfirmInline(props: ConfirmInlineProps) {
  const { question, confirmText, cancelText = "Keep it", busy, onConfirm, onCancel } = props;
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  return (
    <div className="goal-confirm" role="group" aria-label={question}>
      <p>{question}</p>
      <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
        {confirmText}
      </button>
      <button type="button" ref={keep} onClick={onCancel}>
        {cancelText}
      </button>
    </div>
  );
}
