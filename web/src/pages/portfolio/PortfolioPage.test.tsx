import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Portfolio, ValueHistory } from "../../api/types/portfolio";
import { PortfolioPage } from "../PortfolioPage";
import { callsTo, failing, fakeApi, pending, renderPage, type Answer } from "./testing";

const PORTFOLIO: Portfolio = {
  total_value: 23000.5,
  investment_value: 18000,
  cash_balance: 5000.5,
  positions: [
    {
      ticker: "AAPL",
      side: "LONG",
      shares: 100,
      cost_basis: 15000,
      current_value: 17500,
      notional_value: 17500,
      price_per_share: 175,
      unrealized_gain_loss: 2500,
      unrealized_gain_loss_percent: 16.67,
      price_missing: false,
    },
    {
      ticker: "XYZ",
      side: "SHORT",
      shares: 5,
      cost_basis: 500,
      current_value: 500,
      notional_value: 500,
      price_per_share: null,
      unrealized_gain_loss: 0,
      unrealized_gain_loss_percent: 0,
      price_missing: true,
    },
  ],
  last_updated: "2026-12-03T10:00:00+00:00",
  price_fresh: false,
  accounts: [{ id: "a1", provider: "alpaca", label: "Paper", cash: 4000, synced_at: "2026-12-03T09:59:00+00:00" }],
};

const ALPACA_ACCOUNT = {
  id: "a1",
  provider: "alpaca",
  label: "Paper",
  key_hint: "WXYZ",
  paper: true,
  status: "active",
  cash: 4000,
  last_synced_at: "2026-12-03T09:59:00+00:00",
  last_error: null,
  created_at: "2026-12-01T00:00:00+00:00",
};

function history(timeframe: string, values: number[]): ValueHistory {
  return {
    timeframe: timeframe as ValueHistory["timeframe"],
    data_points: values.map((value, index) => ({ timestamp: `2026-12-0${index + 1}T00:00:00+00:00`, value })),
    start_value: values[0] ?? 0,
    current_value: 23000.5,
    profit_loss: values.length ? 3000.5 : 0,
    profit_loss_percent: values.length ? 15 : 0,
    data_available: values.length > 0,
  };
}

function answers(overrides: Record<string, Answer> = {}) {
  return fakeApi({
    "GET /portfolio/current": () => PORTFOLIO,
    "GET /portfolio/performance": ({ query }) => history(String(query?.timeframe), [20000, 21000, 23000.5]),
    "GET /portfolio/cash": () => ({ cash_balance: 1000.5 }),
    "GET /accounts": () => [ALPACA_ACCOUNT],
    ...overrides,
  });
}

