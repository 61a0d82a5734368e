// The goal's amount over time, as LineChart series: what happened (the progress entries), the projection at
// the current pace to the deadline, the path that would finish on time, and the target as a reference line.

import type { Goal, ProgressEntry, ProgressSummary } from "../../api/types/goals";
import type { ChartReference, ChartSeries, TimePoint } from "../../charts/lineChart";

const DAY_MS = 86_400_000;

export interface GoalTrend {
  series: ChartSeries[];
  references: ChartReference[];
}

/** The UTC day (midnight) of an instant or of a `YYYY-MM-DD` / ISO date. */
export function utcDay(value: number | string): number {
  const instant = typeof value === "number" ? value : Date.parse(value);
  return Math.floor(instant / DAY_MS) * DAY_MS;
}

/**
 * The amount after each progress entry, oldest first: placed on the entry's day at the time of day it was
 * recorded, so that several entries of one day stay apart and in order. The line starts where the goal
 * started (the first entry's amount before its change, at the goal's creation) and is carried on to now, as
 * the amount has not changed since. Without entries: the amount now, from the goal's creation.
 */
export function amountHistory(goal: Goal, entries: readonly ProgressEntry[], now: number): TimePoint[] {
  const points = entries
    .map((entry) => ({
      time: utcDay(entry.period_date) + timeOfDay(entry.recorded_at),
      value: Number(entry.value_at_period),
      // The amount before the entry, for where the line starts: a position on the chart, not money shown as
      // computed (the data table rounds it to cents as the API would).
      before:
        entry.contribution_amount === null
          ? null
          : Number(entry.value_at_period) - Number(entry.contribution_amount),
    }))
    .sort((a, b) => a.time - b.time);
  const created = Date.parse(goal.created_at);
  const first = points[0];
  const history: TimePoint[] = points.map(({ time, value }) => ({ time, value }));
  if (first === undefined) history.push({ time: created, value: Number(goal.current_amount) });
  else if (first.before !== null && created < first.time) history.unshift({ time: created, value: first.before });
  const last = history.at(-1);
  if (last !== undefined && last.time < now) history.push({ time: now, value: Number(goal.current_amount) });
  return history;
}

function timeOfDay(instant: string): number {
  const time = Date.parse(instant);
  return Number.isFinite(time) ? time - utcDay(time) : 0;
}

/** Everything the goal's chart draws. Projections only for an active goal not yet at its target. */
export function goalTrend(
  goal: Goal,
  summary: ProgressSummary | undefined,
  entries: readonly ProgressEntry[],
  now: number,
): GoalTrend {
  const history = amountHistory(goal, entries, now);
  const series: ChartSeries[] = [{ label: "Amount", points: history }];
  const references: ChartReference[] = [{ label: "Target", value: Number(goal.target_amount) }];
  if (summary === undefined || goal.status !== "active" || goal.percent_complete >= 100) return { series, references };

  const today = utcDay(now);
  // Projections start where the amount's line ends: now, or a later entry's time if "now" is a little old.
  const from: TimePoint = { time: Math.max(now, history.at(-1)?.time ?? now), value: Number(goal.current_amount) };
  const deadline = goal.deadline === null ? null : utcDay(goal.deadline);
  if (deadline !== null && deadline > today) {
    if (summary.projected_final_value !== null) {
      series.push({
        label: "Projection at the current pace",
        dashed: true,
        points: [from, { time: deadline, value: Number(summary.projected_final_value) }],
      });
    }
    if (!summary.on_track) {
      series.push({
        label: "Path to finish on time",
        dashed: true,
        points: [from, { time: deadline, value: Number(goal.target_amount) }],
      });
    }
  } else if (deadline === null && summary.projected_completion_date !== null) {
    const reached = utcDay(summary.projected_completion_date);
    if (reached > today) {
      series.push({
        label: "Projection at the current pace",
        dashed: true,
        points: [from, { time: reached, value: Number(goal.target_amount) }],
      });
    }
  }
  return { series, references };
}
