import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import type { GoalPreview } from "../../api/types/wizard";
import { cannedApi, deferred, renderApp, type Handler } from "./appHarness";
import { addCalendarMonths, localToday } from "./draft";
import { EMERGENCY_FUND } from "./fixtures";

const IN_TWO_YEARS = addCalendarMonths(localToday(), 24);
const SAVED_ALERTS = ["off_track", "milestone_50", "goal_completed", "update_reminder", "position_closed"];

function plan(explanation: string, target = 27000): GoalPreview {
  return {
    goal: {
      name: "Emergency Fund",
      type: "savings",
      description: null,
      target_amount: target,
      current_amount: 0,
      start_amount: 0,
      deadline: `${IN_TWO_YEARS}T00:00:00+00:00`,
      template_id: null,
    },
    required_monthly_contribution: 1125,
    months: 24,
    suggested_target_date: null,
    explanation,
  };
}

function api(overrides: Record<string, Handler> = {}) {
  return cannedApi({
    "GET /goals/templates": () => [EMERGENCY_FUND],
    "GET /alerts/preferences": () => ({ enabled_alerts: SAVED_ALERTS }),
    "POST /goals/preview": () => plan("Save $1,125 a month for 24 months to reach $27,000"),
    "POST /goals": (body) => ({ id: "g1", ...(body as object) }),
    "PATCH /alerts/preferences": (body) => body,
    ...overrides,
  });
}

async function next() {
  await userEvent.click(screen.getByRole("button", { name: "Next" }));
}

async function stepHeading(title: string) {
  return screen.findByRole("heading", { level: 2, name: new RegExp(`${title}$`) });
}

/** Custom goal, through details, onto the target step. */
async function toTargetStep() {
  await userEvent.click(await screen.findByRole("radio", { name: /Custom goal/ }));
  await next();
  await stepHeading("Details");
  await userEvent.type(screen.getByLabelText("Name"), "Emergency Fund");
  await userEvent.selectOptions(screen.getByLabelText("Goal type"), "savings");
  await next();
  await stepHeading("Target and date");
}