describe("PortfolioPage", () => {
  it("says it is loading", () => {
    const { api } = answers({ "GET /portfolio/current": pending, "GET /portfolio/performance": pending });
    renderPage(<PortfolioPage />, api, "/portfolio");
    expect(screen.getByRole("heading", { level: 1, name: "Portfolio" })).toBeInTheDocument();
    expect(screen.getByText("Loading your portfolio…")).toHaveAttribute("role", "status");
    expect(screen.getByText("Loading the value chart…")).toBeInTheDocument();
  });

  it("shows the totals, the holdings with P&L and what the prices are worth", async () => {
    renderPage(<PortfolioPage />, answers().api, "/portfolio");
    expect((await screen.findByText("Total value")).nextElementSibling).toHaveTextContent("$23,000.50");
    expect(screen.getByText("Cash", { selector: "dt" }).nextElementSibling).toHaveTextContent("$5,000.50");
    const holdings = screen.getByRole("region", { name: "Holdings table" });
    const apple = within(holdings).getByRole("row", { name: /AAPL/ });
    expect(apple).toHaveTextContent("Long");
    // A holding leads to its open positions.
    expect(within(apple).getByRole("link", { name: "AAPL" })).toHaveAttribute(
      "href",
      "/app/positions?status=OPEN&symbol=AAPL",
    );
    expect(apple).toHaveTextContent("$17,500.00");
    expect(apple).toHaveTextContent("+$2,500.00 (+16.7%)");
    expect(within(holdings).getByRole("row", { name: /XYZ/ })).toHaveTextContent("No price (valued at cost)");
    expect(screen.getByRole("note")).toHaveTextContent(/Prices may be out of date: some symbols have no price/);
  });

  it("lists connected accounts and links to Settings", async () => {
    renderPage(<PortfolioPage />, answers().api, "/portfolio");
    const section = (await screen.findByRole("heading", { name: "Connected accounts" })).closest("section")!;
    expect(await within(section).findByText("Paper")).toBeInTheDocument();
    expect(section).toHaveTextContent("(Alpaca): cash $4,000.00");
    expect(within(section).getByRole("link", { name: /Manage connected accounts/ })).toHaveAttribute(
      "href",
      "/app/settings",
    );
  });

  it("lists an account connected but not synced yet, which holds no part of the cash so far", async () => {
    const fresh = { ...ALPACA_ACCOUNT, cash: null, last_synced_at: null };
    const portfolio = { ...PORTFOLIO, accounts: [] };
    const { api } = answers({ "GET /accounts": () => [fresh], "GET /portfolio/current": () => portfolio });
    renderPage(<PortfolioPage />, api, "/portfolio");
    const section = (await screen.findByRole("heading", { name: "Connected accounts" })).closest("section")!;
    expect(await within(section).findByText("Paper")).toBeInTheDocument();
    expect(section).toHaveTextContent("(Alpaca): not synced yet");
    expect(within(section).queryByText(/No connected accounts/)).not.toBeInTheDocument();
  });

  it("says when an account's sync is failing", async () => {
    const account = {
      id: "a1",
      provider: "alpaca",
      label: "Paper",
      key_hint: "WXYZ",
      paper: true,
      status: "failing",
      cash: 4000,
      last_synced_at: null,
      last_error: "the provider refused these keys",
      created_at: "2026-12-01T00:00:00+00:00",
    };
    renderPage(<PortfolioPage />, answers({ "GET /accounts": () => [account] }).api, "/portfolio");
    expect(await screen.findByText(/Sync failing: the provider refused these keys/)).toBeInTheDocument();
  });

  it("says what to do with no holdings and no accounts", async () => {
    const empty = { ...PORTFOLIO, positions: [], accounts: [], price_fresh: true, last_updated: null };
    const { api } = answers({ "GET /portfolio/current": () => empty, "GET /accounts": () => [] });
    renderPage(<PortfolioPage />, api, "/portfolio");
    expect(await screen.findByRole("link", { name: "Open a position" })).toHaveAttribute("href", "/app/positions");
    expect(screen.getByRole("link", { name: /Connect a Binance or Alpaca account/ })).toHaveAttribute(
      "href",
      "/app/settings",
    );
    expect(screen.queryByRole("note")).not.toBeInTheDocument();
  });

  it("shows the API's detail once when the portfolio cannot be read", async () => {
    const { api } = answers({ "GET /portfolio/current": failing(502, "Market data provider unavailable") });
    renderPage(<PortfolioPage />, api, "/portfolio");
    const alerts = await screen.findAllByRole("alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toHaveTextContent("Market data provider unavailable");
  });

  it("charts the value and switches timeframes", async () => {
    const { api, call } = answers();
    renderPage(<PortfolioPage />, api, "/portfolio");
    expect(await screen.findByRole("img", { name: "Portfolio value, 1 month" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "1M" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByText(/from \$20,000.00 to \$23,000.50/)).toHaveTextContent("+$3,000.50 (+15%)");

    await userEvent.click(screen.getByRole("button", { name: "1W" }));
    expect(await screen.findByRole("img", { name: "Portfolio value, 1 week" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "1W" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "1M" })).toHaveAttribute("aria-pressed", "false");
    expect(callsTo(call, "GET", "/portfolio/performance").map(({ query }) => query)).toEqual([
      { timeframe: "1M" },
      { timeframe: "1W" },
    ]);
  });

  it("keeps the chart drawn while the next timeframe loads", async () => {
    const { api } = answers({
      "GET /portfolio/performance": ({ query }) =>
        query?.timeframe === "1M" ? history("1M", [20000, 23000.5]) : new Promise(() => undefined),
    });
    renderPage(<PortfolioPage />, api, "/portfolio");
    await screen.findByRole("img", { name: "Portfolio value, 1 month" });
    await userEvent.click(screen.getByRole("button", { name: "1Y" }));
    expect(screen.getByText("Loading 1 year…")).toHaveAttribute("role", "status");
    expect(screen.getByRole("img", { name: "Portfolio value, 1 month" })).toBeInTheDocument();
  });

  it("says how the chart will fill when there are no points", async () => {
    const { api } = answers({ "GET /portfolio/performance": () => history("1M", []) });
    renderPage(<PortfolioPage />, api, "/portfolio");
    expect(await screen.findByText(/No values recorded for 1 month yet/)).toBeInTheDocument();
  });

  it("sets the cash and refreshes the totals", async () => {
    let cash = 1000.5;
    const { api, call } = answers({
      "GET /portfolio/cash": () => ({ cash_balance: cash }),
      "PUT /portfolio/cash": ({ body }) => {
        cash = (body as { cash_balance: number }).cash_balance;
        return { cash_balance: cash };
      },
    });
    renderPage(<PortfolioPage />, api, "/portfolio");
    await userEvent.click(await screen.findByRole("button", { name: "Edit cash" }));
    const field = screen.getByLabelText(/Cash in US dollars/);
    await userEvent.clear(field);
    await userEvent.type(field, "2500.25");
    await userEvent.click(screen.getByRole("button", { name: "Save cash" }));
    expect(await screen.findByText("Cash saved.")).toBeInTheDocument();
    expect(callsTo(call, "PUT", "/portfolio/cash")[0]?.body).toEqual({ cash_balance: 2500.25 });
    await waitFor(() => expect(screen.getByText(/Cash you hold outside/)).toHaveTextContent("$2,500.25"));
    expect(callsTo(call, "GET", "/portfolio/current").length).toBeGreaterThan(1);
  });

  it("checks the cash before sending it", async () => {
    const { api, call } = answers();
    renderPage(<PortfolioPage />, api, "/portfolio");
    await userEvent.click(await screen.findByRole("button", { name: "Edit cash" }));
    const field = screen.getByLabelText(/Cash in US dollars/);
    await userEvent.clear(field);
    await userEvent.type(field, "-5");
    await userEvent.click(screen.getByRole("button", { name: "Save cash" }));
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveAccessibleDescription(/Cash must be a number such as 12.5/);
    expect(callsTo(call, "PUT", "/portfolio/cash")).toHaveLength(0);
  });

  it("shows the API's detail when the cash cannot be saved", async () => {
    const { api } = answers({ "PUT /portfolio/cash": failing(422, "cash_balance: Input should be less than 1e12") });
    renderPage(<PortfolioPage />, api, "/portfolio");
    await userEvent.click(await screen.findByRole("button", { name: "Edit cash" }));
    await userEvent.click(screen.getByRole("button", { name: "Save cash" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("cash_balance: Input should be less than 1e12");
  });
});
