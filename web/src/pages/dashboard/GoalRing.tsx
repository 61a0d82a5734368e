import type { Goal } from "../../api/types/goals";
import { ProgressRing } from "../../components/ProgressRing";
import { trackingTone } from "./tracking";

/** A goal's progress ring, coloured as its tracking status (which is also shown in words beside it). */
interface GoalRingProps {
  goal: Pick<Goal, "name" | "percent_complete" | "status" | "tracking_status">;
  size: number;
}

export function GoalRing({ goal, size }: GoalRingProps) {
  return (
    <ProgressRing
      percent={goal.percent_complete}
      size={size}
      stroke={Math.round(size / 10)}
      tone={trackingTone(goal)}
      label={`${goal.name} progress`}
    />
  );
}