// Whole flows through the app take seconds of typing; a busy machine (make test runs suites side by side) more.
describe("the new-goal wizard", { timeout: 30_000 }, () => {
  it("walks a custom goal through the five steps, with the plan live, and opens the new goal", async () => {
    const fake = api();
    renderApp("/goals/new", fake);
    expect(await stepHeading("Template or custom")).toBeInTheDocument();
    const steps = screen.getByRole("list", { name: "Steps" });
    expect(within(steps).getAllByRole("listitem")[0]).toHaveAttribute("aria-current", "step");

    await toTargetStep();
    expect(within(steps).getAllByRole("listitem")[2]).toHaveAttribute("aria-current", "step");
    expect(screen.getByText("Enter a target amount to see your plan.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Target amount"), "27,000");
    fireEvent.change(screen.getByLabelText("Deadline (optional)"), { target: { value: IN_TWO_YEARS } });
    expect(await screen.findByText("Save $1,125 a month for 24 months to reach $27,000")).toBeInTheDocument();
    const previewed = fake.post.mock.calls.filter(([path]) => path === "/goals/preview");
    // Debounced: one request for what was finally typed, not one per keystroke.
    expect(previewed.length).toBeLessThanOrEqual(2);
    expect(previewed.at(-1)![1]).toEqual({
      name: "Emergency Fund",
      type: "savings",
      target_amount: 27000,
      deadline: IN_TWO_YEARS,
      reminder_day: 1,
    });
    await next();

    await stepHeading("Reminders and alerts");
    await userEvent.selectOptions(screen.getByLabelText("Reminder day of the month"), "15");
    await userEvent.click(await screen.findByRole("checkbox", { name: "Halfway there" }));
    expect(screen.getByRole("checkbox", { name: "The goal falls off track" })).toBeChecked();
    await next();

    await stepHeading("Review");
    expect(screen.getByText("Day 15 of each month")).toBeInTheDocument();
    expect(screen.getAllByText("$27,000.00").length).toBeGreaterThan(0);
    expect(await screen.findByText("Save $1,125 a month for 24 months to reach $27,000")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Create goal" }));

    await waitFor(() => expect(window.location.pathname).toBe("/app/goals/g1"));
    expect(fake.patch).toHaveBeenCalledWith("/alerts/preferences", {
      enabled_alerts: ["position_closed", "update_reminder", "off_track", "goal_completed"],
    });
    const create = fake.post.mock.calls.find(([path]) => path === "/goals")!;
    expect(create[1]).toEqual({
      name: "Emergency Fund",
      type: "savings",
      target_amount: 27000,
      deadline: IN_TWO_YEARS,
      reminder_day: 15,
    });
    expect(create[2]).toEqual({ idempotencyKey: expect.any(String) });
  });

  it("checks each step before Next and puts the focus on what to fix", async () => {
    renderApp("/goals/new", api());
    await stepHeading("Template or custom");
    await next();
    expect(screen.getByText("Choose a template or a custom goal")).toBeInTheDocument();
    expect(await stepHeading("Template or custom")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("radio", { name: /Custom goal/ }));
    await next();
    const heading = await stepHeading("Details");
    expect(heading).toHaveFocus();
    await next();
    expect(screen.getByLabelText("Name")).toHaveFocus();
    expect(screen.getByLabelText("Name")).toHaveAccessibleDescription("Enter a name for the goal");
    expect(screen.getByLabelText("Goal type")).toHaveAttribute("aria-invalid", "true");
    // The error goes once it is fixed.
    await userEvent.type(screen.getByLabelText("Name"), "Boat");
    expect(screen.queryByText("Enter a name for the goal")).not.toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText("Goal type"), "savings");
    await next();
    await stepHeading("Target and date");
    await userEvent.type(screen.getByLabelText("Target amount"), "0");
    await next();
    expect(screen.getByLabelText("Target amount")).toHaveAccessibleDescription("Enter an amount above 0");
    // The plan says the same instead of asking the API for what it would refuse.
    expect(screen.getByTestId("plan")).toHaveTextContent("Enter an amount above 0");
    await userEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(await stepHeading("Details")).toHaveFocus();
    expect(screen.getByLabelText("Name")).toHaveValue("Boat");
  });

  it("lets a template fill in the later steps and creates from it", async () => {
    const fake = api({
      "POST /goals/preview": () => plan("Save $1,125 a month for 24 months to reach $27,000"),
      "POST /goals/from-template": () => ({ id: "t1", template_id: "emergency_fund_6_months" }),
      "PATCH /goals/t1": (body) => ({ id: "t1", ...(body as object) }),
    });
    const fromTemplate = {
      template_id: "emergency_fund_6_months",
      name: "6-Month Emergency Fund",
      budget: { monthly_expenses: 4500 },
      target_date: IN_TWO_YEARS,
    };
    renderApp("/goals/new", fake);
    await userEvent.click(await screen.findByRole("radio", { name: /6-Month Emergency Fund/ }));
    await next();
    await stepHeading("Details");
    expect(screen.getByLabelText("Name")).toHaveValue("6-Month Emergency Fund");
    expect(screen.getByText("Automate a transfer on payday so saving happens before spending")).toBeInTheDocument();
    await next();

    await stepHeading("Target and date");
    expect(screen.getByLabelText("Target date")).toHaveValue(IN_TWO_YEARS);
    await userEvent.type(screen.getByLabelText("Monthly expenses (optional)"), "4500");
    expect(await screen.findByText("Save $1,125 a month for 24 months to reach $27,000")).toBeInTheDocument();
    await waitFor(() =>
      expect(fake.post).toHaveBeenLastCalledWith(
        "/goals/preview",
        fromTemplate,
        expect.anything(),
      ),
    );
    await next();
    await stepHeading("Reminders and alerts");
    await userEvent.selectOptions(screen.getByLabelText("Reminder day of the month"), "5");
    await next();
    await stepHeading("Review");
    expect(screen.getByText("Template: 6-Month Emergency Fund")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Create goal" }));

    await waitFor(() => expect(window.location.pathname).toBe("/app/goals/t1"));
    expect(fake.post).toHaveBeenCalledWith(
      "/goals/from-template",
      fromTemplate,
      { idempotencyKey: expect.any(String) },
    );
    expect(fake.patch).toHaveBeenCalledWith("/goals/t1", { reminder_day: 5 });
    // The alert choice was not changed: the preferences are left alone.
    expect(fake.patch).not.toHaveBeenCalledWith("/alerts/preferences", expect.anything());
  });

  it("shows the preview's 400 or 422 detail next to the fields", async () => {
    renderApp(
      "/goals/new",
      api({
        "POST /goals/preview": () => {
          throw new ApiError(422, "target_amount: Value error, an increasing goal needs a target above its start");
        },
      }),
    );
    await toTargetStep();
    await userEvent.type(screen.getByLabelText("Target amount"), "5");
    expect(await screen.findByText(/an increasing goal needs a target above its start/)).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: /Target and date$/ })).toBeInTheDocument();
  });

  it("drops a preview answer that arrives after a newer one", async () => {
    const slow = deferred<GoalPreview>();
    const fake = api({
      "POST /goals/preview": (body) =>
        (body as { target_amount: number }).target_amount === 100
          ? slow.promise
          : plan("Save $500 a month for 24 months to reach $12,000", 12000),
    });
    renderApp("/goals/new", fake);
    await toTargetStep();
    const target = screen.getByLabelText("Target amount");
    await userEvent.type(target, "100");
    await waitFor(() => expect(fake.post).toHaveBeenCalledWith("/goals/preview", expect.objectContaining({ target_amount: 100 }), expect.anything()));
    await userEvent.clear(target);
    await userEvent.type(target, "12000");
    expect(await screen.findByText("Save $500 a month for 24 months to reach $12,000")).toBeInTheDocument();
    slow.resolve(plan("Save $4 a month for 24 months to reach $100", 100));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByText(/reach \$100$/)).not.toBeInTheDocument();
    expect(screen.getByText("Save $500 a month for 24 months to reach $12,000")).toBeInTheDocument();
  });

  it("says why a create failed and retries it with the same Idempotency-Key", async () => {
    let attempts = 0;
    const fake = api({
      "POST /goals": (body) => {
        attempts += 1;
        if (attempts === 1) throw new ApiError(0, "The API could not be reached; check your connection");
        return { id: "g2", ...(body as object) };
      },
    });
    renderApp("/goals/new", fake);
    await toTargetStep();
    await userEvent.type(screen.getByLabelText("Target amount"), "1000");
    await next();
    await stepHeading("Reminders and alerts");
    await next();
    await stepHeading("Review");
    await userEvent.click(screen.getByRole("button", { name: "Create goal" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The API could not be reached; check your connection");
    await userEvent.click(screen.getByRole("button", { name: "Create goal" }));
    await waitFor(() => expect(window.location.pathname).toBe("/app/goals/g2"));
    const keys = fake.post.mock.calls.filter(([path]) => path === "/goals").map(([, , options]) => options);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual(keys[1]);
  });

  it("still offers a custom goal when the templates cannot be loaded", async () => {
    renderApp(
      "/goals/new",
      api({
        "GET /goals/templates": () => {
          throw new ApiError(502, "Service unavailable");
        },
      }),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("The templates could not be loaded: Service unavailable");
    expect(screen.getByRole("radio", { name: /Custom goal/ })).toBeInTheDocument();
  });

  it("goes back to a step from the review to change it", async () => {
    renderApp("/goals/new", api());
    await toTargetStep();
    await userEvent.type(screen.getByLabelText("Target amount"), "1000");
    await next();
    await next();
    await stepHeading("Review");
    await userEvent.click(screen.getByRole("button", { name: "Change name" }));
    expect(await stepHeading("Details")).toHaveFocus();
  });
});
