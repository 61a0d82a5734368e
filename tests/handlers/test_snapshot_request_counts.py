"""Reading snapshots costs the same whatever the history and the holdings: a chart reads the totals of the
slots it keeps from the user's snapshot totals group (one Query), not the snapshots themselves."""

from __future__ import annotations

from datetime import UTC, datetime

from goalpost.data.snapshots import put_snapshots, snapshot_item
from goalpost.domain.charts import SLOT, Tier, slot_of
from goalpost.settings import get_settings
from infra.local.aws import dynamodb_requests
from tests.handlers.conftest import Api

NOW = datetime.now(UTC)


def seed_history(user: str, days: int, holdings: int) -> None:
    """``days`` daily snapshots up to yesterday and the last 2 days of 5-minute ones, each of ``holdings``
    holdings, written straight to the snapshots table."""
    holding = {"side": "LONG", "shares": 1, "cost_basis": 100, "current_value": 101, "price_missing": False}
    positions = [{**holding, "ticker": f"SYMBOL{n:04}", "price_per_share": 101} for n in range(holdings)]
    last_close = slot_of(NOW.replace(hour=0, minute=0)) - SLOT
    slots = [last_close - Tier.DAILY.bucket * day for day in range(days)]
    slots += [slot_of(NOW) - SLOT * n for n in range(2 * 288)]
    snapshot = {"total_value": 1000, "cash_balance": 500, "investment_value": 500, "positions": positions}
    put_snapshots(
        get_settings().snapshots_table_name,
        (snapshot_item(user, slot, {**snapshot, "total_value": 1000 + n}) for n, slot in enumerate(slots)),
    )


def test_the_all_time_chart_is_one_query_whatever_the_history_and_the_holdings(api: Api) -> None:
    """ALL over 3 years of 200-holding snapshots (~15 MB of items) costs what 2 days of 5-holding ones do: the
    totals group's Query, and the live value (the open positions' Query and the prices' BatchGetItem)."""
    seed_history("short", days=2, holdings=5)
    seed_history("long", days=3 * 365, holdings=200)
    costs = {}
    for user in ("short", "long"):
        with dynamodb_requests() as counted:
            reply = api.get("/portfolio/performance", query={"timeframe": "ALL"}, user=user)
        assert reply.status == 200, reply.body
        costs[user] = dict(counted)
    assert costs["short"] == costs["long"] == {"Query": 2, "BatchGetItem": 1}
    points = api.get("/portfolio/performance", query={"timeframe": "ALL"}, user="long").body["data_points"]
    assert len(points) == 3 * 365 + 1  # every day's point, today's (the bucket in progress) among them
    for timeframe in ("1D", "1W", "1M", "3M", "1Y", "YTD"):
        with dynamodb_requests() as counted:
            assert api.get("/portfolio/performance", query={"timeframe": timeframe}, user="long").status == 200
        assert dict(counted) == {"Query": 2, "BatchGetItem": 1}, timeframe
