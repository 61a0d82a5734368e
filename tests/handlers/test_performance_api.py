"""GET /performance through the handlers: per bot and per prompt beside per strategy, the filters (one at a
time), the new trade metrics, and the portfolio ratios from stored snapshots (docs/metrics.md's example)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from goalpost.data.snapshots import put_snapshots, snapshot_item
from goalpost.settings import get_settings
from tests.handlers.conftest import Api
from tests.unit.test_ratios import example_intraday, example_values

ENTERED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
LONG = {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000, "entry_time": ENTERED.isoformat()}
MAPS = {"by_strategy", "by_bot", "by_prompt"}


def trade(api: Api, exit_price: int, minutes: int, **fields: Any) -> str:
    """Opens a position (with its bot, prompt, strategy...) and closes it ``minutes`` after its entry."""
    opened = api.post("/positions", {**LONG, **fields})
    assert opened.status == 201, opened.body
    exit_time = (ENTERED + timedelta(minutes=minutes)).isoformat()
    closed = api.post(f"/positions/{opened.body['id']}/close", {"exit_price": exit_price, "exit_time": exit_time})
    assert closed.status == 200, closed.body
    return str(opened.body["id"])


def test_performance_by_bot_and_by_prompt_with_the_new_trade_metrics(api: Api) -> None:
    trade(api, 51000, 60, bot_id="alpha", prompt_id="p1", strategy="breakout", fees_paid=10)  # +490
    trade(api, 49500, 30, bot_id="alpha", prompt_id="p2")  # -250
    trade(api, 52000, 90, bot_id="beta", prompt_id="p1", strategy="breakout")  # +1000
    mistaken = trade(api, 60000, 10, bot_id="beta", prompt_id="p2")
    assert api.delete(f"/positions/{mistaken}").status == 204  # leaves every group it counted in
    assert api.post("/positions", {**LONG, "bot_id": "gamma"}).status == 201  # open: in no group yet

    stats = api.get("/performance").body
    assert (stats["strategy"], stats["bot_id"], stats["prompt_id"]) == (None, None, None)
    assert (stats["total_trades"], stats["total_pnl"], stats["avg_loss"]) == (3, 1240, -250)
    assert (stats["total_fees"], stats["avg_trade_duration_minutes"]) == (10, 60)
    assert stats["expectancy"] == stats["avg_pnl"] == 413.33
    assert stats["expectancy_ratio"] == 1.6533  # 413.333... / 250
    assert set(stats["by_bot"]) == {"alpha", "beta"}
    assert (stats["by_bot"]["alpha"]["total_trades"], stats["by_bot"]["alpha"]["total_pnl"]) == (2, 240)
    assert (stats["by_bot"]["alpha"]["bot_id"], stats["by_bot"]["alpha"]["total_fees"]) == ("alpha", 10)
    assert (stats["by_bot"]["beta"]["total_trades"], stats["by_bot"]["beta"]["total_pnl"]) == (1, 1000)
    assert {name: m["total_pnl"] for name, m in stats["by_prompt"].items()} == {"p1": 1490, "p2": -250}
    assert {name: m["total_trades"] for name, m in stats["by_strategy"].items()} == {"breakout": 2}
    for kind in MAPS:
        for group in stats[kind].values():
            assert set(group) == set(stats) - MAPS
            assert group["sharpe_ratio"] is None  # the portfolio's ratios are not per group

    alpha = api.get("/performance", query={"bot_id": "alpha"}).body
    assert (alpha["bot_id"], alpha["strategy"], alpha["total_trades"], alpha["total_pnl"]) == ("alpha", None, 2, 240)
    assert (set(alpha["by_bot"]), alpha["by_strategy"], alpha["by_prompt"]) == ({"alpha"}, {}, {})
    assert alpha["avg_trade_duration_minutes"] == 45
    p2 = api.get("/performance", query={"prompt_id": "p2"}).body
    assert (p2["prompt_id"], p2["total_trades"], p2["expectancy"], p2["expectancy_ratio"]) == ("p2", 1, -250, -1)
    assert (set(p2["by_prompt"]), p2["by_bot"]) == ({"p2"}, {})
    nobody = api.get("/performance", query={"bot_id": "nobody"}).body
    assert (nobody["total_trades"], nobody["total_fees"], nobody["expectancy"], nobody["by_bot"]) == (0, None, None, {})
    assert api.get("/performance", user="bob").body["by_bot"] == {}  # another user's groups are not bob's


def test_two_filters_at_once_are_a_400(api: Api) -> None:
    for query in (
        {"strategy": "s", "bot_id": "b"},
        {"bot_id": "b", "prompt_id": "p"},
        {"strategy": "s", "prompt_id": "p"},
        {"strategy": "s", "bot_id": "b", "prompt_id": "p"},
    ):
        reply = api.get("/performance", query=query)
        assert reply.status == 400, (query, reply.body)
        assert "one of strategy, bot_id or prompt_id" in reply.body["detail"]
        assert all(name in reply.body["detail"] for name in query)
    assert api.get("/performance", query={"bot_id": ""}).status == 422
    assert api.get("/performance", query={"prompt_id": "x" * 101}).status == 422
    # A '#' could name another kind's group (a strategy "B#alpha" is no bot): refused, never a wrong answer.
    assert api.get("/performance", query={"strategy": "B#alpha"}).status == 422


def store_values(user: str, points: Iterable[tuple[datetime, Decimal]]) -> None:
    """Portfolio snapshots as the snapshot job stores them (a day's last slot kept forever)."""
    items = (
        snapshot_item(
            user,
            slot,
            {"total_value": value, "cash_balance": value, "investment_value": Decimal(0), "positions": []},
        )
        for slot, value in points
    )
    put_snapshots(get_settings().snapshots_table_name, items)


def test_the_portfolio_ratios_of_docs_worked_example_from_stored_snapshots(api: Api) -> None:
    today = datetime.now(UTC).replace(hour=23, minute=55, second=0, microsecond=0)
    days = [today - timedelta(days=31 - day) for day in range(31)]  # the last is yesterday's close
    older = [(today - timedelta(days=400), Decimal(1))]  # over 365 days ago: outside the window
    intraday = [(p.timestamp, p.value) for p in example_intraday(days[-1])]
    store_values("alice", [*older, *zip(days, example_values(), strict=True), *intraday])

    stats = api.get("/performance").body
    assert stats["max_drawdown_percent"] == 6.43  # the intraday fall, 10,580 -> 9,900
    assert (stats["max_drawdown_start"], stats["max_drawdown_end"]) == (
        days[-2].isoformat(),
        intraday[0][0].isoformat(),
    )
    assert (stats["sharpe_ratio"], stats["sortino_ratio"]) == (9.5644, 15.9913)
    assert (stats["cagr_percent"], stats["calmar_ratio"]) == (103.18, 16.0541)
    assert stats["total_trades"] == 0  # the ratios need no trade
    filtered = api.get("/performance", query={"strategy": "none"}).body
    assert filtered["sharpe_ratio"] == 9.5644  # the portfolio's, whatever the filter

    store_values("bob", zip(days[-5:], example_values()[-5:], strict=True))
    few = api.get("/performance", user="bob").body
    assert (few["cagr_percent"], few["calmar_ratio"], few["max_drawdown_percent"]) == (None, None, 0)
    assert (few["max_drawdown_start"], few["max_drawdown_end"]) == (None, None)
    assert few["sharpe_ratio"] is not None  # 4 daily returns are enough for a Sharpe ratio
