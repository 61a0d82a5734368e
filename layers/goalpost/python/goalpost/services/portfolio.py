"""Cash, the live portfolio value, performance charts and the snapshot list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import cash as cash_store
from goalpost.data import positions as position_store
from goalpost.data import snapshots as snapshot_store
from goalpost.domain.charts import Point, Timeframe, bucket_points, window
from goalpost.domain.clock import utc_now
from goalpost.domain.money import HUNDRED, ZERO
from goalpost.domain.portfolio import PortfolioValue, value_portfolio
from goalpost.settings import get_settings


def _data() -> str:
    return get_settings().data_table_name


def cash(user_id: str) -> Decimal:
    """The cash set by hand (``set_cash``): the connected accounts' is not in it."""
    return cash_store.get_cash(_data(), user_id)


def set_cash(user_id: str, amount: Decimal) -> Decimal:
    cash_store.set_cash(_data(), user_id, amount, utc_now())
    return amount


def current(user_id: str, now: datetime | None = None) -> PortfolioValue:
    """Open positions (one Query), then their prices and the cash together (one BatchGetItem per 100 keys): the
    cash set by hand and, from the same profile item, each connected account's; with connected accounts, their
    shards' last sync runs (one BatchGetItem), which say how recent each account's cash is."""
    system = get_settings().system_table_name
    positions = position_store.open_positions(_data(), user_id)
    reads = cash_store.read_for_valuation(_data(), system, user_id, {p.symbol for p in positions})
    accounts = reads.accounts
    if accounts:
        # Loaded with the first connected account: a portfolio without one never needs the sync's records.
        from goalpost.data import sync_runs

        accounts = sync_runs.cash_as_synced(system, accounts)
    return value_portfolio(positions, reads.prices, reads.manual_cash, now or utc_now(), accounts)


@dataclass(frozen=True)
class Performance:
    timeframe: Timeframe
    points: list[Point]
    start_value: Decimal
    current_value: Decimal
    profit_loss: Decimal
    profit_loss_percent: Decimal
    data_available: bool


def performance(user_id: str, timeframe: Timeframe, now: datetime | None = None) -> Performance:
    """The chart of one timeframe: the last snapshot of each bucket of the tier, from the totals of every slot
    kept in the window (one Query of the user's snapshot totals group, whatever the history or the holdings: the
    bucket in progress among them), and the live value now (2 requests)."""
    moment = now or utc_now()
    span = window(timeframe, moment)
    snapshots = snapshot_store.values_between(get_settings().snapshots_table_name, user_id, span.start, moment)
    points = bucket_points(snapshots, span.tier.bucket, span.start)
    live = current(user_id, moment).total_value
    if not points:
        return Performance(timeframe, [], ZERO, live, ZERO, ZERO, data_available=False)
    start = points[0].value
    change = live - start
    percent = ZERO if start == 0 else change / start * HUNDRED
    return Performance(timeframe, points, start, live, change, percent, data_available=True)


def snapshots(
    user_id: str, *, start: datetime | None, end: datetime | None, limit: int, next_token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    table = get_settings().snapshots_table_name
    return snapshot_store.snapshots_page(table, user_id, start=start, end=end, limit=limit, next_token=next_token)
