"""The trading goals page in a real browser: the three goals with their units, a snapshot that draws the history
chart, targets set through the form and shown on the cards and in the log, and a profit recorded."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_targets_set_through_the_form_are_shown(web: WebPage, server: Server) -> None:
    user = new_user("web-trading")
    api = server.client
    token = api.token(user)
    assert api.request("PUT", "/portfolio/cash", {"cash_balance": 12000}, token=token).status == 200
    assert api.request("POST", "/goals/record-profit?profit=150", token=token).status == 200

    page = sign_in(web, server, user, path="/app/trading-goals", heading="Trading goals")
    income = page.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3, name="Monthly income"))
    expect(income).to_contain_text("$150.00 of $2,000.00", timeout=LOAD_TIMEOUT_MS)
    expect(income).to_contain_text("Behind")
    returns = page.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3, name="Monthly return"))
    expect(returns).to_contain_text("of 5.00%")

    # A snapshot evaluates the goals now: the history chart has a day to draw.
    page.get_by_role("button", name="Take a snapshot now").click()
    expect(page.get_by_text("Snapshot taken")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_role("img", name="Monthly income and its target, last 30 days")).to_be_visible(
        timeout=LOAD_TIMEOUT_MS
    )

    # Out of range: said beside the field, nothing sent.
    target = page.get_by_label("Monthly income target ($)")
    target.fill("0")
    page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_text("Enter a target from $1.00 to $1,000,000.00")).to_be_visible()
    expect(target).to_be_focused()

    target.fill("2500")
    page.get_by_label("Portfolio value target ($)").fill("60000")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Targets saved: Monthly income: $2,500.00; Portfolio value: $60,000.00.")).to_be_visible(
        timeout=LOAD_TIMEOUT_MS
    )
    expect(income).to_contain_text("$150.00 of $2,500.00", timeout=LOAD_TIMEOUT_MS)
    changes = page.get_by_role("table")
    expect(changes).to_contain_text("Monthly income: $2,500.00", timeout=LOAD_TIMEOUT_MS)
    status = {g["goal_type"]: g for g in api.request("GET", "/goals/status", token=token).json["goals"]}
    assert (status["monthly_income"]["target_value"], status["portfolio_value"]["target_value"]) == (2500, 60000)

    page.get_by_label("Profit ($)").fill("50")
    page.get_by_role("button", name="Record profit").click()
    expect(page.get_by_text("Recorded $50.00. This month's income so far: $200.00.")).to_be_visible(
        timeout=LOAD_TIMEOUT_MS
    )
    expect(income).to_contain_text("$200.00 of $2,500.00", timeout=LOAD_TIMEOUT_MS)

    assert_accessible(page)
    screenshot(page, "trading-goals")
    assert not web.errors
