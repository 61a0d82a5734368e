"""The web app's positions and performance pages in a real browser: a position opened through the form shows in
the open list, its levels are edited, it is closed after a confirmation and shows in the closed list, and the
performance page counts the closed trade."""

from __future__ import annotations

from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.test_positions_flow import open_position, run_job, set_market
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def figure(page: Page, term: str) -> str:
    """The value beside a <dt> on the page."""
    return page.locator("dt", has_text=term).first.locator("xpath=following-sibling::dd").inner_text()


def test_open_edit_close_a_position_and_see_its_performance(web: WebPage, server: Server) -> None:
    api = server.client
    user = new_user("web-positions")
    token = api.token(user)
    symbol = f"WP{uuid4().hex[:6].upper()}"
    set_market(api, {symbol: 105.0})

    page = sign_in(web, server, user, path="/app/positions", heading="Positions")
    expect(page.get_by_text("No open positions. Open one with the form below.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    form = page.get_by_role("form", name="Open a position")
    form.get_by_label("Symbol").fill(symbol.lower())
    form.get_by_label("Quantity").fill("10")
    form.get_by_label("Entry price").fill("100")
    form.get_by_label("Stop loss").fill("90")
    form.get_by_label("Take profit").fill("120")
    form.get_by_label("Strategy").fill("breakout")
    form.get_by_role("button", name="Open position").click()
    expect(form.get_by_role("link", name=f"{symbol} long")).to_be_visible(timeout=LOAD_TIMEOUT_MS)

    [opened] = api.request("GET", "/positions?status=OPEN", token=token).json
    assert (opened["symbol"], opened["quantity"], opened["stop_loss"], opened["take_profit"]) == (symbol, 10, 90, 120)
    run_job(api, "price_update")
    page.reload()
    row = page.get_by_role("row", name=symbol)
    expect(row).to_contain_text("+$50.00 (unrealized)", timeout=LOAD_TIMEOUT_MS)
    assert_accessible(page)
    screenshot(page, "positions")

    row.get_by_role("link", name=symbol).click()
    expect(page.get_by_role("heading", level=1, name=f"{symbol} long position")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Edit levels").click()
    page.get_by_label("Stop loss").fill("95")
    page.get_by_role("button", name="Save levels").click()
    expect(page.get_by_text("Levels saved.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert figure(page, "Stop loss") == "$95.00"
    assert api.request("GET", f"/positions/{opened['id']}", token=token).json["stop_loss"] == 95
    assert_accessible(page)

    page.get_by_label("Exit price").fill("110")
    page.get_by_role("button", name="Close position").click()
    confirm = page.get_by_role("group", name="Confirm closing")
    expect(confirm).to_contain_text(f"Close the {symbol} long position at $110.00?")
    confirm.get_by_role("button", name="Yes, close it").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert figure(page, "Realized P&L").startswith("+$100.00")
    closed = api.request("GET", f"/positions/{opened['id']}", token=token).json
    assert (closed["status"], closed["exit_price"], closed["exit_reason"]) == ("CLOSED", 110, "MANUAL")
    assert_accessible(page)

    page.get_by_role("link", name="Back to positions").click()
    expect(page.get_by_text("No open positions. Open one with the form below.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.get_by_label("Status").select_option("CLOSED")
    page.wait_for_url("**/app/positions?status=CLOSED")
    expect(page.get_by_role("row", name=symbol)).to_contain_text("+$100.00", timeout=LOAD_TIMEOUT_MS)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Performance").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert figure(page, "Closed trades") == "1"
    assert figure(page, "Win rate") == "100%"
    assert figure(page, "Total P&L") == "+$100.00"
    expect(page.get_by_role("row", name="breakout")).to_contain_text("+$100.00")
    assert_accessible(page)
    screenshot(page, "performance")
    assert not web.errors


def test_closing_a_position_closed_meanwhile_shows_why(web: WebPage, server: Server) -> None:
    api = server.client
    user = new_user("web-position-409")
    token = api.token(user)
    position = open_position(api, token, symbol=f"WX{uuid4().hex[:6].upper()}", quantity=1, entry_price=10)

    page = sign_in(
        web, server, user, path=f"/app/positions/{position['id']}", heading=f"{position['symbol']} long position"
    )
    # Closed elsewhere (another tab, a bot, the monitor) while the page was open.
    reply = api.request("POST", f"/positions/{position['id']}/close", {"exit_price": 11}, token=token)
    assert reply.status == 200, reply.text
    page.get_by_label("Exit price").fill("12")
    page.get_by_role("button", name="Close position").click()
    page.get_by_role("group", name="Confirm closing").get_by_role("button", name="Yes, close it").click()
    expect(page.get_by_role("alert")).to_have_text("The position is CLOSED; only an OPEN position closes")
    # The page reads the position again and shows it as it now is.
    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert figure(page, "Exit price") == "$11.00"
    assert api.request("GET", f"/positions/{position['id']}", token=token).json["exit_price"] == 11
    assert_accessible(page)
    screenshot(page, "position")

    # A mistaken entry is deleted after a confirmation, back to the list without reading it again.
    page.get_by_role("button", name="Delete this entry").click()
    page.get_by_role("group", name="Confirm deleting").get_by_role("button", name="Yes, delete it").click()
    page.wait_for_url("**/app/positions")
    expect(page.get_by_role("heading", level=1, name="Positions")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert api.request("GET", f"/positions/{position['id']}", token=token).status == 404
    # Chromium logs every 4xx response to the console: the one 409 this test provokes is the only error.
    assert web.errors == [
        "console error: Failed to load resource: the server responded with a status of 409 (Conflict)"
    ]
