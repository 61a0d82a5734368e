import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { Portfolio } from "../api/types/portfolio";
import { fakeApi, renderPage, type FakeApi } from "./alerts/renderPage";
import { DashboardPage } from "./DashboardPage";
import { dashboardGoal, milestone } from "./goals/fixtures";

const PORTFOLIO: Portfolio = {
  total_value: 125000.5,
  investment_value: 120000,
  cash_balance: 5000.5,
  positions: [],
  last_updated: null,
  price_fresh: true,
  accounts: [],
};
const NO_GOALS = { goals: [], unread_alerts: 0 };
const NO_PORTFOLIO: Portfolio = { ...PORTFOLIO, total_value: 0, investment_value: 0, cash_balance: 0 };

interface Answers {
  dashboard?: unknown;
  alerts?: unknown;
  portfolio?: unknown;
}

function answering({ dashboard = NO_GOALS, alerts = [], portfolio = PORTFOLIO }: Answers): FakeApi {
  const api = fakeApi();
  const answers: Record<string, unknown> = {
    "/goals/dashboard": dashboard,
    "/alerts": alerts,
    "/portfolio/current": portfolio,
  };
  api.get.mockImplementation(async (path: string) => {
    const answer = answers[path];
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return api;
}

const house = dashboardGoal(
  "g1",
  {
    name: "House",
    percent_complete: 25,
    tracking_status: "behind",
    milestones: [milestone("m1", { amount: 5000, description: "Halfway" })],
  },
  { days_remaining: 40 },
);
const car = dashboardGoal("g2", {
  name: "Car",
  type: "major_purchase",
  percent_complete: 60,
  status: "paused",
  deadline: null,
});

describe("DashboardPage", () => {
  it("shows every goal as a card from one dashboard read, with progress, status and next milestone", async () => {
    const api = answering({ dashboard: { goals: [house, car], unread_alerts: 0 } });
    renderPage(<DashboardPage />, api, "/");
    const link = await screen.findByRole("link", { name: "House" });
    expect(link).toHaveAttribute("href", "/app/goals/g1");
    const card = link.closest("article")!;
    const ring = within(card).getByRole("progressbar", { name: "House progress" });
    expect(ring).toHaveAttribute("aria-valuetext", "25% complete");
    expect(within(card).getByText("Behind")).toBeInTheDocument();
    expect(within(card).getByText("Halfway at $5,000.00")).toBeInTheDocument();
    expect(within(card).getByText(/40 days left/)).toBeInTheDocument();
    const carCard = screen.getByRole("link", { name: "Car" }).closest("article")!;
    expect(within(carCard).getByText("None set")).toBeInTheDocument();
    expect(screen.getByText("2 goals")).toBeInTheDocument();
    // Three reads whatever the number of goals, none per goal.
    const paths = api.get.mock.calls.map((call) => call[0]).sort();
    expect(paths).toEqual(["/alerts", "/goals/dashboard", "/portfolio/current"]);
  });

  it("filters by type and status and sorts, keeping the choice in the address", async () => {
    renderPage(<DashboardPage />, answering({ dashboard: { goals: [house, car], unread_alerts: 0 } }), "/");
    await screen.findByRole("link", { name: "House" });
    const cardNames = () => screen.getAllByRole("heading", { level: 3 }).map((heading) => heading.textContent);
    expect(cardNames()).toEqual(["House", "Car"]);
    await userEvent.selectOptions(screen.getByLabelText("Sort by"), "name");
    expect(cardNames()).toEqual(["Car", "House"]);
    expect(window.location.search).toBe("?sort=name");
    await userEvent.selectOptions(screen.getByLabelText("Type"), "Major purchase");
    expect(cardNames()).toEqual(["Car"]);
    expect(screen.getByText("1 of 2 goals match")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Status"), "Active");
    expect(screen.getByText("No goal matches these filters.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Show every goal" }));
    expect(cardNames()).toEqual(["Car", "House"]);
  });

  it("lists the unread alerts with links to what they are about and to the inbox", async () => {
    const alert = {
      id: "a1",
      alert_type: "milestone_reached",
      goal_id: "g1",
      position_id: null,
      title: "Milestone reached: Halfway",
      message: "",
      severity: "info",
      created_at: "2026-03-01T12:00:00Z",
      delivered_at: null,
      read_at: null,
      channels: ["in_app"],
      action_url: "/app/goals/g1",
    };
    const api = answering({ dashboard: { goals: [house], unread_alerts: 3 }, alerts: [alert] });
    renderPage(<DashboardPage />, api, "/");
    const link = await screen.findByRole("link", { name: "Milestone reached: Halfway" });
    expect(link).toHaveAttribute("href", "/app/goals/g1");
    expect(screen.getByRole("heading", { name: "Unread alerts (3)" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "All alerts" })).toHaveAttribute("href", "/app/alerts");
    expect(api.get).toHaveBeenCalledWith("/alerts", { unread: true, limit: 5 });
  });

  it("shows the portfolio's value as money, and what to do without one", async () => {
    renderPage(<DashboardPage />, answering({}), "/");
    expect(await screen.findByText("$125,000.50")).toBeInTheDocument();
    expect(screen.getByText("Investments $120,000.00 · Cash $5,000.50")).toBeInTheDocument();
  });

  it("says what to do when there are no goals, no alerts and no portfolio", async () => {
    renderPage(<DashboardPage />, answering({ portfolio: NO_PORTFOLIO }), "/");
    expect(await screen.findByText(/No goals yet/)).toBeInTheDocument();
    expect(await screen.findByText(/No unread alerts/)).toBeInTheDocument();
    expect(await screen.findByText(/No portfolio yet/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "New goal" })).toHaveAttribute("href", "/app/goals/new");
  });

  it("says it is loading, then shows the API's detail when a read fails", async () => {
    const api = answering({ dashboard: new ApiError(502, "Goals are unavailable right now") });
    renderPage(<DashboardPage />, api, "/");
    expect(screen.getByText("Loading your goals…")).toHaveAttribute("role", "status");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Goals are unavailable right now"));
  });
});
