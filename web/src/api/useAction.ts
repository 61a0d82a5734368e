// A write from a form or a button: busy while in flight (so it cannot be sent twice), the API's `detail`
// on failure, and the result on success.

import { useCallback, useState } from "react";
import { ApiError } from "./client";

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  /** The API's detail of the last failure; cleared when the action runs again. */
  error: string | null;
  clearError: () => void;
}

export function useAction<A extends unknown[], R>(perform: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        return await perform(...args);
      } catch (failure) {
        setError(failure instanceof ApiError ? failure.message : String(failure));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [perform],
  );
  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}

/** A fresh key for one create: a retry of the same submit reuses it, a new submit gets a new one. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
