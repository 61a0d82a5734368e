import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { Route } from "wouter";
import { ApiError } from "../api/client";
import type { Goal, ProgressEntry } from "../api/types/goals";
import { fakeApi, renderPage, type FakeApi } from "./alerts/renderPage";
import { goal, milestone, summary } from "./goals/fixtures";
import { GoalPage } from "./GoalPage";

const house = goal("g1", {
  name: "House",
  current_amount: 5500,
  percent_complete: 55,
  milestones: [
    milestone("m1", { amount: 5000, description: "Halfway", reached: true, reached_date: "2026-02-01" }),
    milestone("m2", { amount: 8000, description: "Almost" }),
  ],
});

const entry: ProgressEntry = {
  id: "e1",
  goal_id: "g1",
  period_date: "2026-02-01",
  value_at_period: 5500,
  contribution_amount: 3000,
  progress_percent: 55,
  on_track: true,
  source: "manual",
  recorded_at: "2026-02-01T10:00:00+00:00",
  notes: "Bonus",
};

let api: FakeApi;

function serve(answers: { goal?: Goal | Error; history?: ProgressEntry[]; funding?: unknown[] } = {}) {
  const { goal: one = house, history = [entry], funding = [] } = answers;
  api.get.mockImplementation(async (path: string) => {
    if (path === "/goals/g1") {
      if (one instanceof Error) throw one;
      return one;
    }
    if (path === "/goals/g1/progress") return summary(one instanceof Error ? house : one);
    if (path === "/goals/g1/progress/history") return history;
    if (path === "/goals/g1/funding") return funding;
    throw new ApiError(404, "Not found");
  });
}

function open() {
  return renderPage(
    <Route path="/goals/:id">
      <GoalPage />
    </Route>,
    api,
    "/goals/g1",
  );
}

beforeEach(() => {
  api = fakeApi();
});

