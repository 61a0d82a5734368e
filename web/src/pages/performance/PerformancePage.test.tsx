import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Metrics, Performance } from "../../api/types/positions";
import { PerformancePage } from "../PerformancePage";
import { failing, fakeApi, pending, renderPage } from "../portfolio/testing";

function metrics(overrides: Partial<Metrics> = {}): Metrics {
  return {
    strategy: null,
    bot_id: null,
    prompt_id: null,
    total_trades: 10,
    winning_trades: 7,
    losing_trades: 3,
    win_rate: 70,
    total_pnl: 1250.5,
    avg_pnl: 125.05,
    avg_win: 250,
    avg_loss: -166.5,
    profit_factor: 3.5,
    tp_hit_rate: 50,
    sl_hit_rate: 30,
    manual_exit_rate: 20,
    avg_planned_rr: 2.5,
    avg_actual_rr: 1.8,
    rr_achievement_rate: 72,
    avg_slippage: 0.12,
    total_fees: 12.5,
    avg_trade_duration_minutes: 95,
    expectancy: 125.05,
    expectancy_ratio: 0.75,
    ...overrides,
  };
}

function performance(overrides: Partial<Performance> = {}): Performance {
  return {
    ...metrics(),
    max_drawdown_percent: 8.3,
    max_drawdown_start: "2026-11-01T00:00:00+00:00",
    max_drawdown_end: "2026-11-05T00:00:00+00:00",
    sharpe_ratio: 1.25,
    sortino_ratio: 1.8,
    cagr_percent: null,
    calmar_ratio: null,
    by_strategy: { breakout: metrics({ strategy: "breakout", total_trades: 4, total_pnl: -20 }) },
    by_bot: { "bot-7": metrics({ bot_id: "bot-7", total_trades: 6 }) },
    by_prompt: {},
    ...overrides,
  };
}

function figure(term: string): HTMLElement {
  return screen.getByText(term, { selector: "dt" }).nextElementSibling as HTMLElement;
}

describe("PerformancePage", () => {
  it("says it is loading", () => {
    renderPage(<PerformancePage />, fakeApi({ "GET /performance": pending }).api, "/performance");
    expect(screen.getByRole("status")).toHaveTextContent("Loading your performance…");
  });

  it("shows the API's detail when the metrics cannot be read", async () => {
    const { api } = fakeApi({ "GET /performance": failing(400, "Give at most one of strategy, bot_id, prompt_id") });
    renderPage(<PerformancePage />, api, "/performance");
    expect(await screen.findByRole("alert")).toHaveTextContent("Give at most one of strategy, bot_id, prompt_id");
  });

  it("shows the trades' metrics and the portfolio's ratios", async () => {
    renderPage(<PerformancePage />, fakeApi({ "GET /performance": () => performance() }).api, "/performance");
    await screen.findByRole("heading", { name: "Results" });
    expect(figure("Win rate")).toHaveTextContent("70%");
    expect(figure("Total P&L")).toHaveTextContent("+$1,250.50");
    expect(figure("Average loss")).toHaveTextContent("-$166.50");
    expect(figure("Profit factor")).toHaveTextContent("3.5");
    expect(figure("Achieved of plan")).toHaveTextContent("72%");
    expect(figure("Sharpe ratio")).toHaveTextContent("1.25");
    expect(figure("Largest drawdown")).toHaveTextContent("8.3%");
    expect(figure("Calmar ratio")).toHaveTextContent("—");
  });

  it("breaks the trades down by strategy, bot and prompt", async () => {
    renderPage(<PerformancePage />, fakeApi({ "GET /performance": () => performance() }).api, "/performance");
    const byStrategy = await screen.findByRole("button", { name: "By strategy" });
    expect(byStrategy).toHaveAttribute("aria-pressed", "true");
    const row = within(screen.getByRole("region", { name: /strategy table/ })).getByRole("row", { name: /breakout/ });
    expect(row).toHaveTextContent("-$20.00");

    await userEvent.click(screen.getByRole("button", { name: "By bot" }));
    expect(screen.getByRole("button", { name: "By bot" })).toHaveAttribute("aria-pressed", "true");
    const byBot = screen.getByRole("region", { name: /bot table/ });
    expect(within(byBot).getByRole("row", { name: /bot-7/ })).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "By prompt" }));
    expect(screen.getByText(/No closed trade names a prompt yet/)).toBeInTheDocument();
  });

  it("says how to get metrics when no trade is closed", async () => {
    const none = performance({ ...metrics({ total_trades: 0, winning_trades: 0, losing_trades: 0 }), by_strategy: {} });
    renderPage(<PerformancePage />, fakeApi({ "GET /performance": () => none }).api, "/performance");
    expect(await screen.findByRole("link", { name: "Open and close positions" })).toHaveAttribute(
      "href",
      "/app/positions",
    );
  });
});
