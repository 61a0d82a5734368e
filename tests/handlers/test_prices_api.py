"""The price update job and the prices routes, against the simulated market over loopback, over moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.handlers.conftest import Api
from tests.handlers.test_portfolio_api import open_position


def refresh(api: Api) -> Any:
    reply = api.post("/prices/refresh", groups=["admin"])
    assert reply.status == 200, reply.body
    return reply.body


def test_refresh_fetches_the_active_symbols_from_their_providers(api: Api, market: Any) -> None:
    open_position("alice", "AAPL", "1", "100")
    open_position("bob", "AAPL", "1", "100")
    open_position("bob", "BTCUSDT", "0.1", "60000")
    open_position("bob", "MSFT", "1", "100")
    market.configure({"prices": {"AAPL": 175.25, "BTCUSDT": "65000.5", "TSLA": 1}})
    summary = refresh(api)
    assert (summary["symbols"], summary["updated"], summary["changed"]) == (3, 2, 2)
    assert summary["missing"] == ["MSFT"]  # the provider does not know it: no price, no error
    assert summary["provider_requests"] == 2  # one Alpaca batch, one Binance ticker list
    prices = {p["symbol"]: p for p in api.get("/prices", query={"symbols": "aapl,BTCUSDT,MSFT,TSLA"}).body}
    assert set(prices) == {"AAPL", "BTCUSDT"}
    assert (prices["AAPL"]["price"], prices["AAPL"]["source"], prices["AAPL"]["fresh"]) == (175.25, "alpaca", True)
    assert (prices["BTCUSDT"]["price"], prices["BTCUSDT"]["source"]) == (65000.5, "binance")
    assert refresh(api)["changed"] == 0


def test_refresh_is_for_admins(api: Api, market: Any) -> None:
    assert api.post("/prices/refresh").status == 403


@pytest.mark.parametrize(
    ("configure", "error"),
    [
        ({"fault": "error"}, "500"),
        ({"fault": "timeout"}, "timed out"),
        ({"fault": "garbage"}, "malformed"),
        ({"fault": "rate_limit"}, "429"),
        ({"fault": "redirect"}, "302"),
        ({"prices": {"AAPL": -5}}, None),
        ({"prices": {"AAPL": "NaN"}}, None),
        ({"prices": {"AAPL": 0}}, None),
    ],
)
def test_a_provider_failure_never_overwrites_a_good_price(
    api: Api, market: Any, configure: dict[str, Any], error: str | None
) -> None:
    open_position("alice", "AAPL", "1", "100")
    market.configure({"prices": {"AAPL": 150}})
    refresh(api)
    market.configure(configure)
    summary = refresh(api)
    assert summary["updated"] == 0
    if error is None:
        assert summary["rejected"] == ["AAPL"]
    else:
        assert any(error in line.lower() for line in summary["errors"]), summary["errors"]
    assert api.get("/prices", query={"symbols": "AAPL"}).body[0]["price"] == 150


def test_the_scheduled_job_runs_the_same_update(api: Api, market: Any) -> None:
    open_position("alice", "AAPL", "1", "100")
    market.configure({"prices": {"AAPL": 101}})
    when = datetime.now(UTC) - timedelta(minutes=10)
    summary = api.run_job("price_update", {"time": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert summary["updated"] == 1
    assert summary["scheduled_time"] == when.replace(microsecond=0).isoformat()
    price = api.get("/prices", query={"symbols": "AAPL"}).body[0]
    assert price["fresh"] is True  # stamped when fetched: a late run's price is as fresh as it is


def test_bad_symbols_are_422(api: Api) -> None:
    for symbols in ("", "AAPL,", "A" * 21, "AA PL", "ÄPFEL", ",".join(f"S{n}" for n in range(101))):
        assert api.get("/prices", query={"symbols": symbols}).status == 422, symbols
    assert api.get("/prices").status == 422
    assert api.get("/prices", query={"symbols": "BRK.B,BTC/USD,ES-1"}).body == []
