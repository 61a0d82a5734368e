import { describe, expect, it } from "vitest";
import type { TradingGoal } from "../../api/types/trading";
import {
  checkTargets,
  formatGoalValue,
  goalOfTargetParam,
  historySeries,
  parseProfit,
  statusWords,
  targetUpdateTexts,
  targetsDraft,
  targetsQuery,
} from "./tradingGoals";

const GOALS: TradingGoal[] = [
  { goal_type: "monthly_income", target_value: 2000, current_value: 1450, progress_percent: 72.5, status: "at_risk", updated_at: null },
  { goal_type: "monthly_return", target_value: 5, current_value: 4.21, progress_percent: 84.2, status: "at_risk", updated_at: null },
  { goal_type: "portfolio_value", target_value: 50000, current_value: 51000, progress_percent: 102, status: "achieved", updated_at: null },
];

describe("trading goal values", () => {
  it("carry their units", () => {
    expect(formatGoalValue("monthly_return", 4.21, "en-US")).toBe("4.21%");
    expect(formatGoalValue("monthly_income", 1450, "en-US")).toBe("$1,450.00");
    expect(formatGoalValue("portfolio_value", null)).toBe("—");
    expect(statusWords("on_track")).toBe("On track");
  });
});

describe("the targets form", () => {
  it("starts from the current targets", () => {
    expect(targetsDraft(GOALS)).toEqual({ monthly_income: "2000", monthly_return: "5", portfolio_value: "50000" });
  });

  it("holds each target inside the contract's range", () => {
    expect(checkTargets({ monthly_return: "0.1", monthly_income: "1", portfolio_value: "10,000,000" })).toEqual({});
    expect(checkTargets({ monthly_return: "51", monthly_income: "", portfolio_value: "99" })).toEqual({
      monthly_return: "Enter a target from 0.1% to 50%",
      monthly_income: "Enter a target",
      portfolio_value: "Enter a target from $100.00 to $10,000,000.00",
    });
  });

  it("sends only the targets that changed, and nothing when none did", () => {
    expect(targetsQuery(targetsDraft(GOALS), GOALS)).toBeNull();
    expect(targetsQuery({ monthly_income: "2,500", monthly_return: "5.0", portfolio_value: "60000" }, GOALS)).toEqual({
      monthly_income_target: "2500",
      portfolio_value_target: "60000",
    });
  });
});

describe("the history chart", () => {
  it("runs oldest first, the target dashed", () => {
    const series = historySeries([
      { date: "2026-12-02", actual_value: 1600, target_value: 2000, variance_percent: -20, status: "behind" },
      { date: "2026-12-01", actual_value: 150, target_value: 2000, variance_percent: -92.5, status: "behind" },
    ]);
    expect(series).toEqual([
      {
        label: "Actual",
        points: [
          { time: Date.UTC(2026, 11, 1), value: 150 },
          { time: Date.UTC(2026, 11, 2), value: 1600 },
        ],
      },
      {
        label: "Target",
        dashed: true,
        points: [
          { time: Date.UTC(2026, 11, 1), value: 2000 },
          { time: Date.UTC(2026, 11, 2), value: 2000 },
        ],
      },
    ]);
  });
});

describe("a profit as typed", () => {
  it("may be a loss", () => {
    expect(parseProfit("150")).toBe(150);
    expect(parseProfit("-75.50")).toBe(-75.5);
    expect(parseProfit("$1,200")).toBe(1200);
    expect(parseProfit("")).toBeNull();
    expect(parseProfit("-")).toBeNaN();
    expect(parseProfit("lots")).toBeNaN();
  });

  it("names the goal of a target parameter", () => {
    expect(goalOfTargetParam("monthly_income_target")).toBe("monthly_income");
    expect(goalOfTargetParam("other")).toBeNull();
  });
});

describe("target changes", () => {
  it("read as words with units", () => {
    expect(targetUpdateTexts({ monthly_income_target: 2500, monthly_return_target: 6 })).toEqual([
      "Monthly income: $2,500.00",
      "Monthly return: 6.00%",
    ]);
  });
});
