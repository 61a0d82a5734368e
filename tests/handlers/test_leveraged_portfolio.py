"""Leveraged positions in the live portfolio, the snapshots and the trading goals (r2): a 10x position counts
by its margin plus its unrealized P&L, not by its exposure, which ``notional_value`` shows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from goalpost import aws as goalpost_aws
from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data.codec import key
from goalpost.data.holdings import holding_name
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import Position, Side
from goalpost.services.snapshots import backfill_holdings
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

DATA, SYSTEM = "test-data", "test-system"
CASH = 1000


def open_position(symbol: str, quantity: str, entry: str, side: Side = Side.LONG, leverage: int = 1) -> Position:
    now = datetime.now(UTC)
    position = Position.opened("alice", symbol, Decimal(quantity), Decimal(entry), now, side=side, leverage=leverage)
    position_store.open_position(DATA, SYSTEM, position)
    return position


def set_prices(prices: dict[str, str]) -> None:
    stamp = datetime.now(UTC)
    price_store.put_prices(
        SYSTEM, [CachedPrice(symbol=s, price=Decimal(p), updated_at=stamp, source="binance") for s, p in prices.items()]
    )


def a_10x_long_and_a_5x_short(api: Api) -> Position:
    """0.5 BTC long at 50,000 with 10x (2,500 of margin, +500 at 51,000) and 10 SOL short at 150 with 5x
    (300 of margin, +100 at 140), and 1,000 of cash: worth 4,400, not the 26,900 of the exposure."""
    api.call("PUT", "/portfolio/cash", body={"cash_balance": CASH})
    long = open_position("BTCUSDT", "0.5", "50000", leverage=10)
    open_position("SOLUSDT", "10", "150", Side.SHORT, leverage=5)
    set_prices({"BTCUSDT": "51000", "SOLUSDT": "140"})
    return long


def test_the_live_portfolio_counts_a_leveraged_position_by_its_margin(api: Api) -> None:
    a_10x_long_and_a_5x_short(api)
    body = api.get("/portfolio/current").body
    rows = {(p["ticker"], p["side"]): p for p in body["positions"]}
    assert rows[("BTCUSDT", "LONG")] == {
        "ticker": "BTCUSDT",
        "side": "LONG",
        "shares": 0.5,
        "cost_basis": 2500,
        "current_value": 3000,
        "notional_value": 25500,
        "price_per_share": 51000,
        "unrealized_gain_loss": 500,
        "unrealized_gain_loss_percent": 20,
        "price_missing": False,
    }
    short = rows[("SOLUSDT", "SHORT")]
    assert (short["cost_basis"], short["current_value"], short["notional_value"]) == (300, 400, 1400)
    assert (body["investment_value"], body["total_value"], body["price_fresh"]) == (3400, 3400 + CASH, True)


def test_a_leveraged_position_without_a_price_is_its_margin_and_not_fresh(api: Api) -> None:
    open_position("NOPRICE", "4", "25", leverage=4)
    body = api.get("/portfolio/current").body
    [row] = body["positions"]
    assert (row["cost_basis"], row["current_value"], row["notional_value"]) == (25, 25, 100)
    assert (row["price_missing"], body["price_fresh"], body["total_value"]) == (True, False, 25)


def snapshot_now() -> dict[str, Any]:
    return JobRunner(registry).run("snapshot", datetime.now(UTC))


def test_the_snapshots_and_the_chart_count_the_margin(api: Api) -> None:
    a_10x_long_and_a_5x_short(api)
    snapshot_now()
    [snapshot] = api.get("/portfolio/snapshots").body
    assert (snapshot["total_value"], snapshot["investment_value"], snapshot["cash_balance"]) == (4400, 3400, CASH)
    rows = {p["ticker"]: p for p in snapshot["positions"]}
    assert (rows["BTCUSDT"]["cost_basis"], rows["BTCUSDT"]["current_value"]) == (2500, 3000)
    chart = api.get("/portfolio/performance", query={"timeframe": "1D"}).body
    assert [p["value"] for p in chart["data_points"]] == [4400]
    assert (chart["current_value"], chart["profit_loss"]) == (4400, 0)


def profile_holding(position: Position) -> str:
    raw = goalpost_aws.client("dynamodb").get_item(
        TableName=DATA, Key=key(keys.user_pk("alice"), keys.PROFILE_SK), ConsistentRead=True
    )
    return str(raw["Item"][holding_name(position.id)]["S"])


def store_holding_as_before_the_leverage(position: Position) -> None:
    """The holding as the version before wrote it: four fields, no leverage."""
    goalpost_aws.client("dynamodb").update_item(
        TableName=DATA,
        Key=key(keys.user_pk("alice"), keys.PROFILE_SK),
        UpdateExpression="SET #holding = :old",
        ExpressionAttributeNames={"#holding": holding_name(position.id)},
        ExpressionAttributeValues={":old": {"S": profile_holding(position).rsplit("|", 1)[0]}},
    )


def test_holdings_from_before_the_leverage_read_as_1x_until_the_backfill_repairs_them(api: Api) -> None:
    long = a_10x_long_and_a_5x_short(api)
    unleveraged = open_position("ETHUSDT", "2", "3000")
    set_prices({"ETHUSDT": "3000"})
    assert (profile_holding(long), profile_holding(unleveraged)) == ("BTCUSDT|L|0.5|50000|10", "ETHUSDT|L|2|3000")
    store_holding_as_before_the_leverage(long)
    snapshot_now()
    # Still read, as the 1x the version before valued it at: 25,500 rather than 3,000.
    assert api.get("/portfolio/snapshots").body[0]["total_value"] == 25500 + 400 + 6000 + CASH

    assert backfill_holdings() == {"users": 1, "holdings_added": 0, "holdings_repaired": 1}
    assert profile_holding(long) == "BTCUSDT|L|0.5|50000|10"
    assert backfill_holdings() == {"users": 1, "holdings_added": 0, "holdings_repaired": 0}
    snapshot_now()
    assert api.get("/portfolio/snapshots").body[0]["total_value"] == 3000 + 400 + 6000 + CASH


def test_the_portfolio_value_goal_counts_the_margin(api: Api) -> None:
    a_10x_long_and_a_5x_short(api)
    assert api.post("/goals/manual-snapshot").status == 200
    goals = {g["goal_type"]: g for g in api.get("/goals/status").body["goals"]}
    assert goals["portfolio_value"]["current_value"] == 4400
