import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Route } from "wouter";
import type { Position } from "../../api/types/positions";
import { PositionPage } from "../PositionPage";
import { callsTo, failing, fakeApi, pending, renderPage, type Answer } from "../portfolio/testing";
import { closed, position } from "./fixtures";

function show(answers: Record<string, Answer>) {
  const fake = fakeApi(answers);
  renderPage(
    <Route path="/positions/:id">
      <PositionPage />
    </Route>,
    fake.api,
    "/positions/p1",
  );
  return fake;
}

function figure(term: string): HTMLElement {
  return screen.getByText(term, { selector: "dt" }).nextElementSibling as HTMLElement;
}

describe("PositionPage", () => {
  it("says it is loading", () => {
    show({ "GET /positions/p1": pending });
    expect(screen.getByRole("status")).toHaveTextContent("Loading the position…");
  });

  it("shows the API's detail for a position that is not there", async () => {
    show({ "GET /positions/p1": failing(404, "Position not found") });
    expect(await screen.findByRole("alert")).toHaveTextContent("Position not found");
  });

  it("shows an open position's trade, levels and unrealized P&L", async () => {
    show({ "GET /positions/p1": () => position({ bot_id: "bot-7" }) });
    expect(await screen.findByRole("heading", { level: 1, name: "BTCUSDT long position" })).toBeInTheDocument();
    expect(figure("Entry price")).toHaveTextContent("$50,000.00");
    expect(figure("Unrealized P&L")).toHaveTextContent("+$500.00");
    expect(figure("Planned risk/reward")).toHaveTextContent("3");
    expect(figure("Bot")).toHaveTextContent("bot-7");
    expect(screen.queryByText("Prompt", { selector: "dt" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit levels" })).toBeInTheDocument();
  });

  it("shows a closed position's result without the open actions", async () => {
    show({ "GET /positions/p1": () => closed() });
    expect(await screen.findByRole("heading", { name: "Result" })).toBeInTheDocument();
    expect(figure("Realized P&L")).toHaveTextContent("+$1,000.00 (+4%)");
    expect(figure("Result")).toHaveTextContent("Win");
    expect(figure("Exit reason")).toHaveTextContent("Closed by hand");
    expect(screen.queryByRole("button", { name: "Edit levels" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Close position" })).not.toBeInTheDocument();
  });

  it("edits the levels, sending only what changed (blank clears)", async () => {
    let current = position();
    const { call } = show({
      "GET /positions/p1": () => current,
      "PATCH /positions/p1": ({ body }) => {
        current = { ...current, ...(body as Partial<Position>), updated_at: "2026-12-03T00:00:00+00:00" };
        return current;
      },
    });
    await userEvent.click(await screen.findByRole("button", { name: "Edit levels" }));
    const stop = screen.getByLabelText(/^Stop loss/);
    await userEvent.clear(stop);
    await userEvent.type(stop, "49500");
    await userEvent.clear(screen.getByLabelText(/^Take profit/));
    await userEvent.click(screen.getByRole("button", { name: "Save levels" }));
    expect(await screen.findByText("Levels saved.")).toBeInTheDocument();
    expect(callsTo(call, "PATCH", "/positions/p1")[0]?.body).toEqual({ stop_loss: 49500, take_profit: null });
    expect(figure("Stop loss")).toHaveTextContent("$49,500.00");
    expect(figure("Take profit")).toHaveTextContent("—");
  });

  it("keeps keyboard focus as the editors and confirmations open and close", async () => {
    show({ "GET /positions/p1": () => position() });
    await userEvent.click(await screen.findByRole("button", { name: "Edit levels" }));
    expect(screen.getByLabelText(/^Stop loss/)).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("button", { name: "Edit levels" })).toHaveFocus();

    await userEvent.click(screen.getByRole("button", { name: "Close position" }));
    expect(screen.getByRole("button", { name: "Yes, close it" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Keep it open" }));
    expect(screen.getByLabelText(/^Exit price/)).toHaveFocus();

    await userEvent.click(screen.getByRole("button", { name: "Delete this entry" }));
    expect(screen.getByRole("button", { name: "Yes, delete it" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Keep it" }));
    expect(screen.getByRole("button", { name: "Delete this entry" })).toHaveFocus();
  });

  it("checks the levels against the entry before sending them", async () => {
    const { call } = show({ "GET /positions/p1": () => position() });
    await userEvent.click(await screen.findByRole("button", { name: "Edit levels" }));
    const stop = screen.getByLabelText(/^Stop loss/);
    await userEvent.clear(stop);
    await userEvent.type(stop, "51000");
    await userEvent.click(screen.getByRole("button", { name: "Save levels" }));
    expect(stop).toHaveAccessibleDescription(/Stop loss must be below the entry price for a long position/);
    expect(callsTo(call, "PATCH", "/positions/p1")).toHaveLength(0);
  });

  it("closes after a confirmation, at the price given", async () => {
    let current = position();
    const { call } = show({
      "GET /positions/p1": () => current,
      "POST /positions/p1/close": () => (current = closed({ exit_price: 52000 })),
    });
    await userEvent.type(await screen.findByLabelText(/^Exit price/), "52000");
    await userEvent.click(screen.getByRole("button", { name: "Close position" }));
    expect(screen.getByRole("group", { name: "Confirm closing" })).toHaveTextContent(
      "Close the BTCUSDT long position at $52,000.00? This cannot be undone.",
    );
    expect(callsTo(call, "POST", "/positions/p1/close")).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Yes, close it" }));
    expect(await screen.findByRole("heading", { name: "Result" })).toBeInTheDocument();
    expect(callsTo(call, "POST", "/positions/p1/close")[0]?.body).toEqual({ exit_price: 52000 });
  });

  it("shows the 409 detail and the position as it now is when it was closed meanwhile", async () => {
    let current = position();
    const refuse = failing(409, "The position is CLOSED; only an OPEN position closes");
    show({
      "GET /positions/p1": () => current,
      "POST /positions/p1/close": (request) => {
        current = closed({ exit_reason: "TP_HIT" });
        return refuse(request);
      },
    });
    await userEvent.click(await screen.findByRole("button", { name: "Close position" }));
    expect(screen.getByRole("group", { name: "Confirm closing" })).toHaveTextContent("at the latest market price");
    await userEvent.click(screen.getByRole("button", { name: "Yes, close it" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The position is CLOSED; only an OPEN position closes");
    expect(await screen.findByText("Take profit hit")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Close position" })).not.toBeInTheDocument();
  });

  it("shows the 409 detail in the form when the levels cannot change", async () => {
    show({
      "GET /positions/p1": () => position(),
      "PATCH /positions/p1": failing(409, "The position is CLOSED; only an OPEN position's levels change"),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Edit levels" }));
    await userEvent.clear(screen.getByLabelText(/^Take profit/));
    await userEvent.click(screen.getByRole("button", { name: "Save levels" }));
    const alerts = await screen.findAllByRole("alert");
    expect(alerts.map((alert) => alert.textContent)).toContain(
      "The position is CLOSED; only an OPEN position's levels change",
    );
  });

  it("records the fill of a pending order", async () => {
    let current = position({ status: "PENDING", last_updated_price: null, unrealized_pnl: null });
    const { call } = show({
      "GET /positions/p1": () => current,
      "POST /positions/p1/fill": () => (current = position()),
    });
    await userEvent.type(await screen.findByLabelText(/^Fill price/), "50100");
    await userEvent.click(screen.getByRole("button", { name: "Mark as filled" }));
    await waitFor(() => expect(callsTo(call, "POST", "/positions/p1/fill")[0]?.body).toEqual({ entry_price: 50100 }));
    expect(await screen.findByRole("button", { name: "Edit levels" })).toBeInTheDocument();
  });
});
