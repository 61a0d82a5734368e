import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { Account } from "../../api/types/accounts";
import type { AlertPreferences } from "../../api/types/alerts";
import { fakeApi, renderPage, type FakeApi } from "../alerts/renderPage";
import { SettingsPage } from "../SettingsPage";
import { account, DEFAULT_PREFERENCES } from "./fixtures";

beforeEach(() => {
  // A few zones instead of the browser's hundreds: role queries walk every option of the list.
  vi.spyOn(Intl, "supportedValuesOf").mockReturnValue(["Europe/Paris", "America/New_York", "Asia/Tokyo"]);
});

function serve(api: FakeApi, { preferences = DEFAULT_PREFERENCES, accounts = [] as Account[] } = {}) {
  api.get.mockImplementation(async (path: string) => {
    if (path === "/alerts/preferences") return preferences;
    if (path === "/accounts") return accounts;
    throw new ApiError(404, "Not found");
  });
}

async function renderSettings(api: FakeApi) {
  renderPage(<SettingsPage />, api, "/settings");
  await screen.findByRole("button", { name: "Save preferences" });
}

describe("SettingsPage preferences", () => {
  it("says it is loading", () => {
    const api = fakeApi();
    api.get.mockReturnValue(new Promise(() => undefined));
    renderPage(<SettingsPage />, api, "/settings");
    expect(screen.getByText("Loading your alert preferences…")).toHaveAttribute("role", "status");
    expect(screen.getByText("Loading your connected accounts…")).toHaveAttribute("role", "status");
  });

  it("shows the API's detail when the preferences cannot be read", async () => {
    const api = fakeApi();
    api.get.mockRejectedValue(new ApiError(503, "Preferences are unavailable right now"));
    renderPage(<SettingsPage />, api, "/settings");
    expect((await screen.findAllByRole("alert"))[0]).toHaveTextContent("Preferences are unavailable right now");
  });

  it("shows every preference", async () => {
    const api = fakeApi();
    serve(api, { preferences: { ...DEFAULT_PREFERENCES, email: "me@example.com" } });
    await renderSettings(api);

    expect(screen.getByLabelText("Email address")).toHaveValue("me@example.com");
    expect(screen.getByLabelText("Email")).toBeChecked();
    expect(screen.getByLabelText("SMS")).not.toBeChecked();
    expect(screen.getByLabelText("Quiet hours start")).toHaveValue("22:00");
    expect(screen.getByLabelText("Quiet hours end")).toHaveValue("08:00");
    expect(screen.getByLabelText("Time zone")).toHaveValue("UTC");
    expect(screen.getByLabelText("50% milestone")).toBeChecked();
    expect(screen.getByLabelText("Position level reached")).not.toBeChecked();
    expect(screen.getByLabelText("Maximum alerts per day")).toHaveValue(5);
    expect(screen.getByLabelText("Minimum hours between alerts")).toHaveValue(4);
    expect(screen.getByLabelText("Webhook URL")).toHaveAccessibleDescription(/signed by SNS/);
  });

  it("saves only what changed", async () => {
    const api = fakeApi();
    serve(api);
    const saved: AlertPreferences = {
      ...DEFAULT_PREFERENCES,
      phone: "+14155550123",
      sms_enabled: true,
      quiet_hours_start: "21:30",
      timezone: "Europe/Paris",
    };
    api.patch.mockResolvedValueOnce(saved);
    await renderSettings(api);

    await userEvent.click(screen.getByLabelText("SMS"));
    await userEvent.click(screen.getByLabelText("Phone number"));
    await userEvent.paste("+14155550123");
    const from = screen.getByLabelText("Quiet hours start");
    await userEvent.clear(from);
    await userEvent.type(from, "21:30");
    await userEvent.selectOptions(screen.getByLabelText("Time zone"), "Europe/Paris");
    await userEvent.click(screen.getByRole("button", { name: "Save preferences" }));

    expect(await screen.findByText("Preferences saved.")).toBeInTheDocument();
    expect(api.patch).toHaveBeenCalledWith("/alerts/preferences", {
      sms_enabled: true,
      phone: "+14155550123",
      quiet_hours_start: "21:30",
      timezone: "Europe/Paris",
    });
  });

  it("turns quiet hours off", async () => {
    const api = fakeApi();
    serve(api);
    api.patch.mockResolvedValueOnce({ ...DEFAULT_PREFERENCES, quiet_hours_start: null, quiet_hours_end: null });
    await renderSettings(api);
    await userEvent.click(screen.getByRole("checkbox", { name: "Hold deliveries during quiet hours" }));
    expect(screen.queryByLabelText("Quiet hours start")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Save preferences" }));
    await screen.findByText("Preferences saved.");
    expect(api.patch).toHaveBeenCalledWith("/alerts/preferences", { quiet_hours_start: null, quiet_hours_end: null });
  });

  it("shows a validation error's detail next to the form and keeps what was typed", async () => {
    const api = fakeApi();
    serve(api);
    api.patch.mockRejectedValueOnce(new ApiError(422, "phone: Value error, phone must be an E.164 number"));
    await renderSettings(api);
    await userEvent.type(screen.getByLabelText("Phone number"), "0123");
    await userEvent.click(screen.getByRole("button", { name: "Save preferences" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("phone: Value error, phone must be an E.164 number");
    expect(screen.getByLabelText("Phone number")).toHaveValue("0123");
    expect(screen.getByLabelText("Phone number")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Email address")).not.toHaveAttribute("aria-invalid");
    expect(screen.queryByText("Preferences saved.")).not.toBeInTheDocument();
  });

  it("says when there is nothing to save", async () => {
    const api = fakeApi();
    serve(api);
    await renderSettings(api);
    await userEvent.click(screen.getByRole("button", { name: "Save preferences" }));
    expect(await screen.findByText(/Nothing to save/)).toBeInTheDocument();
    expect(api.patch).not.toHaveBeenCalled();
  });
});

describe("SettingsPage connected accounts", () => {
  it("says what to do when none is connected", async () => {
    const api = fakeApi();
    serve(api);
    await renderSettings(api);
    expect(await screen.findByText(/No accounts connected/)).toBeInTheDocument();
  });

  it("lists each account with its status and last sync", async () => {
    const api = fakeApi();
    serve(api, {
      accounts: [
        account("a1"),
        account("a2", {
          provider: "alpaca",
          label: null,
          paper: true,
          status: "failing",
          last_synced_at: null,
          last_error: "the provider refused these keys",
          cash: null,
        }),
      ],
    });
    await renderSettings(api);
    const main = await screen.findByRole("article", { name: "Main futures" });
    expect(within(main).getByText("Binance USD-M futures")).toBeInTheDocument();
    expect(within(main).getByText("ending AbCd")).toBeInTheDocument();
    expect(within(main).getByText("Active")).toBeInTheDocument();
    expect(within(main).getByText("$1,000.50")).toBeInTheDocument();
    expect(within(main).getByText(/2026/).tagName).toBe("TIME");

    const alpaca = screen.getByRole("article", { name: "Alpaca" });
    expect(within(alpaca).getByText("Alpaca (paper)")).toBeInTheDocument();
    expect(within(alpaca).getByText(/^Failing/)).toBeInTheDocument();
    expect(within(alpaca).getByText("Not yet")).toBeInTheDocument();
    expect(within(alpaca).getByText("the provider refused these keys")).toBeInTheDocument();
  });

  it("connects an account with a password field for the secret and one key per submit", async () => {
    const api = fakeApi();
    serve(api);
    api.post
      .mockRejectedValueOnce(new ApiError(502, "The provider could not be reached"))
      .mockResolvedValueOnce(account("a9", { provider: "alpaca", label: "Paper", paper: true, key_hint: "9xyz" }));
    await renderSettings(api);

    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Exchange or broker" }), "Alpaca");
    await userEvent.click(screen.getByRole("checkbox", { name: "Paper trading account" }));
    await userEvent.type(screen.getByLabelText("Name (optional)"), "Paper");
    await userEvent.type(screen.getByLabelText("API key"), "PK9xyz");
    const secret = screen.getByLabelText("API secret");
    expect(secret).toHaveAttribute("type", "password");
    await userEvent.type(secret, "s3cret");
    await userEvent.click(screen.getByRole("button", { name: "Connect account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The provider could not be reached");

    serve(api, { accounts: [account("a9", { provider: "alpaca", label: "Paper", paper: true, key_hint: "9xyz" })] });
    await userEvent.click(screen.getByRole("button", { name: "Connect account" }));
    expect(await screen.findByText("Connected Paper (key ending 9xyz).")).toBeInTheDocument();
    expect(await screen.findByRole("article", { name: "Paper" })).toBeInTheDocument();
    expect(screen.getByLabelText("API secret")).toHaveValue("");

    const body = { provider: "alpaca", api_key: "PK9xyz", api_secret: "s3cret", label: "Paper", paper: true };
    expect(api.post).toHaveBeenNthCalledWith(1, "/accounts", body, { idempotencyKey: expect.any(String) });
    const [first, second] = api.post.mock.calls.map((call) => (call[2] as { idempotencyKey: string }).idempotencyKey);
    expect(second).toBe(first);
  });

  it("sends changed keys under a new idempotency key and shows a refusal's detail", async () => {
    const api = fakeApi();
    serve(api);
    api.post.mockRejectedValue(new ApiError(400, "the provider refused these keys"));
    await renderSettings(api);
    await userEvent.type(screen.getByLabelText("API key"), "k1");
    await userEvent.type(screen.getByLabelText("API secret"), "s1");
    await userEvent.click(screen.getByRole("button", { name: "Connect account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the provider refused these keys");
    await userEvent.type(screen.getByLabelText("API secret"), "2");
    await userEvent.click(screen.getByRole("button", { name: "Connect account" }));
    await waitFor(() => expect(api.post).toHaveBeenCalledTimes(2));
    const [first, second] = api.post.mock.calls.map((call) => (call[2] as { idempotencyKey: string }).idempotencyKey);
    expect(second).not.toBe(first);
    expect(api.post.mock.calls[0]![1]).toEqual({ provider: "binance_futures", api_key: "k1", api_secret: "s1" });
  });

  it("syncs an account now and says what the sync did", async () => {
    const api = fakeApi();
    serve(api, { accounts: [account("a1")] });
    api.post.mockResolvedValueOnce({ created: 1, updated: 0, closed: 2, cash: 950, errors: ["BTCUSDT: no fills"] });
    await renderSettings(api);
    await userEvent.click(await screen.findByRole("button", { name: "Sync now" }));
    expect(await screen.findByText("Synced: 1 created, 0 updated, 2 closed; cash $950.00.")).toBeInTheDocument();
    expect(screen.getByText("BTCUSDT: no fills")).toBeInTheDocument();
    expect(api.post).toHaveBeenCalledWith("/accounts/a1/sync");
  });

  it("shows a sync's 502 detail", async () => {
    const api = fakeApi();
    serve(api, { accounts: [account("a1")] });
    api.post.mockRejectedValueOnce(new ApiError(502, "Binance could not be reached"));
    await renderSettings(api);
    await userEvent.click(await screen.findByRole("button", { name: "Sync now" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Binance could not be reached");
  });

  it("disconnects only after confirmation", async () => {
    const api = fakeApi();
    serve(api, { accounts: [account("a1")] });
    api.delete.mockResolvedValueOnce(null);
    await renderSettings(api);
    await userEvent.click(await screen.findByRole("button", { name: "Disconnect" }));
    expect(screen.getByText(/Its keys are destroyed/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Yes, disconnect" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Keep it" }));
    expect(api.delete).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Disconnect" })).toHaveFocus();

    await userEvent.click(screen.getByRole("button", { name: "Disconnect" }));
    serve(api);
    await userEvent.click(screen.getByRole("button", { name: "Yes, disconnect" }));
    expect(await screen.findByText(/No accounts connected/)).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Connected accounts" })).toHaveFocus();
    expect(api.delete).toHaveBeenCalledWith("/accounts/a1");
  });
});
