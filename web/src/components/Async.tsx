// How every page shows a read in flight, a failed one (the API's `detail`), and nothing yet to show.

import type { ReactNode } from "react";
import type { ApiError } from "../api/client";

interface LoadedProps<T> {
  /** SWR's result: data undefined while loading. */
  data: T | undefined;
  error: ApiError | undefined;
  /** Said while loading ("Loading your goals…"). */
  loading: string;
  /** Whether what arrived counts as empty (an empty list by default). */
  isEmpty?: (data: T) => boolean;
  /** Shown instead of the content when empty: what to do next, not just "nothing here". */
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

export function Loaded<T>({ data, error, loading, isEmpty = defaultEmpty, empty, children }: LoadedProps<T>) {
  if (error) return <ErrorText message={error.message} />;
  if (data === undefined) return <p role="status">{loading}</p>;
  if (empty !== undefined && isEmpty(data)) return <div className="empty-state">{empty}</div>;
  return <>{children(data)}</>;
}

function defaultEmpty(data: unknown): boolean {
  return Array.isArray(data) && data.length === 0;
}

/** An error as the API worded it, announced to screen readers. */
export function ErrorText({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}
