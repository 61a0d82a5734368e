import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type Page } from "../../api/client";
import type { Alert } from "../../api/types/alerts";
import { AlertsPage } from "../AlertsPage";
import { fakeApi, renderPage } from "./renderPage";

function alert(id: string, changes: Partial<Alert> = {}): Alert {
  return {
    id,
    alert_type: "milestone_reached",
    goal_id: "g1",
    position_id: null,
    title: `Milestone ${id}`,
    message: "You reached $4,000.00 of $10,000.00 on House.",
    severity: "info",
    created_at: "2026-11-21T14:30:00+00:00",
    delivered_at: null,
    read_at: null,
    channels: [],
    action_url: "/app/goals/g1",
    ...changes,
  };
}

function page(items: Alert[], nextToken: string | null = null): Page<Alert> {
  return { items, nextToken };
}

describe("AlertsPage", () => {
  it("says it is loading, then lists each alert in words with its link", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(
      page([alert("a1"), alert("a2", { severity: "critical", alert_type: "deadline_missed", title: "Missed" })]),
    );
    renderPage(<AlertsPage />, api, "/alerts");
    expect(screen.getByRole("status")).toHaveTextContent("Loading your alerts…");

    const first = await screen.findByRole("article", { name: "Milestone a1" });
    expect(within(first).getByText("Info")).toBeInTheDocument();
    expect(within(first).getByText("Milestone reached")).toBeInTheDocument();
    expect(within(first).getByText("Unread")).toBeInTheDocument();
    expect(within(first).getByText("You reached $4,000.00 of $10,000.00 on House.")).toBeInTheDocument();
    expect(within(first).getByRole("link", { name: "View goal" })).toHaveAttribute("href", "/app/goals/g1");
    const time = first.querySelector("time");
    expect(time).toHaveAttribute("dateTime", "2026-11-21T14:30:00+00:00");
    expect(time?.textContent).toMatch(/2026/);

    const second = screen.getByRole("article", { name: "Missed" });
    expect(within(second).getByText("Critical")).toBeInTheDocument();
    expect(within(second).getByText("Deadline missed")).toBeInTheDocument();
    const firstPage = { limit: 20, type: "", unread: undefined, next_token: undefined };
    expect(api.getPage).toHaveBeenCalledWith("/alerts", firstPage);
  });

  it("shows alerts raised meanwhile when the window has focus again", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page([alert("a1")])).mockResolvedValue(page([alert("a2"), alert("a1")]));
    renderPage(<AlertsPage />, api, "/alerts");
    await screen.findByRole("article", { name: "Milestone a1" });
    // SWR reads again on focus at most every 5 s from the first read: a minute later.
    const later = Date.now() + 60_000;
    vi.spyOn(Date, "now").mockReturnValue(later);
    act(() => {
      window.dispatchEvent(new Event("focus"));
    });
    expect(await screen.findByRole("article", { name: "Milestone a2" })).toBeInTheDocument();
  });

  it("gives no link for an action_url outside the app", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page([alert("a1", { action_url: "https://evil.example.com/app/goals/g1" })]));
    renderPage(<AlertsPage />, api, "/alerts");
    const item = await screen.findByRole("article", { name: "Milestone a1" });
    expect(within(item).queryByRole("link")).not.toBeInTheDocument();
  });

  it("links no alert to the inbox it is shown in", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page([alert("a1", { goal_id: null, action_url: "/app/alerts" })]));
    renderPage(<AlertsPage />, api, "/alerts");
    const item = await screen.findByRole("article", { name: "Milestone a1" });
    expect(within(item).queryByRole("link")).not.toBeInTheDocument();
  });

  it("shows the API's detail when the alerts cannot be read", async () => {
    const api = fakeApi();
    api.getPage.mockRejectedValueOnce(new ApiError(502, "The alerts store could not be reached"));
    renderPage(<AlertsPage />, api, "/alerts");
    expect(await screen.findByRole("alert")).toHaveTextContent("The alerts store could not be reached");
  });

  it("says what to do when there are no alerts", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValue(page([]));
    renderPage(<AlertsPage />, api, "/alerts");
    expect(await screen.findByText(/No alerts yet/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Settings" })).toHaveAttribute("href", "/app/settings");

    await userEvent.click(screen.getByRole("radio", { name: "Unread only" }));
    expect(await screen.findByText(/No alerts match/)).toBeInTheDocument();
    expect(api.getPage).toHaveBeenLastCalledWith("/alerts", expect.objectContaining({ unread: true }));
  });

  it("keeps the filter in the address", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValue(page([]));
    renderPage(<AlertsPage />, api, "/alerts?unread=true&type=off_track");
    expect(await screen.findByText(/No alerts match/)).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "Unread only" })).toBeChecked();
    expect(screen.getByRole("combobox", { name: "Type" })).toHaveValue("off_track");
    expect(api.getPage).toHaveBeenCalledWith("/alerts", expect.objectContaining({ unread: true, type: "off_track" }));

    await userEvent.click(screen.getByRole("radio", { name: "All alerts" }));
    await waitFor(() => expect(window.location.search).toBe("?type=off_track"));
    expect(screen.getByRole("radio", { name: "All alerts" })).toBeChecked();
  });

  it("filters by type", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValue(page([alert("a1")]));
    renderPage(<AlertsPage />, api, "/alerts");
    await screen.findByRole("article", { name: "Milestone a1" });
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Type" }), "Position closed");
    await waitFor(() =>
      expect(api.getPage).toHaveBeenLastCalledWith("/alerts", expect.objectContaining({ type: "position_closed" })),
    );
  });

  it("loads the next page with X-Next-Token's value", async () => {
    const api = fakeApi();
    api.getPage.mockImplementation(async (_path: string, query: { next_token?: string }) =>
      query.next_token === "tok-2" ? page([alert("a2")]) : page([alert("a1")], "tok-2"),
    );
    renderPage(<AlertsPage />, api, "/alerts");
    await userEvent.click(await screen.findByRole("button", { name: "Load more alerts" }));
    const loaded = await screen.findByRole("article", { name: "Milestone a2" });
    await waitFor(() => expect(loaded).toHaveFocus());
    expect(screen.getByRole("article", { name: "Milestone a1" })).toBeInTheDocument();
    expect(api.getPage).toHaveBeenLastCalledWith("/alerts", expect.objectContaining({ next_token: "tok-2" }));
    expect(screen.queryByRole("button", { name: "Load more alerts" })).not.toBeInTheDocument();
  });

  it("marks one alert read in place, without reading the list again", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page([alert("a1"), alert("a2")]));
    api.patch.mockResolvedValueOnce(alert("a1", { read_at: "2026-11-22T09:00:00+00:00" }));
    renderPage(<AlertsPage />, api, "/alerts");
    const item = await screen.findByRole("article", { name: "Milestone a1" });
    await userEvent.click(within(item).getByRole("button", { name: "Mark as read" }));

    await waitFor(() => expect(within(item).getByText("Read")).toBeInTheDocument());
    expect(within(item).queryByRole("button", { name: "Mark as read" })).not.toBeInTheDocument();
    expect(item).toHaveFocus();
    expect(api.patch).toHaveBeenCalledWith("/alerts/a1/read");
    expect(api.getPage).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: "Mark all shown as read (1)" })).toBeInTheDocument();
  });

  it("marks every unread alert shown as read", async () => {
    const api = fakeApi();
    const read = { read_at: "2026-11-20T00:00:00Z" };
    api.getPage.mockResolvedValueOnce(page([alert("a1"), alert("a2"), alert("a3", read)]));
    api.patch.mockImplementation(async (path: string) => alert(path.split("/")[2]!, read));
    renderPage(<AlertsPage />, api, "/alerts");
    await userEvent.click(await screen.findByRole("button", { name: "Mark all shown as read (2)" }));
    await waitFor(() => expect(screen.queryAllByText("Unread")).toHaveLength(0));
    expect(api.patch).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole("button", { name: /Mark all shown as read/ })).not.toBeInTheDocument();
  });

  it("shows why an alert could not be marked read", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page([alert("a1")]));
    api.patch.mockRejectedValueOnce(new ApiError(404, "Alert not found"));
    renderPage(<AlertsPage />, api, "/alerts");
    const item = await screen.findByRole("article", { name: "Milestone a1" });
    await userEvent.click(within(item).getByRole("button", { name: "Mark as read" }));
    expect(await within(item).findByRole("alert")).toHaveTextContent("Alert not found");
    expect(screen.getByText("Unread")).toBeInTheDocument();
  });

  it("says above the list why marking all shown read failed, and shows those it did mark", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page([alert("a1"), alert("a2")]));
    api.patch
      .mockResolvedValueOnce(alert("a1", { read_at: "2026-11-22T09:00:00Z" }))
      .mockRejectedValueOnce(new ApiError(429, "Too many requests"));
    renderPage(<AlertsPage />, api, "/alerts");
    await userEvent.click(await screen.findByRole("button", { name: "Mark all shown as read (2)" }));
    const error = await screen.findByRole("alert");
    expect(error).toHaveTextContent("Too many requests");
    expect(error.closest("article")).toBeNull();
    expect(within(screen.getByRole("article", { name: "Milestone a1" })).getByText("Read")).toBeInTheDocument();
    expect(within(screen.getByRole("article", { name: "Milestone a2" })).getByText("Unread")).toBeInTheDocument();
  });

  it("marks many alerts read a few at a time", async () => {
    const api = fakeApi();
    api.getPage.mockResolvedValueOnce(page(Array.from({ length: 12 }, (_, index) => alert(`a${index}`))));
    let inFlight = 0;
    let most = 0;
    api.patch.mockImplementation(async (path: string) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return alert(path.split("/")[2]!, { read_at: "2026-11-22T09:00:00Z" });
    });
    renderPage(<AlertsPage />, api, "/alerts");
    await userEvent.click(await screen.findByRole("button", { name: "Mark all shown as read (12)" }));
    await waitFor(() => expect(screen.queryAllByText("Unread")).toHaveLength(0));
    expect(api.patch).toHaveBeenCalledTimes(12);
    expect(most).toBeLessThanOrEqual(5);
  });
});
