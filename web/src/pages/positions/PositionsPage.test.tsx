import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError, type Query } from "../../api/client";
import { PositionsPage } from "../PositionsPage";
import { callsTo, failing, fakeApi, pending, renderPage, type Answer } from "../portfolio/testing";
import { closed, position } from "./fixtures";

function listOf(answer: Answer, extra: Record<string, Answer> = {}) {
  return fakeApi({ "GET /positions": answer, ...extra });
}

function listQueries(call: ReturnType<typeof fakeApi>["call"]): Query[] {
  return callsTo(call, "GET", "/positions").map(({ query }) => query ?? {});
}

async function fill(label: RegExp, text: string) {
  const field = screen.getByLabelText(label);
  await userEvent.clear(field);
  await userEvent.type(field, text);
}

describe("PositionsPage", () => {
  it("says it is loading", () => {
    renderPage(<PositionsPage />, listOf(pending).api, "/positions");
    expect(screen.getByRole("status")).toHaveTextContent("Loading positions…");
  });

  it("shows the API's detail when the list cannot be read", async () => {
    renderPage(<PositionsPage />, listOf(failing(422, "symbol: String should match pattern")).api, "/positions");
    expect(await screen.findByRole("alert")).toHaveTextContent("symbol: String should match pattern");
  });

  it("lists the open positions by default, linking each to its page", async () => {
    const { api, call } = listOf(() => [position()]);
    renderPage(<PositionsPage />, api, "/positions");
    const link = await screen.findByRole("link", { name: "BTCUSDT" });
    expect(link).toHaveAttribute("href", "/app/positions/p1");
    const row = screen.getByRole("row", { name: /BTCUSDT/ });
    expect(row).toHaveTextContent("Long");
    expect(row).toHaveTextContent("$50,000.00");
    expect(row).toHaveTextContent("+$500.00 (unrealized)");
    expect(listQueries(call)[0]).toMatchObject({ status: "OPEN", limit: 25 });
  });

  it("says what to do with no open positions", async () => {
    renderPage(<PositionsPage />, listOf(() => []).api, "/positions");
    expect(await screen.findByText(/No open positions. Open one with the form below./)).toBeInTheDocument();
  });

  it("filters by status at once and by the other fields on Apply, in the address", async () => {
    const { api, call } = listOf(({ query }) => (query?.status === "CLOSED" ? [closed()] : [position()]));
    renderPage(<PositionsPage />, api, "/positions");
    await screen.findByRole("link", { name: "BTCUSDT" });
    await userEvent.selectOptions(screen.getByLabelText("Status"), "CLOSED");
    expect(await screen.findByText("+$1,000.00")).toBeInTheDocument();
    expect(window.location.search).toBe("?status=CLOSED");

    await userEvent.click(screen.getByRole("button", { name: "More filters" }));
    const filters = screen.getByRole("form", { name: "Filter positions" });
    await userEvent.type(within(filters).getByLabelText("Strategy"), "breakout");
    await userEvent.type(within(filters).getByLabelText("Bot"), "bot-7");
    await userEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(listQueries(call).at(-1)).toMatchObject({ status: "CLOSED", strategy: "breakout", bot_id: "bot-7" }),
    );
    expect(window.location.search).toBe("?status=CLOSED&strategy=breakout&bot_id=bot-7");
  });

  it("loads more with the X-Next-Token", async () => {
    const { api, call } = listOf(({ query }) =>
      query?.next_token === "t2"
        ? { items: [position({ id: "p2", symbol: "ETHUSDT" })], nextToken: null }
        : { items: [position()], nextToken: "t2" },
    );
    renderPage(<PositionsPage />, api, "/positions");
    await userEvent.click(await screen.findByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "ETHUSDT" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "BTCUSDT" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
    expect(listQueries(call).some((query) => query.next_token === "t2")).toBe(true);
  });

  it("opens a position with an Idempotency-Key kept across retries of the same submit", async () => {
    let attempts = 0;
    const { api, call } = listOf(() => [], {
      "POST /positions": ({ body }) => {
        attempts += 1;
        if (attempts === 1) throw new ApiError(0, "The API could not be reached; check your connection");
        return position({ id: "p9", symbol: "AAPL", ...(body as object) });
      },
    });
    renderPage(<PositionsPage />, api, "/positions");
    await screen.findByText(/No open positions/);
    await fill(/^Symbol/, "aapl");
    await fill(/^Quantity/, "10");
    await fill(/^Entry price/, "175.5");
    await fill(/^Stop loss/, "170");
    await fill(/^Take profit/, "190");
    await fill(/^Strategy/, "swing");
    const form = screen.getByRole("form", { name: "Open a position" });
    await userEvent.click(within(form).getByRole("button", { name: "Open position" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("The API could not be reached");
    await userEvent.click(within(form).getByRole("button", { name: "Open position" }));
    expect(await screen.findByRole("link", { name: "AAPL long" })).toHaveAttribute("href", "/app/positions/p9");

    const posts = callsTo(call, "POST", "/positions");
    expect(posts).toHaveLength(2);
    expect(posts[0]?.body).toEqual({
      symbol: "AAPL",
      side: "LONG",
      quantity: 10,
      entry_price: 175.5,
      leverage: 1,
      stop_loss: 170,
      take_profit: 190,
      strategy: "swing",
    });
    expect(posts[0]?.options?.idempotencyKey).toBeTruthy();
    expect(posts[1]?.options?.idempotencyKey).toBe(posts[0]?.options?.idempotencyKey);
    // The list is read again after the open.
    expect(listQueries(call).length).toBeGreaterThan(1);
  });

  it("records an order that has not filled as pending, and says where to find it", async () => {
    const { api, call } = listOf(() => [], {
      "POST /positions": ({ body }) => position({ id: "p8", status: "PENDING", ...(body as object) }),
    });
    renderPage(<PositionsPage />, api, "/positions");
    await screen.findByText(/No open positions/);
    await fill(/^Symbol/, "ETHUSDT");
    await fill(/^Quantity/, "2");
    await fill(/^Entry price/, "3000");
    await userEvent.click(screen.getByLabelText(/has not filled yet/));
    await userEvent.click(screen.getByRole("button", { name: "Open position" }));
    expect(await screen.findByText(/Recorded the pending order/)).toHaveTextContent("shows under Pending");
    expect(callsTo(call, "POST", "/positions")[0]?.body).toMatchObject({ symbol: "ETHUSDT", status: "PENDING" });
  });

  it("checks the form before sending it", async () => {
    const { api, call } = listOf(() => [], { "POST /positions": () => position() });
    renderPage(<PositionsPage />, api, "/positions");
    await screen.findByText(/No open positions/);
    await userEvent.selectOptions(screen.getByLabelText("Side"), "SHORT");
    await fill(/^Quantity/, "0");
    await fill(/^Entry price/, "100");
    await fill(/^Stop loss/, "90");
    await fill(/^Leverage/, "200");
    await userEvent.click(screen.getByRole("button", { name: "Open position" }));
    expect(screen.getByLabelText(/^Symbol/)).toHaveAccessibleDescription(/Symbol is required/);
    expect(screen.getByLabelText(/^Symbol/)).toHaveFocus();
    expect(screen.getByLabelText(/^Quantity/)).toHaveAccessibleDescription(/Quantity must be greater than 0/);
    expect(screen.getByLabelText(/^Leverage/)).toHaveAccessibleDescription(/Leverage must be from 1 to 125/);
    expect(screen.getByLabelText(/^Stop loss/)).toHaveAccessibleDescription(
      /Stop loss must be above the entry price for a short position/,
    );
    expect(callsTo(call, "POST", "/positions")).toHaveLength(0);
  });
});
