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
 * The amount at the end of each day that has entries (the latest recorded entry of the day counts, as the
 * API's current amount is the one of its latest entry), oldest first. Without entries, the amount now, from
 * the goal's creation. The line is carried on to today, as the amount has not changed since.
 */
export function amountHistory(goal: Goal, entries: readonly ProgressEntry[], now: number): TimePoint[] {
  const byDay = new Map<number, ProgressEntry>();
  for (const entry of entries) {
    const day = utcDay(entry.period_date);
    const kept = byDay.get(day);
    if (kept === undefined || entry.recorded_at > kept.recorded_at) byDay.set(day, entry);
  }
  const points = [...byDay.entries()]
    .map(([time, entry]) => ({ time, value: Number(entry.value_at_period) }))
    .sort((a, b) => a.time - b.time);
  if (points.length === 0) points.push({ time: utcDay(goal.created_at), value: Number(goal.current_amount) });
  const today = utcDay(now);
  const last = points.at(-1);
  if (last !== undefined && last.time < today) points.push({ time: today, value: Number(goal.current_amount) });
  return points;
}

/** Everything the goal's chart draws. Projections only for an active goal not yet at its target. */
export function goalTrend(goal: Goal, summary: ProgressSummary | undefined, entries: readonly ProgressEntry[], now: number): GoalTrend {
  const series: ChartSeries[] = [{ label: "Amount", points: amountHistory(goal, entries, now) }];
  const references: ChartReference[] = [{ label: "Target", value: Number(goal.target_amount) }];
  if (summary === undefined || goal.status !== "active" || goal.percent_complete >= 100) return { series, references };

  const today = utcDay(now);
  const from: TimePoint = { time: today, value: Number(goal.current_amount) };
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
