import { useRef, useState, type FormEvent } from "react";
import { newIdempotencyKey } from "../../api/useAction";

/**
 * A form's submit: field errors are shown (and nothing sent) while the draft has any; otherwise `send` gets an
 * idempotency key, the same one for every retry of the same draft until it succeeds. Call `edited` on every
 * change of the draft, which makes the next submit a new request with a new key.
 */
export function useCheckedSubmit(hasErrors: boolean, send: (idempotencyKey: string) => Promise<boolean>) {
  const [showErrors, setShowErrors] = useState(false);
  const key = useRef<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (hasErrors) {
      setShowErrors(true);
      return;
    }
    key.current ??= newIdempotencyKey();
    if (await send(key.current)) {
      key.current = null;
      setShowErrors(false);
    }
  };
  const edited = () => {
    key.current = null;
  };
  return { showErrors, submit: (event: FormEvent) => void submit(event), edited };
}
