"""The web app's portfolio page in a real browser: holdings valued at the market's prices, the value chart drawn
from snapshots and switched between timeframes, the cash set through the form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.test_positions_flow import open_position, run_job, set_market
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_holdings_chart_timeframes_and_cash(web: WebPage, server: Server) -> None:
    api = server.client
    user = new_user("web-portfolio")
    token = api.token(user)
    long, short = (f"WQ{uuid4().hex[:6].upper()}" for _ in range(2))
    set_market(api, {long: 120.0, short: 48.0})
    open_position(api, token, symbol=long, quantity=10, entry_price=100)
    open_position(api, token, symbol=short, side="SHORT", quantity=5, entry_price=50)
    run_job(api, "price_update")
    # Snapshots in three 5-minute buckets of the last day, so the chart has points to join.
    now = datetime.now(UTC)
    for minutes_ago in (20, 10, 0):
        run_job(api, "snapshot", now - timedelta(minutes=minutes_ago))

    page = sign_in(web, server, user, path="/app/portfolio", heading="Portfolio")
    holdings = page.get_by_role("region", name="Holdings table")
    expect(holdings.get_by_role("row", name=long)).to_contain_text("+$200.00", timeout=LOAD_TIMEOUT_MS)
    expect(holdings.get_by_role("row", name=short)).to_contain_text("Short")
    expect(holdings.get_by_role("row", name=short)).to_contain_text("+$10.00")

    timeframes = page.get_by_role("group", name="Timeframe")
    expect(timeframes.get_by_role("button", name="1M")).to_have_attribute("aria-pressed", "true")
    chart = page.get_by_role("img", name="Portfolio value, 1 month")
    expect(chart).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert chart.locator("circle").count() >= 1

    timeframes.get_by_role("button", name="1D").click()
    expect(timeframes.get_by_role("button", name="1D")).to_have_attribute("aria-pressed", "true")
    expect(timeframes.get_by_role("button", name="1M")).to_have_attribute("aria-pressed", "false")
    chart = page.get_by_role("img", name="Portfolio value, 1 day")
    expect(chart).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(chart.locator("circle")).to_have_count(3)
    assert_accessible(page)

    page.get_by_role("button", name="Edit cash").click()
    page.get_by_label("Cash in US dollars").fill("1000")
    page.get_by_role("button", name="Save cash").click()
    expect(page.get_by_role("status").filter(has_text="Cash saved.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.locator("dt", has_text="Cash").locator("xpath=following-sibling::dd")).to_have_text("$1,000.00")
    assert api.request("GET", "/portfolio/cash", token=token).json == {"cash_balance": 1000}
    expect(page.get_by_role("link", name="Connect a Binance or Alpaca account in Settings")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "portfolio")

    # A holding leads to its open positions.
    holdings.get_by_role("link", name=long).click()
    page.wait_for_url(f"**/app/positions?status=OPEN&symbol={long}")
    expect(page.get_by_role("row", name=long)).to_contain_text("$100.00", timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_role("row", name=short)).to_have_count(0)
    assert not web.errors
