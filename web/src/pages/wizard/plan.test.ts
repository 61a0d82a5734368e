import { describe, expect, it } from "vitest";
import { draftForCustom, draftFromTemplate, emptyDraft, type WizardDraft } from "./draft";
import { EMERGENCY_FUND } from "./fixtures";
import { planRequest } from "./plan";

const TODAY = "2026-12-03";

function custom(changes: Partial<WizardDraft> = {}): WizardDraft {
  return { ...draftForCustom(emptyDraft()), name: "Boat", type: "savings", ...changes };
}

describe("the plan on the target step", () => {
  it("waits for a target amount", () => {
    expect(planRequest("target", custom(), TODAY)).toEqual({ body: null, waiting: "Enter a target amount to see your plan." });
  });

  it("is asked for figures that pass the step's checks", () => {
    expect(planRequest("target", custom({ targetAmount: "5000" }), TODAY).body).toEqual({
      name: "Boat",
      type: "savings",
      target_amount: 5000,
      reminder_day: 1,
    });
  });

  it("says what is wrong with what was typed instead of asking", () => {
    expect(planRequest("target", custom({ targetAmount: "0" }), TODAY)).toEqual({ body: null, waiting: "Enter an amount above 0" });
    expect(planRequest("target", custom({ targetAmount: "5000", deadline: "2020-01-01" }), TODAY)).toEqual({
      body: null,
      waiting: "Choose today or a later date",
    });
  });

  it("waits for a template's budget figures, which may also come from the stored budget", () => {
    const draft = draftFromTemplate(emptyDraft(), EMERGENCY_FUND, TODAY);
    expect(planRequest("target", draft, TODAY)).toEqual({
      body: null,
      waiting: "Enter your monthly expenses to see your plan here. Left empty, your latest budget snapshot is used.",
    });
    const typed = { ...draft, budget: { ...draft.budget, monthly_expenses: "4500" } };
    expect(planRequest("target", typed, TODAY).body).toMatchObject({ budget: { monthly_expenses: 4500 } });
  });
});

describe("the plan elsewhere", () => {
  it("is always asked on the review, and never on the other steps", () => {
    const draft = draftFromTemplate(emptyDraft(), EMERGENCY_FUND, TODAY);
    expect(planRequest("review", draft, TODAY).body).toEqual({
      template_id: "emergency_fund_6_months",
      name: "6-Month Emergency Fund",
      target_date: "2028-12-03",
    });
    expect(planRequest("details", draft, TODAY).body).toBeNull();
  });
});
