"""The web app's settings in a real browser: alert preferences saved through the form and read back after a
reload, a refusal shown as the API words it, and a simulated Binance account connected through the form."""

from __future__ import annotations

from uuid import uuid4

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.test_alert_webhook_flow import Listener
from tests.e2e.test_goals_flow import ok
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def take_refusal(web: WebPage, status: int) -> None:
    """The browser logs a refused request as a console error: the one this test asked for is expected, and only
    it."""
    assert len(web.errors) == 1, web.errors
    assert f"status of {status}" in web.errors[0], web.errors
    web.errors.clear()


def test_preferences_are_saved_and_read_back(web: WebPage, server: Server) -> None:
    user = new_user("web-settings")
    page = sign_in(web, server, user, path="/app/settings", heading="Settings")
    expect(page.get_by_role("button", name="Save preferences")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert_accessible(page)

    page.get_by_label("Phone number").fill("0123")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("alert")).to_contain_text("phone")
    take_refusal(web, 422)

    page.get_by_role("checkbox", name="SMS").check()
    page.get_by_label("Phone number").fill("+14155550123")
    page.get_by_label("Quiet hours start").fill("21:30")
    page.get_by_label("Quiet hours end").fill("07:15")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("checkbox", name="Position level reached").check()
    page.get_by_label("Maximum alerts per day").fill("12")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    saved = ok(server.client.request("GET", "/alerts/preferences", token=server.client.token(user)))
    assert (saved["phone"], saved["sms_enabled"]) == ("+14155550123", True)
    assert (saved["quiet_hours_start"], saved["quiet_hours_end"], saved["timezone"]) == (
        "21:30",
        "07:15",
        "Europe/Paris",
    )
    assert saved["max_alerts_per_day"] == 12
    assert "position_level_reached" in saved["enabled_alerts"]

    page.reload()
    expect(page.get_by_label("Phone number")).to_have_value("+14155550123", timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_role("checkbox", name="SMS")).to_be_checked()
    expect(page.get_by_label("Quiet hours start")).to_have_value("21:30")
    expect(page.get_by_label("Quiet hours end")).to_have_value("07:15")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    expect(page.get_by_label("Maximum alerts per day")).to_have_value("12")
    assert not web.errors


def test_a_webhook_set_through_the_form_is_asked_to_confirm(web: WebPage, server: Server) -> None:
    listener = Listener()
    try:
        page = sign_in(web, server, new_user("web-webhook"), path="/app/settings", heading="Settings")
        page.get_by_label("Webhook URL").fill("http://example.com/hook")
        page.get_by_role("button", name="Save preferences").click()
        expect(page.get_by_role("alert")).to_contain_text("webhook_url", timeout=LOAD_TIMEOUT_MS)
        take_refusal(web, 422)

        page.get_by_label("Webhook URL").fill(listener.url)
        page.get_by_role("button", name="Save preferences").click()
        expect(page.get_by_text("Preferences saved.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        headers, confirmation = listener.received.get(timeout=10)
        assert headers["x-amz-sns-message-type"] == confirmation["Type"] == "SubscriptionConfirmation"
        page.reload()
        expect(page.get_by_label("Webhook URL")).to_have_value(listener.url, timeout=LOAD_TIMEOUT_MS)

        page.get_by_label("Webhook URL").fill("")
        page.get_by_role("button", name="Save preferences").click()
        expect(page.get_by_text("Preferences saved.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        assert not web.errors
    finally:
        listener.close()


def test_a_simulated_account_is_connected_through_the_form(web: WebPage, server: Server) -> None:
    user = new_user("web-accounts")
    key, secret = f"web-key-{uuid4().hex[:12]}", f"web-secret-{uuid4().hex[:12]}"
    exchange = {
        "provider": "binance_futures",
        "api_key": key,
        "api_secret": secret,
        "can_withdraw": False,
        "cash": 2500,
        "positions": [],
        "fills": [],
    }
    ok(server.client.request("PUT", "/_local/exchange", exchange))

    page = sign_in(web, server, user, path="/app/settings", heading="Settings")
    expect(page.get_by_text("No accounts connected")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.get_by_label("Exchange or broker").select_option(label="Binance USD-M futures")
    page.get_by_label("Name (optional)").fill("Futures")
    page.get_by_label("API key").fill(key)
    page.get_by_label("API secret").fill("not-the-secret")
    page.get_by_role("button", name="Connect account").click()
    expect(page.get_by_role("alert")).to_contain_text("the provider refused these keys", timeout=LOAD_TIMEOUT_MS)
    take_refusal(web, 400)

    page.get_by_label("API secret").fill(secret)
    page.get_by_role("button", name="Connect account").click()
    expect(page.get_by_text(f"Connected Futures (key ending {key[-4:]}).")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    card = page.get_by_role("article", name="Futures")
    expect(card).to_contain_text("Binance USD-M futures")
    expect(card).to_contain_text("Active")
    expect(page.get_by_label("API secret")).to_have_value("")
    assert secret not in page.content()

    card.get_by_role("button", name="Sync now").click()
    expect(card.get_by_role("status")).to_contain_text("Synced:", timeout=LOAD_TIMEOUT_MS)
    assert_accessible(page)
    screenshot(page, "settings")

    card.get_by_role("button", name="Disconnect").click()
    page.get_by_role("button", name="Yes, disconnect").click()
    expect(page.get_by_text("No accounts connected")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert ok(server.client.request("GET", "/accounts", token=server.client.token(user))) == []
    assert not web.errors
