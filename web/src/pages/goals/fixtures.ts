// Goals as the API answers them, for the dashboard's and the goal page's tests.

import type { Goal, Milestone, ProgressSummary } from "../../api/types/goals";

export function milestone(id: string, fields: Partial<Milestone> = {}): Milestone {
  return { id, amount: 5000, description: "Halfway", target_date: null, reached: false, reached_date: null, ...fields };
}

export function goal(id: string, fields: Partial<Goal> = {}): Goal {
  return {
    id,
    name: `Goal ${id}`,
    description: null,
    type: "savings",
    target_amount: 10000,
    current_amount: 2500,
    start_amount: 0,
    deadline: "2027-06-30T00:00:00+00:00",
    status: "active",
    tracking_status: "on_track",
    percent_complete: 25,
    tags: [],
    template_id: null,
    created_at: "2026-01-05T10:00:00+00:00",
    updated_at: "2026-01-05T10:00:00+00:00",
    completed_at: null,
    milestones: [],
    ...fields,
  };
}

export function summary(of: Goal, fields: Partial<ProgressSummary> = {}): ProgressSummary {
  return {
    goal_id: of.id,
    current_amount: of.current_amount,
    target_amount: of.target_amount,
    percent_complete: of.percent_complete,
    status: of.status,
    tracking_status: of.tracking_status,
    deadline: of.deadline,
    on_track: true,
    days_elapsed: 30,
    days_remaining: 210,
    required_monthly_contribution: 1071.43,
    current_monthly_pace: 1200,
    projected_completion_date: "2027-04-01",
    projected_final_value: 11000,
    ...fields,
  };
}

export function dashboardGoal(id: string, fields: Partial<Goal> = {}, progress: Partial<ProgressSummary> = {}) {
  const one = goal(id, fields);
  return { ...one, progress: summary(one, progress) };
}
