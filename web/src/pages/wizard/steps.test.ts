import { describe, expect, it } from "vitest";
import { draftForCustom, draftFromTemplate, emptyDraft, type WizardDraft } from "./draft";
import { DOWN_PAYMENT, EMERGENCY_FUND, RETIREMENT } from "./fixtures";
import { STEPS, firstInvalidStep, stepFields, validateStep } from "./steps";

const TODAY = "2026-12-03";

function custom(changes: Partial<WizardDraft> = {}): WizardDraft {
  return { ...draftForCustom(emptyDraft()), name: "Emergency Fund", type: "savings", targetAmount: "10000", ...changes };
}

describe("the steps", () => {
  it("are the contract's five, in order", () => {
    expect(STEPS.map((step) => step.title)).toEqual([
      "Template or custom",
      "Details",
      "Target and date",
      "Reminders and alerts",
      "Review",
    ]);
  });
});

describe("step 1: template or custom", () => {
  it("needs a choice", () => {
    expect(validateStep("start", emptyDraft(), TODAY)).toEqual({ source: "Choose a template or a custom goal" });
  });

  it("accepts a custom goal or a template", () => {
    expect(validateStep("start", draftForCustom(emptyDraft()), TODAY)).toEqual({});
    expect(validateStep("start", draftFromTemplate(emptyDraft(), EMERGENCY_FUND, TODAY), TODAY)).toEqual({});
  });
});

describe("step 2: details", () => {
  it("asks a custom goal for its name, type and description", () => {
    expect(stepFields("details", custom())).toEqual(["name", "type", "description"]);
    expect(validateStep("details", custom({ name: "  ", type: "" }), TODAY)).toEqual({
      name: "Enter a name for the goal",
      type: "Choose a goal type",
    });
  });

  it("holds the contract's lengths", () => {
    expect(validateStep("details", custom({ name: "x".repeat(201) }), TODAY)).toEqual({ name: "Use at most 200 characters" });
    expect(validateStep("details", custom({ description: "x".repeat(1001) }), TODAY)).toEqual({
      description: "Use at most 1000 characters",
    });
    expect(validateStep("details", custom({ name: "x".repeat(200), description: "x".repeat(1000) }), TODAY)).toEqual({});
  });

  it("asks a template's goal only for its name, filled in from the template", () => {
    const draft = draftFromTemplate(emptyDraft(), EMERGENCY_FUND, TODAY);
    expect(stepFields("details", draft)).toEqual(["name"]);
    expect(draft.name).toBe("6-Month Emergency Fund");
    expect(validateStep("details", draft, TODAY)).toEqual({});
  });
});

describe("step 3: target and date", () => {
  it("needs a target above 0 for an increasing goal", () => {
    expect(validateStep("target", custom({ targetAmount: "" }), TODAY)).toEqual({ targetAmount: "Enter an amount" });
    expect(validateStep("target", custom({ targetAmount: "0" }), TODAY)).toEqual({ targetAmount: "Enter an amount above 0" });
    expect(validateStep("target", custom({ targetAmount: "27,000" }), TODAY)).toEqual({});
  });

  it("reads amounts as typed and refuses what is no amount", () => {
    expect(validateStep("target", custom({ targetAmount: "ten" }), TODAY).targetAmount).toMatch(/Enter an amount in dollars/);
    expect(validateStep("target", custom({ targetAmount: "10.505" }), TODAY).targetAmount).toBe("Use at most two decimals (cents)");
    expect(validateStep("target", custom({ targetAmount: "2000000000000" }), TODAY).targetAmount).toMatch(/at most/);
    expect(validateStep("target", custom({ currentAmount: "-5" }), TODAY).currentAmount).toMatch(/Enter an amount in dollars/);
  });

  it("lets a decreasing goal aim at 0 from where it stands now", () => {
    const debt = custom({ type: "debt", targetAmount: "0", currentAmount: "" });
    expect(validateStep("target", debt, TODAY)).toEqual({
      currentAmount: "For a goal that goes down, enter where it stands now, above the target",
    });
    expect(validateStep("target", { ...debt, currentAmount: "8500" }, TODAY)).toEqual({});
  });

  it("takes a deadline of today or later, or none", () => {
    expect(validateStep("target", custom({ deadline: "2026-12-02" }), TODAY)).toEqual({ deadline: "Choose today or a later date" });
    expect(validateStep("target", custom({ deadline: TODAY }), TODAY)).toEqual({});
    expect(validateStep("target", custom({ deadline: "" }), TODAY)).toEqual({});
  });

  it("asks a template for its parameters and budget figures, with the defaults filled in", () => {
    const draft = draftFromTemplate(emptyDraft(), DOWN_PAYMENT, TODAY);
    expect(stepFields("target", draft)).toEqual(["parameter:home_price", "parameter:down_payment_percent", "deadline"]);
    expect(draft.parameters).toEqual({ home_price: "", down_payment_percent: "20" });
    expect(validateStep("target", draft, TODAY)).toEqual({ "parameter:home_price": "Enter target home price" });
    const priced = { ...draft, parameters: { home_price: "400000", down_payment_percent: "120" } };
    expect(validateStep("target", priced, TODAY)).toEqual({
      "parameter:down_payment_percent": "Enter a percentage above 0 and at most 100",
    });
  });

  it("leaves a template's budget figures optional (the latest stored budget is used)", () => {
    const draft = draftFromTemplate(emptyDraft(), EMERGENCY_FUND, TODAY);
    expect(stepFields("target", draft)).toEqual(["budget:monthly_expenses", "deadline"]);
    expect(validateStep("target", draft, TODAY)).toEqual({});
    const typo = { ...draft, budget: { ...draft.budget, monthly_expenses: "4,5OO" } };
    expect(validateStep("target", typo, TODAY)["budget:monthly_expenses"]).toMatch(/Enter an amount/);
  });

  it("checks a retirement age against the current age", () => {
    const draft = draftFromTemplate(emptyDraft(), RETIREMENT, TODAY);
    const young = { ...draft, parameters: { retirement_age: "65", current_age: "70", target_income: "60000" } };
    expect(validateStep("target", young, TODAY)).toEqual({ "parameter:retirement_age": "Enter an age above your current age" });
  });
});

describe("step 4: reminders and alerts", () => {
  it("takes a reminder day every month has", () => {
    expect(validateStep("reminders", custom({ reminderDay: "28" }), TODAY)).toEqual({});
    expect(validateStep("reminders", custom({ reminderDay: "29" }), TODAY)).toEqual({ reminderDay: "Choose a day from 1 to 28" });
    expect(validateStep("reminders", custom({ reminderDay: "1.5" }), TODAY)).toEqual({ reminderDay: "Choose a day from 1 to 28" });
  });
});

describe("step 5: review", () => {
  it("has nothing of its own to check, but finds the first step still to fix", () => {
    expect(validateStep("review", custom(), TODAY)).toEqual({});
    expect(firstInvalidStep(custom(), TODAY)).toBeNull();
    expect(firstInvalidStep(custom({ targetAmount: "" }), TODAY)).toBe(2);
    expect(firstInvalidStep(emptyDraft(), TODAY)).toBe(0);
  });
});
