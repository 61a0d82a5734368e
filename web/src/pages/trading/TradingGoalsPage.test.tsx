import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import type { TradingHistoryResponse, TradingStatusResponse } from "../../api/types/trading";
import { cannedApi, deferred, renderApp, type Handler } from "../wizard/appHarness";

const STATUS: TradingStatusResponse = {
  success: true,
  timestamp: "2026-12-03T12:00:00+00:00",
  goals: [
    { goal_type: "monthly_income", target_value: 2000, current_value: 1450, progress_percent: 72.5, status: "at_risk", updated_at: "2026-12-02T23:59:00+00:00" },
    { goal_type: "monthly_return", target_value: 5, current_value: 4.21, progress_percent: 84.2, status: "at_risk", updated_at: null },
    { goal_type: "portfolio_value", target_value: 50000, current_value: 51000, progress_percent: 102, status: "achieved", updated_at: null },
  ],
};

const HISTORY: TradingHistoryResponse = {
  success: true,
  goal_type: "monthly_income",
  days: 30,
  history: [
    { date: "2026-12-02", actual_value: 1450, target_value: 2000, variance_percent: -27.5, status: "behind" },
    { date: "2026-12-01", actual_value: 150, target_value: 2000, variance_percent: -92.5, status: "behind" },
  ],
};

function api(overrides: Record<string, Handler> = {}) {
  return cannedApi({
    "GET /goals/status": () => STATUS,
    "GET /goals/history/monthly_income": () => HISTORY,
    "GET /goals/history/portfolio_value": () => ({ ...HISTORY, goal_type: "portfolio_value", history: [] }),
    "GET /goals/targets/history": () => [],
    ...overrides,
  });
}

describe("the trading goals page", { timeout: 30_000 }, () => {
  it("says it is loading, then shows the three goals with units and status in words", async () => {
    const status = deferred<TradingStatusResponse>();
    renderApp("/trading-goals", api({ "GET /goals/status": () => status.promise }));
    expect(await screen.findByText("Loading your trading goals…")).toHaveAttribute("role", "status");
    status.resolve(STATUS);
    const income = (await screen.findByRole("heading", { level: 3, name: "Monthly income" })).closest("li")!;
    expect(income).toHaveTextContent("$1,450.00 of $2,000.00");
    expect(income).toHaveTextContent("72.5% of target · At risk");
    const returns = screen.getByRole("heading", { level: 3, name: "Monthly return" }).closest("li")!;
    expect(returns).toHaveTextContent("4.21% of 5.00%");
    expect(returns).toHaveTextContent("Not evaluated yet");
    expect(screen.getByRole("heading", { level: 3, name: "Portfolio value" }).closest("li")).toHaveTextContent("Achieved");
  });

  it("shows the API's detail when the goals cannot be read", async () => {
    renderApp(
      "/trading-goals",
      api({
        "GET /goals/status": () => {
          throw new ApiError(502, "Market data provider unavailable");
        },
      }),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("Market data provider unavailable");
  });

  it("charts a goal's history and says what to do when there is none", async () => {
    const fake = api();
    renderApp("/trading-goals", fake);
    expect(await screen.findByRole("img", { name: "Monthly income and its target, last 30 days" })).toBeInTheDocument();
    expect(fake.get).toHaveBeenCalledWith("/goals/history/monthly_income", { days: 30 });
    await userEvent.selectOptions(screen.getByLabelText("Goal"), "portfolio_value");
    expect(await screen.findByText(/No portfolio value history in the last 30 days yet/)).toBeInTheDocument();
    expect(screen.getByText(/No target changes yet/)).toBeInTheDocument();
  });

  it("checks the targets, sends only the changed ones and shows what was saved", async () => {
    const fake = api({
      "PUT /goals/targets?monthly_income_target=2500": () => ({
        success: true,
        updates: { monthly_income_target: 2500 },
        message: "Goal targets updated successfully",
      }),
    });
    renderApp("/trading-goals", fake);
    const income = await screen.findByLabelText("Monthly income target ($)");
    expect(income).toHaveValue("2000");
    await userEvent.click(screen.getByRole("button", { name: "Save targets" }));
    expect(await screen.findByText("Nothing to save: change a target first.")).toBeInTheDocument();

    const returns = screen.getByLabelText("Monthly return target (%)");
    await userEvent.clear(returns);
    await userEvent.type(returns, "51");
    await userEvent.click(screen.getByRole("button", { name: "Save targets" }));
    expect(returns).toHaveFocus();
    expect(returns).toHaveAccessibleDescription(/Enter a target from 0\.1% to 50%/);
    expect(fake.put).not.toHaveBeenCalled();

    await userEvent.clear(returns);
    await userEvent.type(returns, "5");
    await userEvent.clear(income);
    await userEvent.type(income, "2,500");
    await userEvent.click(screen.getByRole("button", { name: "Save targets" }));
    expect(await screen.findByText("Targets saved: Monthly income: $2,500.00.")).toBeInTheDocument();
    expect(fake.put).toHaveBeenCalledWith("/goals/targets?monthly_income_target=2500");
    // The goals are read again after the write.
    await waitFor(() => expect(fake.get.mock.calls.filter(([path]) => path === "/goals/status").length).toBeGreaterThan(1));
  });

  it("shows the API's detail when the targets are refused", async () => {
    renderApp(
      "/trading-goals",
      api({
        "PUT /goals/targets?portfolio_value_target=60000": () => {
          throw new ApiError(400, "At least one target must be provided");
        },
      }),
    );
    const value = await screen.findByLabelText("Portfolio value target ($)");
    await userEvent.clear(value);
    await userEvent.type(value, "60000");
    await userEvent.click(screen.getByRole("button", { name: "Save targets" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("At least one target must be provided");
  });

  it("takes a snapshot on demand", async () => {
    const fake = api({
      "POST /goals/manual-snapshot": () => ({ success: true, message: "Manual goal snapshot completed", timestamp: "2026-12-03T12:30:00+00:00" }),
    });
    renderApp("/trading-goals", fake);
    await userEvent.click(await screen.findByRole("button", { name: "Take a snapshot now" }));
    expect(await screen.findByText(/^Snapshot taken/)).toBeInTheDocument();
    expect(fake.post).toHaveBeenCalledWith("/goals/manual-snapshot");
  });

  it("records a loss, retrying with the same Idempotency-Key", async () => {
    let attempts = 0;
    const fake = api({
      "POST /goals/record-profit?profit=-75.5": () => {
        attempts += 1;
        if (attempts === 1) throw new ApiError(0, "The API could not be reached; check your connection");
        return { success: true, profit_recorded: -75.5, month_to_date: 1374.5, message: "Profit recorded successfully" };
      },
    });
    renderApp("/trading-goals", fake);
    const section = (await screen.findByRole("heading", { level: 2, name: "Record a profit" })).closest("section")!;
    await userEvent.click(within(section).getByRole("button", { name: "Record profit" }));
    expect(within(section).getByLabelText("Profit ($)")).toHaveAccessibleDescription(/Enter the profit/);
    await userEvent.type(within(section).getByLabelText("Profit ($)"), "-75.50");
    await userEvent.click(within(section).getByRole("button", { name: "Record profit" }));
    expect(await within(section).findByRole("alert")).toHaveTextContent("could not be reached");
    await userEvent.click(within(section).getByRole("button", { name: "Record profit" }));
    expect(await within(section).findByText("Recorded -$75.50. This month's income so far: $1,374.50.")).toBeInTheDocument();
    const keys = fake.post.mock.calls.map(([, , options]) => options);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual(keys[1]);
  });
});
