// POST /goals/preview while the person types: asked 300 ms after the last change, and an answer that
// arrives after a newer change is dropped, so the plan shown is always the plan of what is on screen.

import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import type { FromTemplateBody, GoalCreateBody, GoalPreview } from "../../api/types/wizard";
import { useServices } from "../../app/services";

export const PREVIEW_DELAY_MS = 300;

export type PreviewState =
  /** Not enough typed yet for a plan. */
  | { status: "idle" }
  /** Waiting for the plan of what is typed now; `last` is the previous plan, kept on screen meanwhile. */
  | { status: "loading"; last: GoalPreview | null }
  | { status: "ready"; preview: GoalPreview }
  /** The API's detail: the same 400 or 422 the create would give. */
  | { status: "error"; message: string };

type Answer = { key: string; preview: GoalPreview } | { key: string; message: string };

export function usePreview(body: GoalCreateBody | FromTemplateBody | null): PreviewState {
  const { api } = useServices();
  const key = body === null ? null : JSON.stringify(body);
  const [answer, setAnswer] = useState<Answer | null>(null);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api
        .post<GoalPreview>("/goals/preview", JSON.parse(key), { signal: controller.signal })
        .then((preview) => {
          if (!controller.signal.aborted) setAnswer({ key, preview });
        })
        .catch((failure: unknown) => {
          if (controller.signal.aborted) return;
          setAnswer({ key, message: failure instanceof ApiError ? failure.message : "The plan could not be worked out" });
        });
    }, PREVIEW_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [api, key]);

  if (key === null) return { status: "idle" };
  if (answer === null || answer.key !== key) {
    return { status: "loading", last: answer !== null && "preview" in answer ? answer.preview : null };
  }
  return "preview" in answer ? { status: "ready", preview: answer.preview } : { status: "error", message: answer.message };
}
