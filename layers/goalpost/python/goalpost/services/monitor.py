"""The position monitor: every OPEN position against its cached price. It updates the last price and
unrealized P&L (a write only when they moved), closes positions whose levels are hit (exactly once, see
``services.positions.record_close``), and never acts on a price older than 5 minutes: it reports those.

It runs every 3 minutes over every open position, and right after each price update for the symbols whose
price changed (``refresh_prices``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data.positions import NotOpen
from goalpost.domain.clock import utc_now
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import Position, better, check_exit, gross_pnl
from goalpost.observability import logger, metrics
from goalpost.services.positions import record_close
from goalpost.services.prices import update_prices
from goalpost.settings import get_settings

# Past this many changed symbols, reading the 16 shards whole costs less than one Query per symbol.
PER_SYMBOL_LIMIT = 16


def _open_positions(symbols: Sequence[str] | None) -> list[Position]:
    table = get_settings().data_table_name
    if symbols is not None and len(symbols) <= PER_SYMBOL_LIMIT:
        return [p for symbol in symbols for p in position_store.open_for_symbol(table, symbol)]
    wanted = None if symbols is None else set(symbols)
    found = [p for shard in range(keys.OPEN_SHARDS) for p in position_store.open_in_shard(table, shard)]
    return found if wanted is None else [p for p in found if p.symbol in wanted]


def _mark(position: Position, price: CachedPrice) -> bool:
    """Brings the last price, unrealized P&L and best price up to date; whether anything moved."""
    best = better(position.side, position.best_price or position.entry_price, price.price)
    pnl = gross_pnl(position.side, position.entry_price, price.price, position.quantity) - position.fees_paid
    moved = (position.last_updated_price, position.unrealized_pnl, position.best_price) != (price.price, pnl, best)
    position.last_updated_price, position.unrealized_pnl, position.best_price = price.price, pnl, best
    return moved


MARKED = "marked"
WRITE_CONCURRENCY = 8


def _act(position: Position, price: CachedPrice, moment: datetime) -> str | None:
    """Closes or marks one position: the exit reason, ``MARKED``, or None (nothing to do, or closed by
    someone else meanwhile: exactly once, and not by us)."""
    signal = check_exit(position, price.price, position.best_price or position.entry_price, moment)
    try:
        if signal is not None:
            # A schedule's time has whole seconds: never close before the position was opened.
            when = max(moment, position.entry_time)
            record_close(position, price=signal.price, when=when, reason=signal.reason, trigger=signal.trigger)
            return signal.reason.value
        if _mark(position, price):
            position.updated_at = moment
            position_store.update_open(get_settings().data_table_name, position, position_store.MARK_FIELDS)
            return MARKED
    except NotOpen:
        return None
    return None


def run_monitor(now: datetime | None = None, symbols: Sequence[str] | None = None) -> dict[str, Any]:
    """One pass over the open positions (of ``symbols``, or all); returns what it did."""
    started = time.monotonic()
    moment = now or utc_now()
    settings = get_settings()
    positions = _open_positions(symbols)
    prices = price_store.get_prices(settings.system_table_name, {p.symbol for p in positions})
    stale: list[str] = []
    unpriced: list[str] = []
    actionable: list[Position] = []
    for position in positions:
        price = prices.get(position.symbol)
        if price is None:
            unpriced.append(position.id)
        elif price.is_fresh(moment):
            actionable.append(position)
        else:
            stale.append(position.id)  # never acted on: reported instead
    # Each position's write is its own: several at a time keep a large run inside the function's timeout.
    with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
        outcomes = list(pool.map(lambda p: _act(p, prices[p.symbol], moment), actionable))
    closed = Counter(outcome for outcome in outcomes if outcome not in (None, MARKED))
    updated = outcomes.count(MARKED)
    if stale:
        logger.warning("Positions left alone: their price is stale", extra={"positions": len(stale)})
    metrics.add_metric(name="PositionsMonitored", unit="Count", value=len(positions))
    metrics.add_metric(name="PositionsAutoClosed", unit="Count", value=sum(closed.values()))
    metrics.add_metric(name="PositionsWithStalePrice", unit="Count", value=len(stale))
    return {
        "checked": len(positions),
        "updated": updated,
        "closed": dict(closed),
        "stale": stale,
        "unpriced": unpriced,
        "duration_ms": int((time.monotonic() - started) * 1000),
    }


def refresh_prices(now: datetime | None = None) -> dict[str, Any]:
    """The price update, then the monitor for the symbols whose price changed (the price_update job and
    ``POST /prices/refresh``)."""
    after: dict[str, Any] = {}

    def monitor_changed(symbols: list[str], moment: datetime) -> None:
        after.update(run_monitor(moment, symbols))

    summary = update_prices(now, on_changed=monitor_changed)
    return {**summary, "monitor": after or None}
