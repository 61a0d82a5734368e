import { describe, expect, it } from "vitest";
import { buildPreviewBody, buildSubmission, chosenGoalAlerts, enabledAlertsToSave } from "./body";
import { draftForCustom, draftFromTemplate, emptyDraft, type WizardDraft } from "./draft";
import { DOWN_PAYMENT, EMERGENCY_FUND } from "./fixtures";

function custom(changes: Partial<WizardDraft> = {}): WizardDraft {
  return { ...draftForCustom(emptyDraft()), name: " Emergency Fund ", type: "savings", targetAmount: "27,000", ...changes };
}

describe("a custom goal", () => {
  it("is created by POST /goals with the contract's fields", () => {
    const draft = custom({ currentAmount: "2500.50", deadline: "2028-12-03", description: " Six months ", reminderDay: "15" });
    expect(buildSubmission(draft)).toEqual({
      path: "/goals",
      body: {
        name: "Emergency Fund",
        type: "savings",
        target_amount: 27000,
        current_amount: 2500.5,
        deadline: "2028-12-03",
        description: "Six months",
        reminder_day: 15,
      },
      reminderDay: null,
    });
  });

  it("leaves out what was not given", () => {
    expect(buildSubmission(custom()).body).toEqual({ name: "Emergency Fund", type: "savings", target_amount: 27000, reminder_day: 1 });
  });

  it("is previewed with the same body, once it has a target", () => {
    expect(buildPreviewBody(custom())).toEqual(buildSubmission(custom()).body);
    expect(buildPreviewBody(custom({ targetAmount: "" }))).toBeNull();
    expect(buildPreviewBody(custom({ targetAmount: "lots" }))).toBeNull();
    expect(buildPreviewBody(emptyDraft())).toBeNull();
  });
});

describe("a template's goal", () => {
  it("is created by POST /goals/from-template with its parameters, budget and target date", () => {
    const draft = draftFromTemplate(emptyDraft(), EMERGENCY_FUND, "2026-12-03");
    draft.budget.monthly_expenses = "4,500";
    expect(buildSubmission(draft)).toEqual({
      path: "/goals/from-template",
      body: {
        template_id: "emergency_fund_6_months",
        name: "6-Month Emergency Fund",
        budget: { monthly_expenses: 4500 },
        target_date: "2028-12-03",
      },
      reminderDay: null,
    });
    expect(buildPreviewBody(draft)).toEqual(buildSubmission(draft).body);
  });

  it("sends the parameters typed, no budget when none was typed, and a reminder day to set afterwards", () => {
    const draft = { ...draftFromTemplate(emptyDraft(), DOWN_PAYMENT, "2026-12-03"), reminderDay: "10" };
    draft.parameters = { home_price: "400000", down_payment_percent: "20" };
    expect(buildSubmission(draft)).toEqual({
      path: "/goals/from-template",
      body: { template_id: "house_down_payment", name: "House Down Payment", parameters: { home_price: 400000, down_payment_percent: 20 } },
      reminderDay: 10,
    });
  });

  it("sends the total of the debts as one debt", () => {
    const draft = draftFromTemplate(emptyDraft(), { ...EMERGENCY_FUND, id: "debt_free", budget_inputs: ["debts"] }, "2026-12-03");
    draft.budget.debts = "8500";
    expect(buildSubmission(draft).body).toMatchObject({ budget: { debts: [{ id: "all", name: "All debts", balance: 8500 }] } });
  });
});

describe("goal alerts", () => {
  const saved = ["off_track", "milestone_50", "position_closed", "goal_behind"];

  it("show the saved choice until changed", () => {
    expect(chosenGoalAlerts(emptyDraft(), saved)).toEqual(["off_track", "milestone_50"]);
    expect(chosenGoalAlerts({ ...emptyDraft(), goalAlerts: ["goal_completed"] }, saved)).toEqual(["goal_completed"]);
  });

  it("save only a change, keeping the other alert types", () => {
    expect(enabledAlertsToSave(emptyDraft(), saved)).toBeNull();
    expect(enabledAlertsToSave({ ...emptyDraft(), goalAlerts: ["milestone_50", "off_track"] }, saved)).toBeNull();
    expect(enabledAlertsToSave({ ...emptyDraft(), goalAlerts: ["update_reminder"] }, saved)).toEqual([
      "position_closed",
      "goal_behind",
      "update_reminder",
    ]);
  });
});
