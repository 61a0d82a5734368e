// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { ProgressEntry } from "../../api/types/goals";
import { goal, summary } from "./fixtures";
import { amountHistory, goalTrend, utcDay } from "./trend";

const day = (date: string) => Date.parse(`${date}T00:00:00Z`);
const NOW = Date.parse("2026-03-10T15:30:00Z");

function entry(period_date: string, value: number, recorded_at = `${period_date}T12:00:00+00:00`): ProgressEntry {
  return {
    id: `${period_date}-${value}`,
    goal_id: "g1",
    period_date,
    value_at_period: value,
    contribution_amount: null,
    progress_percent: value / 100,
    on_track: true,
    source: "manual",
    recorded_at,
    notes: null,
  };
}

describe("utcDay", () => {
  it("is midnight UTC of the day, whatever the time", () => {
    expect(utcDay(NOW)).toBe(day("2026-03-10"));
    expect(utcDay("2026-03-10")).toBe(day("2026-03-10"));
    expect(utcDay("2026-03-10T23:59:00+00:00")).toBe(day("2026-03-10"));
  });
});

describe("amountHistory", () => {
  it("places entries on their day at the time recorded, starts at the goal's start and ends now", () => {
    const entries = [
      { ...entry("2026-02-01", 4000, "2026-02-01T18:00:00+00:00"), contribution_amount: 500 },
      { ...entry("2026-02-01", 3500, "2026-02-01T09:00:00+00:00"), contribution_amount: 500 },
      { ...entry("2026-01-15", 3000), contribution_amount: 2000 },
    ];
    const started = goal("g1", { current_amount: 4000, created_at: "2026-01-10T08:00:00+00:00" });
    expect(amountHistory(started, entries, NOW)).toEqual([
      { time: Date.parse("2026-01-10T08:00:00Z"), value: 1000 },
      { time: Date.parse("2026-01-15T12:00:00Z"), value: 3000 },
      { time: Date.parse("2026-02-01T09:00:00Z"), value: 3500 },
      { time: Date.parse("2026-02-01T18:00:00Z"), value: 4000 },
      { time: NOW, value: 4000 },
    ]);
  });

  it("is the amount now from the goal's creation when nothing is recorded", () => {
    expect(amountHistory(goal("g1", { current_amount: 2500, created_at: "2026-03-10T08:00:00Z" }), [], NOW)).toEqual([
      { time: Date.parse("2026-03-10T08:00:00Z"), value: 2500 },
      { time: NOW, value: 2500 },
    ]);
  });
});

describe("goalTrend", () => {
  const active = goal("g1", { current_amount: 2500, target_amount: 10000, deadline: "2026-12-31T00:00:00+00:00" });

  it("projects from today's amount to the amount at the deadline at the current pace, with the target line", () => {
    const trend = goalTrend(active, summary(active, { projected_final_value: 9000 }), [], NOW);
    expect(trend.references).toEqual([{ label: "Target", value: 10000 }]);
    expect(trend.series[1]).toEqual({
      label: "Projection at the current pace",
      dashed: true,
      points: [
        { time: NOW, value: 2500 },
        { time: day("2026-12-31"), value: 9000 },
      ],
    });
    expect(trend.series).toHaveLength(2);
  });

  it("starts the projection where the amount's line ends, even after the moment given as now", () => {
    const later = { ...entry("2026-03-10", 3000, "2026-03-10T16:00:00+00:00"), contribution_amount: 500 };
    const moved = { ...active, current_amount: 3000 };
    const trend = goalTrend(moved, summary(moved, { projected_final_value: 9000 }), [later], NOW);
    expect(trend.series[1]?.points[0]).toEqual(trend.series[0]?.points.at(-1));
  });

  it("adds the path that finishes on time when the goal is off track", () => {
    const trend = goalTrend(active, summary(active, { on_track: false, projected_final_value: 4000 }), [], NOW);
    expect(trend.series.map((one) => one.label)).toEqual([
      "Amount",
      "Projection at the current pace",
      "Path to finish on time",
    ]);
    expect(trend.series[2]?.points.at(-1)).toEqual({ time: day("2026-12-31"), value: 10000 });
  });

  it("projects to the completion date for a goal without a deadline", () => {
    const open = goal("g2", { deadline: null, target_amount: 10000 });
    const pace = summary(open, { projected_completion_date: "2027-01-20", projected_final_value: null });
    const trend = goalTrend(open, pace, [], NOW);
    expect(trend.series[1]?.points.at(-1)).toEqual({ time: day("2027-01-20"), value: 10000 });
  });

  it("projects nothing for a goal that is reached, paused or past its deadline, or without a pace", () => {
    const cases = [
      goal("a", { percent_complete: 100 }),
      goal("b", { status: "paused" }),
      goal("c", { deadline: "2026-03-01T00:00:00+00:00" }),
    ];
    for (const one of cases) expect(goalTrend(one, summary(one), [], NOW).series).toHaveLength(1);
    expect(goalTrend(active, summary(active, { projected_final_value: null }), [], NOW).series).toHaveLength(1);
    expect(goalTrend(active, undefined, [], NOW).series).toHaveLength(1);
  });
});
