// @vitest-environment node
import { describe, expect, it } from "vitest";
import { goal, milestone } from "../goals/fixtures";
import { arrangeGoals, isGoalSort, nextMilestone, presentTypes } from "./goalCards";

const goals = [
  goal("a", { name: "beta", deadline: null, percent_complete: 80, created_at: "2026-01-01T00:00:00Z" }),
  goal("b", {
    name: "Alpha",
    deadline: "2027-01-01T00:00:00Z",
    percent_complete: 10,
    tracking_status: "behind",
    type: "debt",
  }),
  goal("c", {
    name: "Gamma",
    deadline: "2026-12-31T00:00:00Z",
    percent_complete: 50,
    tracking_status: "at_risk",
    created_at: "2026-03-01T00:00:00Z",
  }),
  goal("d", { name: "Delta", status: "paused", tracking_status: "behind", deadline: "2026-06-01T00:00:00Z" }),
];
const everything = { type: "", status: "" } as const;
const ids = (list: { id: string }[]) => list.map((one) => one.id);

describe("arrangeGoals", () => {
  it("puts active goals that need attention first: behind, at risk, then on track", () => {
    expect(ids(arrangeGoals(goals, everything, "attention"))).toEqual(["b", "c", "a", "d"]);
  });

  it("sorts by deadline with goals without one last, by name ignoring case, by progress, by newest", () => {
    expect(ids(arrangeGoals(goals, everything, "deadline"))).toEqual(["d", "c", "b", "a"]);
    expect(ids(arrangeGoals(goals, everything, "name"))).toEqual(["b", "a", "d", "c"]);
    expect(ids(arrangeGoals(goals, everything, "progress"))).toEqual(["a", "c", "d", "b"]);
    expect(ids(arrangeGoals(goals, everything, "created"))).toEqual(["c", "b", "d", "a"]);
  });

  it("keeps only the goals of the chosen type and status", () => {
    expect(ids(arrangeGoals(goals, { type: "debt", status: "" }, "name"))).toEqual(["b"]);
    expect(ids(arrangeGoals(goals, { type: "", status: "paused" }, "name"))).toEqual(["d"]);
    expect(arrangeGoals(goals, { type: "debt", status: "paused" }, "name")).toEqual([]);
  });
});

describe("nextMilestone", () => {
  it("is the first milestone not reached, or null when all are", () => {
    const reached = milestone("m1", { reached: true, amount: 1000 });
    const next = milestone("m2", { amount: 5000 });
    expect(nextMilestone({ milestones: [reached, next, milestone("m3", { amount: 8000 })] })).toBe(next);
    expect(nextMilestone({ milestones: [reached] })).toBeNull();
  });
});

describe("presentTypes and isGoalSort", () => {
  it("offers each type the user has once, and only known sorts", () => {
    expect(presentTypes(goals)).toEqual(["debt", "savings"]);
    expect(isGoalSort("deadline")).toBe(true);
    expect(isGoalSort("toString")).toBe(false);
    expect(isGoalSort(null)).toBe(false);
  });
});
