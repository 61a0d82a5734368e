"""Cash, the live portfolio, the snapshot job (coordinator, SQS, worker) and the charts, over moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data import snapshots as snapshot_store
from goalpost.domain.charts import slot_of
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import Position, Side
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

DATA, SYSTEM, SNAPSHOTS = "test-data", "test-system", "test-snapshots"
NOW = datetime.now(UTC)


def open_position(user: str, symbol: str, quantity: str, entry: str, side: Side = Side.LONG) -> Position:
    position = Position.opened(user, symbol, Decimal(quantity), Decimal(entry), NOW, side=side)
    position_store.open_position(DATA, SYSTEM, position)
    return position


def set_prices(prices: dict[str, str], at: datetime | None = None) -> None:
    """Prices stamped ``at``, by default now (not at import: the suite may run for minutes before this)."""
    stamp = at or datetime.now(UTC)
    price_store.put_prices(
        SYSTEM,
        [CachedPrice(symbol=s, price=Decimal(p), updated_at=stamp, source="alpaca") for s, p in prices.items()],
    )


def test_cash_is_read_and_set(api: Api) -> None:
    assert api.get("/portfolio/cash").body == {"cash_balance": 0}
    assert api.call("PUT", "/portfolio/cash", body={"cash_balance": 5000.5}).body == {"cash_balance": 5000.5}
    assert api.get("/portfolio/cash").body == {"cash_balance": 5000.5}
    for body in ({"cash_balance": -1}, {"cash_balance": "x"}, {}, {"cash_balance": 1, "user_id": "bob"}):
        assert api.call("PUT", "/portfolio/cash", body=body).status == 422
    assert api.get("/portfolio/cash", user="bob").body == {"cash_balance": 0}


def test_current_portfolio_aggregates_and_flags_missing_prices(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 5000.5})
    open_position("alice", "AAPL", "60", "140")
    open_position("alice", "AAPL", "40", "165")
    open_position("alice", "BTCUSDT", "0.5", "50000", Side.SHORT)
    open_position("alice", "NOPRICE", "3", "10")
    set_prices({"AAPL": "175", "BTCUSDT": "51000"})
    body = api.get("/portfolio/current").body
    rows = {(p["ticker"], p["side"]): p for p in body["positions"]}
    assert rows[("AAPL", "LONG")] == {
        "ticker": "AAPL",
        "side": "LONG",
        "shares": 100,
        "cost_basis": 15000,
        "current_value": 17500,
        "notional_value": 17500,
        "price_per_share": 175,
        "unrealized_gain_loss": 2500,
        "unrealized_gain_loss_percent": 16.67,
        "price_missing": False,
    }
    assert rows[("BTCUSDT", "SHORT")]["unrealized_gain_loss"] == -500
    assert rows[("BTCUSDT", "SHORT")]["current_value"] == 24500
    assert rows[("NOPRICE", "LONG")]["price_missing"] is True
    assert rows[("NOPRICE", "LONG")]["current_value"] == 30
    assert body["investment_value"] == 17500 + 24500 + 30
    assert body["total_value"] == 17500 + 24500 + 30 + 5000.5
    # r2: NOPRICE has no price, so the portfolio is not fresh.
    assert body["price_fresh"] is False
    assert api.get("/portfolio/current", user="bob").body["positions"] == []


def test_snapshot_job_queues_every_shard_and_the_worker_records_one_item_per_user(api: Api) -> None:
    open_position("alice", "AAPL", "10", "100")
    open_position("bob", "MSFT", "2", "300")
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 50}, user="carol")
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 0}, user="dave")  # nothing to snapshot
    set_prices({"AAPL": "110", "MSFT": "310"})
    when = NOW.replace(hour=10, minute=57, second=3)
    summary = JobRunner(registry).run("snapshot", when)
    assert summary["shards"] == summary["messages"] == keys.USER_SHARDS
    assert summary["send_requests"] == -(-keys.USER_SHARDS // 10)  # SendMessageBatch, 10 a request
    assert summary["slot"] == when.replace(minute=55, second=0, microsecond=0).isoformat()
    assert summary["worker"] == {"batches": summary["worker"]["batches"], "messages": keys.USER_SHARDS, "failed": 0}
    snapshots = api.get("/portfolio/snapshots").body
    assert len(snapshots) == 1
    assert snapshots[0]["total_value"] == 1100
    assert snapshots[0]["positions"][0]["ticker"] == "AAPL"
    assert api.get("/portfolio/snapshots", user="carol").body[0]["total_value"] == 50
    assert api.get("/portfolio/snapshots", user="dave").body == []
    # A rerun of the same slot writes the same items again, nothing new.
    JobRunner(registry).run("snapshot", when + timedelta(seconds=30))
    assert len(api.get("/portfolio/snapshots").body) == 1


def seed_history(user: str, values: dict[datetime, int]) -> None:
    items = (
        snapshot_store.snapshot_item(
            user,
            slot,
            {
                "slot": slot,
                "total_value": Decimal(v),
                "cash_balance": Decimal(v),
                "investment_value": 0,
                "positions": [],
            },
        )
        for slot, v in values.items()
    )
    snapshot_store.put_snapshots(SNAPSHOTS, items)


def test_performance_buckets_and_compares_with_the_live_value(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 1200})
    last = slot_of(datetime.now(UTC))  # now, not at import: a long suite would leave a stale clock behind
    seed_history("alice", {last - timedelta(minutes=5 * n): 1000 + n for n in range(0, 400)})
    day = api.get("/portfolio/performance", query={"timeframe": "1D"}).body
    assert day["data_available"] is True
    assert 287 <= len(day["data_points"]) <= 289  # a day of 5-minute slots (the clock may cross a slot)
    assert day["data_points"][-1]["value"] == 1000
    assert day["current_value"] == 1200
    assert day["profit_loss"] == 1200 - day["start_value"]
    stamps = [p["timestamp"] for p in day["data_points"]]
    assert stamps == sorted(stamps)
    week = api.get("/portfolio/performance", query={"timeframe": "1W"}).body
    assert all(datetime.fromisoformat(p["timestamp"]).minute in (0, 30) for p in week["data_points"])
    assert week["data_points"][-1]["value"] == 1000  # the bucket in progress shows its latest snapshot
    empty = api.get("/portfolio/performance", query={"timeframe": "ALL"}, user="bob").body
    assert empty == {
        "timeframe": "ALL",
        "data_points": [],
        "start_value": 0,
        "current_value": 0,
        "profit_loss": 0,
        "profit_loss_percent": 0,
        "data_available": False,
    }
    assert api.get("/portfolio/performance", query={"timeframe": "2D"}).status == 422


def test_snapshots_page_between_from_and_to(api: Api) -> None:
    base = slot_of(NOW) - timedelta(hours=2)
    seed_history("alice", {base + timedelta(minutes=5 * n): n for n in range(10)})
    page = api.get("/portfolio/snapshots", query={"limit": 3, "from": (base + timedelta(minutes=10)).isoformat()})
    assert [s["total_value"] for s in page.body] == [9, 8, 7]
    rest: list[Any] = []
    token = page.headers.get("x-next-token")
    while token:
        reply = api.get(
            "/portfolio/snapshots",
            query={"limit": 3, "next_token": token, "from": (base + timedelta(minutes=10)).isoformat()},
        )
        rest += reply.body
        token = reply.headers.get("x-next-token")
    assert [s["total_value"] for s in rest] == [6, 5, 4, 3, 2]
    to = api.get("/portfolio/snapshots", query={"to": (base + timedelta(minutes=5)).isoformat()}).body
    assert [s["total_value"] for s in to] == [1, 0]


def test_a_groups_snapshots_show_each_member_only_its_own(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """alice and bob share one group's items, bob recorded in more slots than alice: alice's pages hold only
    her snapshots (a page may hold fewer than its limit where only bob was recorded) and end; bob's are his."""
    monkeypatch.setattr(snapshot_store, "_group", lambda user_id: "0#0")
    base = slot_of(NOW) - timedelta(hours=3)
    seed_history("bob", {base + timedelta(minutes=5 * n): 500 + n for n in range(30)})
    seed_history("alice", {base + timedelta(minutes=5 * n): n for n in (0, 1, 28)})
    listed: list[Any] = []
    query: dict[str, Any] = {"limit": 2}
    while True:
        reply = api.get("/portfolio/snapshots", query=query)
        assert reply.status == 200
        listed += reply.body
        token = reply.headers.get("x-next-token")
        if not token:
            break
        query = {"limit": 2, "next_token": token}
    assert [s["total_value"] for s in listed] == [28, 1, 0]
    assert len(api.get("/portfolio/snapshots", query={"limit": 100}, user="bob").body) == 30
    chart = api.get("/portfolio/performance", query={"timeframe": "1D"}).body
    assert [p["value"] for p in chart["data_points"]] == [0, 1, 28]
