"""The snapshot job: a coordinator that pages through the portfolio owners and queues them in batches, and a
worker that values a batch of portfolios and records one snapshot per user for the slot.

The slot comes from the schedule's time (not the clock), and a snapshot's key is (user, slot): a retried or
duplicated run writes the same items again, never new ones."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import portfolio as portfolio_store
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.domain.charts import slot_of
from goalpost.domain.clock import utc_now
from goalpost.domain.money import round2
from goalpost.domain.portfolio import PortfolioValue, value_portfolio
from goalpost.observability import metrics
from goalpost.services.fanout import parse_batch
from goalpost.settings import get_settings

READ_CONCURRENCY = 8


@dataclass(frozen=True)
class WorkItem:
    user_id: str
    cash: Decimal


def parse_work(body: str) -> tuple[datetime, list[WorkItem]]:
    moment, users = parse_batch(body)
    return slot_of(moment), [WorkItem(user, cash) for user, cash in users]


def _snapshot(value: PortfolioValue, slot: datetime, now: datetime) -> dict[str, Any]:
    return {
        "slot": slot,
        "total_value": round2(value.total_value),
        "cash_balance": round2(value.cash_balance),
        "investment_value": round2(value.investment_value),
        "positions": [
            {
                "ticker": h.ticker,
                "side": h.side.value,
                "shares": h.shares,
                "cost_basis": round2(h.cost_basis),
                "current_value": round2(h.current_value),
                "price_per_share": h.price_per_share,
                "price_missing": h.price_missing,
            }
            for h in value.positions
        ],
        "recorded_at": now,
    }


def snapshot_batch(slot: datetime, work: list[WorkItem], now: datetime) -> dict[str, Any]:
    """Worker: values each portfolio (its open positions, the batch's prices read once) and writes one
    snapshot per user with positions or cash, 25 a request."""
    settings = get_settings()
    # The users' position reads are independent: a few at a time keeps a batch well inside the timeout.
    with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
        found = pool.map(lambda item: position_store.open_positions(settings.data_table_name, item.user_id), work)
        holdings = {item.user_id: positions for item, positions in zip(work, found, strict=True)}
    symbols = {p.symbol for positions in holdings.values() for p in positions}
    prices = price_store.get_prices(settings.system_table_name, symbols)
    items = []
    for item in work:
        positions = holdings[item.user_id]
        if not positions and item.cash == 0:
            continue
        value = value_portfolio(positions, prices, item.cash, now)
        items.append(portfolio_store.snapshot_item(item.user_id, slot, _snapshot(value, slot, now)))
    writes = portfolio_store.put_snapshots(settings.data_table_name, items)
    metrics.add_metric(name="SnapshotsWritten", unit="Count", value=len(items))
    return {"users": len(work), "snapshots": len(items), "batch_writes": writes}


def handle_message(body: str) -> dict[str, Any]:
    """One queued batch (the worker's record handler)."""
    slot, work = parse_work(body)
    return snapshot_batch(slot, work, utc_now())
