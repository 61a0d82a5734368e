// What the dashboard's goal cards show and in which order: pure, so that filters and sorts are tested
// without rendering.

import type { Goal, GoalStatus, Milestone, TrackingStatus } from "../../api/types/goals";

export const GOAL_SORTS = {
  attention: "Needs attention first",
  deadline: "Deadline, soonest first",
  progress: "Progress, most complete first",
  name: "Name, A to Z",
  created: "Newest first",
} as const;

export type GoalSort = keyof typeof GOAL_SORTS;

export interface GoalFilter {
  /** A goal type, or "" for every type. */
  type: string;
  /** A status, or "" for every status. */
  status: GoalStatus | "";
}

/** The first milestone not reached yet (milestones come ordered in the goal's direction), or null. */
export function nextMilestone(goal: Pick<Goal, "milestones">): Milestone | null {
  return goal.milestones.find((milestone) => !milestone.reached) ?? null;
}

export function isGoalSort(value: string | null): value is GoalSort {
  return value !== null && Object.hasOwn(GOAL_SORTS, value);
}

// Behind goals first: they are the ones to act on. Goals no longer running come after every active one.
const ATTENTION_ORDER: Record<TrackingStatus, number> = { behind: 0, at_risk: 1, on_track: 2, achieved: 3 };
const STATUS_ORDER: Record<GoalStatus, number> = { active: 0, paused: 1, completed: 2, abandoned: 3 };

type Comparator = (a: Goal, b: Goal) => number;

const byName: Comparator = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });

const COMPARATORS: Record<GoalSort, Comparator> = {
  attention: (a, b) =>
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    ATTENTION_ORDER[a.tracking_status] - ATTENTION_ORDER[b.tracking_status] ||
    byDeadline(a, b),
  // Goals without a deadline come last.
  deadline: byDeadline,
  progress: (a, b) => b.percent_complete - a.percent_complete,
  name: byName,
  created: (a, b) => b.created_at.localeCompare(a.created_at),
};

function byDeadline(a: Goal, b: Goal): number {
  if (a.deadline === b.deadline) return 0;
  if (a.deadline === null) return 1;
  if (b.deadline === null) return -1;
  return Date.parse(a.deadline) - Date.parse(b.deadline);
}

/** The goals that pass the filter, in the chosen order (ties by name, so the order is stable). */
export function arrangeGoals<G extends Goal>(goals: readonly G[], filter: GoalFilter, sort: GoalSort): G[] {
  const compare = COMPARATORS[sort];
  return goals
    .filter((goal) => filter.type === "" || goal.type === filter.type)
    .filter((goal) => filter.status === "" || goal.status === filter.status)
    .sort((a, b) => compare(a, b) || byName(a, b));
}

/** The goal types present, for the type filter's options (offering types the user has none of helps no one). */
export function presentTypes(goals: readonly Pick<Goal, "type">[]): string[] {
  return [...new Set(goals.map((goal) => goal.type))].sort();
}