describe("GoalPage", () => {
  it("shows the goal's progress, chart, milestones with the reached one marked, and entries", async () => {
    serve();
    open();
    expect(screen.getByRole("status")).toHaveTextContent("Loading the goal…");
    expect(await screen.findByRole("heading", { level: 1, name: "House" })).toBeInTheDocument();
    const ring = screen.getByRole("progressbar", { name: "House progress" });
    expect(ring).toHaveAttribute("aria-valuetext", "55% complete");
    expect(await screen.findByRole("img", { name: "House: amount over time" })).toBeInTheDocument();
    const milestones = screen.getByRole("heading", { name: "Milestones" }).closest("section")!;
    expect(within(milestones).getByText("1 of 2 reached.")).toBeInTheDocument();
    expect(within(milestones).getByText("Reached on Feb 1, 2026")).toBeInTheDocument();
    expect(within(milestones).getByText("Not reached yet")).toBeInTheDocument();
    const entries = screen.getByRole("region", { name: "Progress entries table" });
    expect(within(entries).getByText("+$3,000.00")).toBeInTheDocument();
    expect(within(entries).getByText("Bonus")).toBeInTheDocument();
    expect(screen.getByText(/No funding sources yet/)).toBeInTheDocument();
  });

  it("says there is no such goal, with a way back", async () => {
    serve({ goal: new ApiError(404, "Goal not found") });
    open();
    expect(await screen.findByRole("heading", { level: 1, name: "No such goal" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the dashboard" })).toHaveAttribute("href", "/app/");
  });

  it("shows the API's detail when the goal cannot be read", async () => {
    serve({ goal: new ApiError(502, "The service is unavailable") });
    open();
    expect(await screen.findByRole("alert")).toHaveTextContent("The service is unavailable");
  });

  it("checks the progress form, then records a contribution with one idempotency key across retries", async () => {
    serve({ history: [] });
    open();
    expect(await screen.findByText(/No progress recorded yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Record progress" }));
    expect(screen.getByLabelText("Contribution")).toHaveAccessibleDescription("Enter an amount.");
    expect(api.post).not.toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText("Contribution"), "2500");
    const almostReached: Goal = {
      ...house,
      milestones: house.milestones.map((one) => ({ ...one, reached: true, reached_date: "2026-03-10" })),
    };
    serve({ goal: almostReached, history: [] });
    api.post.mockRejectedValueOnce(new ApiError(502, "Try again later"));
    await userEvent.click(screen.getByRole("button", { name: "Record progress" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Try again later");
    api.post.mockResolvedValueOnce({ ...entry, value_at_period: 8000 });
    await userEvent.click(screen.getByRole("button", { name: "Record progress" }));
    expect(await screen.findByText("Recorded: the amount is now $8,000.00.")).toBeInTheDocument();

    const [first, second] = api.post.mock.calls;
    expect(first![0]).toBe("/goals/g1/progress");
    expect(first![1]).toEqual({ contribution_amount: 2500 });
    expect(second![2].idempotencyKey).toBe(first![2].idempotencyKey);
    // The goal's reads are made again, so the milestone and chart move; a milestone newly reached is announced.
    await waitFor(() => expect(api.get.mock.calls.filter((call) => call[0] === "/goals/g1").length).toBeGreaterThan(1));
    expect(await screen.findByText("Milestone reached: Almost.")).toBeInTheDocument();
  });

  it("sets the amount and refuses a future date", async () => {
    serve();
    open();
    await userEvent.click(await screen.findByRole("radio", { name: "Set the amount it is at now" }));
    await userEvent.type(screen.getByLabelText("New amount"), "-5");
    await userEvent.type(screen.getByLabelText("Date"), "2999-01-01");
    await userEvent.click(screen.getByRole("button", { name: "Record progress" }));
    expect(screen.getByLabelText("New amount")).toHaveAccessibleDescription("The amount cannot be negative.");
    expect(screen.getByLabelText("Date")).toHaveAccessibleDescription(
      "Leave empty for today. The date cannot be in the future.",
    );
    expect(api.post).not.toHaveBeenCalled();
  });

  it("pauses the goal and shows a refusal as the API's detail", async () => {
    serve();
    open();
    api.post.mockRejectedValueOnce(new ApiError(409, "The goal is completed; it can no longer change"));
    await userEvent.click(await screen.findByRole("button", { name: "Pause goal" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The goal is completed; it can no longer change");
    expect(api.post).toHaveBeenCalledWith("/goals/g1/pause");
  });

  it("asks before abandoning, which is final", async () => {
    serve();
    open();
    api.post.mockResolvedValueOnce({ ...house, status: "abandoned" });
    await userEvent.click(await screen.findByRole("button", { name: "Abandon goal" }));
    expect(screen.getByText(/An abandoned goal can no longer change/)).toBeInTheDocument();
    expect(api.post).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Yes, abandon goal" }));
    expect(await screen.findByText("The goal is now abandoned.")).toBeInTheDocument();
    expect(api.post).toHaveBeenCalledWith("/goals/g1/abandon");
  });

  it("adds, edits and deletes milestones", async () => {
    serve();
    open();
    await screen.findByRole("heading", { level: 1, name: "House" });
    await userEvent.click(screen.getByRole("button", { name: "Add milestone" }));
    expect(screen.getByLabelText("Description")).toHaveAccessibleDescription(
      "Describe the milestone, such as “Halfway there”.",
    );

    api.post.mockResolvedValueOnce(milestone("m3"));
    await userEvent.type(screen.getByLabelText("Milestone amount"), "9000");
    await userEvent.type(screen.getByLabelText("Description"), "Nearly there");
    await userEvent.click(screen.getByRole("button", { name: "Add milestone" }));
    await waitFor(() =>
      expect(api.post).toHaveBeenCalledWith(
        "/goals/g1/milestones",
        { amount: 9000, description: "Nearly there" },
        { idempotencyKey: expect.any(String) },
      ),
    );

    api.patch.mockResolvedValueOnce(milestone("m2"));
    await userEvent.click(screen.getByRole("button", { name: "Edit milestone Almost" }));
    const amount = screen.getAllByLabelText("Milestone amount")[0]!;
    await userEvent.clear(amount);
    await userEvent.type(amount, "7500");
    await userEvent.click(screen.getByRole("button", { name: "Save milestone" }));
    await waitFor(() =>
      expect(api.patch).toHaveBeenCalledWith("/goals/g1/milestones/m2", {
        amount: 7500,
        description: "Almost",
        target_date: null,
      }),
    );

    api.delete.mockResolvedValueOnce(null);
    await userEvent.click(screen.getByRole("button", { name: "Delete milestone Halfway" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    await waitFor(() => expect(api.delete).toHaveBeenCalledWith("/goals/g1/milestones/m1"));
  });

  it("keeps keyboard focus in place as inline editors and questions open and close", async () => {
    serve();
    open();
    await userEvent.click(await screen.findByRole("button", { name: "Delete milestone Halfway" }));
    expect(screen.getByRole("button", { name: "Keep it" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Keep it" }));
    expect(screen.getByRole("button", { name: "Delete milestone Halfway" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Edit milestone Almost" }));
    expect(screen.getAllByLabelText("Milestone amount")[0]).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("button", { name: "Edit milestone Almost" })).toHaveFocus();
  });

  it("changes the goal's details, sending only what changed, and shows a refusal as the API's detail", async () => {
    serve();
    open();
    await userEvent.click(await screen.findByText("Change the name, target, deadline or description"));
    await userEvent.clear(screen.getByLabelText("Name"));
    await userEvent.click(screen.getByRole("button", { name: "Save details" }));
    expect(screen.getByLabelText("Name")).toHaveAccessibleDescription("Give the goal a name.");

    await userEvent.type(screen.getByLabelText("Name"), "Bigger house");
    await userEvent.clear(screen.getByLabelText("Deadline"));
    api.patch.mockRejectedValueOnce(new ApiError(400, "An increasing goal needs a target above its start"));
    await userEvent.click(screen.getByRole("button", { name: "Save details" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("An increasing goal needs a target above its start");
    expect(api.patch).toHaveBeenCalledWith("/goals/g1", { name: "Bigger house", deadline: null });
  });

  it("links a funding account and shows a refusal over 100% as the API's detail", async () => {
    serve({ funding: [{ account_id: "acc-1", account_name: "Checking", allocation_percent: 60 }] });
    open();
    expect(await screen.findByText("Checking")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Account id"), "acc-2");
    await userEvent.type(screen.getByLabelText("Share of the account (%)"), "50");
    api.post.mockRejectedValueOnce(new ApiError(400, "Total allocation would exceed 100%"));
    await userEvent.click(screen.getByRole("button", { name: "Link account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Total allocation would exceed 100%");
    expect(api.post).toHaveBeenCalledWith(
      "/goals/g1/funding",
      { account_id: "acc-2", allocation_percent: 50 },
      { idempotencyKey: expect.any(String) },
    );
  });
});
