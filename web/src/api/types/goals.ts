// The contract's "Goals" shapes the dashboard and the goal page read: the goal, its progress summary,
// milestones, funding sources and progress entries. Amounts arrive as JSON numbers; the app only formats
// them. Goal types are the wizard's (types/wizard.ts), which creates goals.

import type { Amount } from "../../format";
import { DECREASING_GOAL_TYPES, type GoalType } from "./wizard";

export type GoalStatus = "active" | "paused" | "completed" | "abandoned";
export type TrackingStatus = "achieved" | "on_track" | "at_risk" | "behind";

export const GOAL_STATUSES: readonly GoalStatus[] = ["active", "paused", "completed", "abandoned"];

export const GOAL_STATUS_LABELS: Record<GoalStatus, string> = {
  active: "Active",
  paused: "Paused",
  completed: "Completed",
  abandoned: "Abandoned",
};

export const TRACKING_STATUS_LABELS: Record<TrackingStatus, string> = {
  achieved: "Achieved",
  on_track: "On track",
  at_risk: "At risk",
  behind: "Behind",
};

export interface Milestone {
  id: string;
  amount: Amount;
  description: string;
  /** YYYY-MM-DD, or null. */
  target_date: string | null;
  reached: boolean;
  reached_date: string | null;
}

export interface Goal {
  id: string;
  name: string;
  description: string | null;
  type: GoalType;
  target_amount: Amount;
  current_amount: Amount;
  start_amount: Amount;
  /** Midnight UTC of the deadline's day, or null. */
  deadline: string | null;
  status: GoalStatus;
  tracking_status: TrackingStatus;
  percent_complete: number;
  tags: string[];
  template_id: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** Ordered by amount in the goal's direction. */
  milestones: Milestone[];
}

/** `GET /goals/{id}/progress`. */
export interface ProgressSummary {
  goal_id: string;
  current_amount: Amount;
  target_amount: Amount;
  percent_complete: number;
  status: GoalStatus;
  tracking_status: TrackingStatus;
  deadline: string | null;
  on_track: boolean;
  days_elapsed: number;
  days_remaining: number | null;
  required_monthly_contribution: Amount;
  current_monthly_pace: Amount;
  /** YYYY-MM-DD, or null when the pace never gets there. */
  projected_completion_date: string | null;
  /** The amount at the deadline at the current pace. */
  projected_final_value: Amount | null;
}

/** `GET /goals/dashboard`: every goal with its summary, and the unread alert count. */
export interface GoalDashboard {
  goals: (Goal & { progress: ProgressSummary })[];
  unread_alerts: number;
}

export type ProgressSource = "manual" | "budget_sync" | "calculated";

export interface ProgressEntry {
  id: string;
  goal_id: string;
  period_date: string;
  value_at_period: Amount;
  contribution_amount: Amount | null;
  progress_percent: number;
  on_track: boolean;
  source: ProgressSource;
  recorded_at: string;
  notes: string | null;
}

/** `POST /goals/{id}/progress`: exactly one of `value` and `contribution_amount`. */
export interface ProgressEntryBody {
  value?: number;
  contribution_amount?: number;
  period_date?: string;
  notes?: string;
}

export interface MilestoneBody {
  amount: number;
  description: string;
  target_date?: string | null;
}

export interface FundingSource {
  account_id: string;
  account_name: string | null;
  allocation_percent: number;
}

export interface FundingBody {
  account_id: string;
  account_name?: string;
  allocation_percent: number;
}

export type LifecycleAction = "pause" | "resume" | "complete" | "abandon";

/** The changes of status the contract allows from each status (completed and abandoned are final). */
export const LIFECYCLE_ACTIONS: Record<GoalStatus, readonly LifecycleAction[]> = {
  active: ["pause", "complete", "abandon"],
  paused: ["resume", "abandon"],
  completed: [],
  abandoned: [],
};

/** Whether the goal moves its amount down toward the target (a debt toward 0). */
export function isDecreasing(type: string): boolean {
  return (DECREASING_GOAL_TYPES as readonly string[]).includes(type);
}

/** A goal type in words: "emergency_fund" → "Emergency fund". */
export function goalTypeLabel(type: string): string {
  const words = type.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `PATCH /goals/{id}` (the part the goal page edits): null clears a description or deadline. */
export interface GoalUpdateBody {
  name?: string;
  description?: string | null;
  target_amount?: number;
  deadline?: string | null;
}
