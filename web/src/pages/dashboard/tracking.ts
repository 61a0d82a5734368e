// A goal's tracking status in words, and the ring colour that repeats it.

import { GOAL_STATUS_LABELS, TRACKING_STATUS_LABELS, type Goal } from "../../api/types/goals";
import type { RingTone } from "../../components/ProgressRing";

/** "On track", or the status for a goal no longer running ("Paused", "Abandoned"). */
export function trackingText(goal: Pick<Goal, "status" | "tracking_status">): string {
  if (goal.status === "completed" || goal.status === "abandoned") return GOAL_STATUS_LABELS[goal.status];
  const tracking = TRACKING_STATUS_LABELS[goal.tracking_status];
  return goal.status === "paused" ? `Paused · ${tracking}` : tracking;
}

export function trackingTone(goal: Pick<Goal, "status" | "tracking_status">): RingTone {
  if (goal.status === "abandoned" || goal.status === "paused") return "neutral";
  if (goal.status === "completed") return "good";
  switch (goal.tracking_status) {
    case "achieved":
    case "on_track":
      return "good";
    case "at_risk":
      return "warn";
    case "behind":
      return "bad";
  }
}
