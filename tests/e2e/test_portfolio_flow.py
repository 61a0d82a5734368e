"""Prices, the portfolio and the snapshot job over HTTP: the local server, its simulated market on loopback,
and the production price clients between them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from goalpost.data import keys
from infra.local.demo import DEMO_POSITIONS, demo_entry
from tests.e2e.conftest import FAST_MARKET, Client, start_server, stop_server

pytestmark = pytest.mark.e2e
DEMO_SYMBOLS = ("AAPL", "MSFT", "TSLA", "BTCUSDT", "ETHUSDT")


@pytest.fixture(scope="module")
def demo() -> Iterator[Client]:
    """A server seeded with the demo user (cash and five open positions), schedules off."""
    running = start_server("--schedules", "off", "--demo", env=FAST_MARKET)
    yield running.client
    stop_server(running)


def run_job(client: Client, name: str) -> dict:
    reply = client.request("POST", f"/_local/jobs/{name}", {})
    assert reply.status == 200, reply.body
    return dict(reply.json)


def test_prices_flow_from_the_market_to_the_portfolio(demo: Client) -> None:
    token = demo.token("demo")
    prices = {"AAPL": 190, "MSFT": 400, "TSLA": 240, "BTCUSDT": 64000, "ETHUSDT": 3100}
    assert demo.request("PUT", "/_local/market", {"prices": prices, "fault": None}).status == 200
    summary = run_job(demo, "price_update")
    assert (summary["symbols"], summary["updated"], summary["errors"]) == (5, 5, [])
    cached = demo.request("GET", "/prices?symbols=" + ",".join(DEMO_SYMBOLS), token=token).json
    assert {p["symbol"]: p["price"] for p in cached} == prices
    assert {p["source"] for p in cached if p["symbol"].endswith("USDT")} == {"binance"}
    portfolio = demo.request("GET", "/portfolio/current", token=token).json
    rows = {p["ticker"]: p for p in portfolio["positions"]}
    entries = {symbol: demo_entry(symbol, offset) for symbol, _, _, offset in DEMO_POSITIONS}
    assert Decimal(str(rows["AAPL"]["unrealized_gain_loss"])) == 50 * (190 - entries["AAPL"])
    assert rows["TSLA"]["side"] == "SHORT"
    assert Decimal(str(rows["TSLA"]["unrealized_gain_loss"])) == 10 * (entries["TSLA"] - 240)
    assert portfolio["cash_balance"] == 5000
    assert portfolio["price_fresh"] is True
    assert portfolio["total_value"] == round(portfolio["investment_value"] + 5000, 2)


def test_a_failing_market_leaves_the_cached_prices(demo: Client) -> None:
    token = demo.token("demo")
    demo.request("PUT", "/_local/market", {"prices": {"AAPL": 200}, "fault": None})
    run_job(demo, "price_update")
    for fault in ("error", "timeout", "garbage"):
        demo.request("PUT", "/_local/market", {"fault": fault})
        summary = run_job(demo, "price_update")
        assert summary["updated"] == 0
        assert summary["errors"]
    demo.request("PUT", "/_local/market", {"prices": {"AAPL": -1}, "fault": None})
    assert run_job(demo, "price_update")["rejected"] == ["AAPL"]
    aapl = demo.request("GET", "/prices?symbols=AAPL", token=token).json
    assert aapl[0]["price"] == 200


def test_refresh_is_admin_only(demo: Client) -> None:
    demo.request("PUT", "/_local/market", {"prices": {"AAPL": 201}, "fault": None})
    assert demo.request("POST", "/prices/refresh", token=demo.token("demo-viewer")).status == 403
    admin = demo.token("ops", groups=["admin"])
    reply = demo.request("POST", "/prices/refresh", token=admin)
    assert reply.status == 200
    assert reply.json["updated"] >= 1


def test_snapshot_job_records_the_portfolio_and_charts_read_it(demo: Client) -> None:
    token = demo.token("demo")
    summary = run_job(demo, "snapshot")
    assert summary["shards"] == summary["worker"]["messages"] == keys.USER_SHARDS  # one message per registry shard
    assert summary["worker"]["failed"] == 0
    snapshots = demo.request("GET", "/portfolio/snapshots", token=token).json
    assert len(snapshots) == 1
    assert {p["ticker"] for p in snapshots[0]["positions"]} == set(DEMO_SYMBOLS)
    chart = demo.request("GET", "/portfolio/performance?timeframe=1D", token=token).json
    assert chart["data_available"] is True
    assert chart["data_points"][-1]["value"] == snapshots[0]["total_value"]
    assert demo.request("GET", "/portfolio/performance?timeframe=5Y", token=token).status == 422


def test_cash_and_an_empty_portfolio(demo: Client) -> None:
    token = demo.token("newcomer")
    assert demo.request("GET", "/portfolio/current", token=token).json["positions"] == []
    assert demo.request("PUT", "/portfolio/cash", {"cash_balance": 250.75}, token=token).json == {
        "cash_balance": 250.75
    }
    assert demo.request("PUT", "/portfolio/cash", {"cash_balance": -1}, token=token).status == 422
    assert demo.request("GET", "/portfolio/current", token=token).json["total_value"] == 250.75
    chart = demo.request("GET", "/portfolio/performance?timeframe=ALL", token=token).json
    assert (chart["data_available"], chart["current_value"]) == (False, 250.75)


def test_a_10x_position_counts_by_its_margin_over_http(demo: Client) -> None:
    token = demo.token("leveraged")
    demo.request("PUT", "/_local/market", {"prices": {"BTCUSDT": 51000}, "fault": None})
    run_job(demo, "price_update")
    assert demo.request("PUT", "/portfolio/cash", {"cash_balance": 1000}, token=token).status == 200
    position = {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000, "leverage": 10}
    assert demo.request("POST", "/positions", position, token=token).status == 201
    portfolio = demo.request("GET", "/portfolio/current", token=token).json
    [row] = portfolio["positions"]
    # 2,500 of margin and 500 made; the 25,500 of exposure is shown, in no total.
    assert (row["cost_basis"], row["current_value"], row["notional_value"]) == (2500, 3000, 25500)
    assert (portfolio["investment_value"], portfolio["total_value"]) == (3000, 4000)
    run_job(demo, "snapshot")
    [snapshot] = demo.request("GET", "/portfolio/snapshots", token=token).json
    assert snapshot["total_value"] == 4000
