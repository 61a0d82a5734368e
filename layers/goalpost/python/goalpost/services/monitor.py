"""The position monitor: closes OPEN positions whose levels their cached price reaches (exactly once, see
``services.positions.record_close``), keeps the best price of trailing stops, and never acts on a price older
than 5 minutes: it reports those symbols instead.

It does not read every open position. Each position sits in two trigger indexes under the prices at which
it needs attention (``domain.positions.triggers``: its stop loss, liquidation, take profit and trailing stop,
and a trailing stop's best price so far), so for each symbol one Query per direction returns just the
positions the price reaches, usually none; a third index sorts positions by their ``max_duration_minutes``
deadline. Nothing is written for a position the price leaves alone: its last price and unrealized P&L are
worked out from the price cache when it is read.

It runs every 3 minutes over every active symbol, and right after each price update for the symbols whose
price changed (``refresh_prices``).

A trailing stop's best price is recorded at its peaks, not at every new high: after a price update, the price
it replaced is the peak of a rise when the new one is worse (``_seen_best``). While a price rises the trailing
stop cannot be reached (the price is at its best), and once it turns the run has the peak in hand: it closes on
it, or records it. A random walk's new highs come in runs of two on average, so this writes half as often as
recording each one, and the stop is exactly where recording each would put it (docs/positions.md).

A position linked to a connected account (``account_id``) is never closed here: the exchange holds its real
orders and the account's sync reports its close. When its level is reached the monitor raises a
``position_level_reached`` alert instead, once per position and level (the alert's exactly-once guard)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data.positions import NotOpen
from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.clock import utc_now
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import ExitSignal, Position, better, check_exit, price_text, tracks_best
from goalpost.observability import logger, metrics
from goalpost.services.prices import update_prices
from goalpost.settings import get_settings

# Queries and writes are independent requests: this many at a time keeps a large run inside its cadence.
CONCURRENCY = 16
TRAILED = "trailed"
LEVEL_REACHED = "level_reached"


def _level_reached(position: Position, signal: ExitSignal, moment: datetime) -> str | None:
    """Raises the account-linked position's ``position_level_reached`` alert (once per level)."""
    from goalpost.services import alerts as alert_service

    level = "" if signal.trigger is None else f" ({price_text(signal.trigger)})"
    message = (
        f"{position.symbol} {position.side.value} reached {signal.reason.value}{level} at "
        f"{price_text(signal.price)}; the exchange account {position.account_id} holds its orders."
    )
    raised = NewAlert(
        AlertType.POSITION_LEVEL_REACHED,
        title=f"Level reached: {position.symbol} {signal.reason.value}",
        message=message,
        position_id=position.id,
        period=signal.reason.value,
    )
    return LEVEL_REACHED if alert_service.raise_alert(position.user_id, raised, moment) else None


def _seen_best(position: Position, price: CachedPrice, previous: CachedPrice | None) -> tuple[Decimal, bool]:
    """The best price the position has seen, and whether it is a peak to record: the stored best, or the price
    this update replaced when that is better and was fetched after the position's entry. Every price since the
    stored best was recorded is at most that replaced one or the one now (a rise ends on its peak, and each peak
    is recorded when the price turns), so this is the best seen but for the price now, which ``check_exit``
    weighs itself. The peak is recorded once the price has turned (the price now no better than it); while the
    price still rises, recording waits for its end."""
    stored = position.best_price or position.entry_price
    if previous is None or previous.updated_at < position.entry_time:
        return stored, False
    seen = better(position.side, stored, previous.price)
    turned = better(position.side, price.price, previous.price) == previous.price
    return seen, seen != stored and turned


def _act(position: Position, price: CachedPrice, moment: datetime, previous: CachedPrice | None) -> str | None:
    """Closes the position or records its trailing stop's best price: the exit reason, ``TRAILED``, or None
    (nothing to do, or it changed or closed meanwhile: the next run reads it again)."""
    best, peak = _seen_best(position, price, previous)
    signal = check_exit(position, price.price, best, moment)
    if signal is not None and position.account_id is not None:
        return _level_reached(position, signal, moment)
    try:
        if signal is not None:
            # Imported on the first close: most runs close nothing, and the price update's cold start (it
            # runs the monitor) would otherwise load the alert release for nothing.
            from goalpost.services.positions import record_close

            # A schedule's time has whole seconds: never close before the position was opened.
            when = max(moment, position.entry_time)
            record_close(
                position,
                price=signal.price,
                when=when,
                reason=signal.reason,
                trigger=signal.trigger,
                as_read=position.updated_at,
            )
            return signal.reason.value
    except NotOpen:
        return None
    if tracks_best(position) and peak:
        moved = position.model_copy(update={"best_price": best, "updated_at": moment})
        if position_store.raise_best(get_settings().data_table_name, moved, as_read=position.updated_at):
            return TRAILED
    return None


def _reached(
    symbols: Sequence[str],
    prices: Mapping[str, CachedPrice],
    previous: Mapping[str, CachedPrice],
    moment: datetime,
    deadlines: bool,
) -> list[Position]:
    """The positions the fresh prices of ``symbols`` reach (or the prices they replaced: a peak to record), and
    those past their deadline, once each."""
    table = get_settings().data_table_name

    def reached(symbol: str) -> list[Position]:
        now, before = prices[symbol].price, previous[symbol].price if symbol in previous else prices[symbol].price
        return position_store.reached_by(table, symbol, min(now, before), max(now, before))

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        reached_each = pool.map(reached, symbols)
        found = [position for hits in reached_each for position in hits]
    if deadlines:
        found += position_store.timed_out(table, moment)
    return list({position.id: position for position in found}.values())


def run_monitor(
    now: datetime | None = None,
    symbols: Sequence[str] | None = None,
    prices: Mapping[str, CachedPrice] | None = None,
    *,
    deadlines: bool = True,
    previous: Mapping[str, CachedPrice] | None = None,
) -> dict[str, Any]:
    """One pass over ``symbols`` (else every active symbol) at their cached ``prices`` (else read), plus the
    positions past their deadline (unless ``deadlines`` is false); with the ``previous`` prices a price update
    replaced, the trailing stops' peaks are recorded (``_seen_best``). Returns what it did."""
    replaced = previous or {}
    started = time.monotonic()
    moment = now or utc_now()
    system_table = get_settings().system_table_name
    watched = sorted(symbols) if symbols is not None else price_store.active_symbols(system_table)
    known = dict(prices) if prices is not None else price_store.get_prices(system_table, watched)
    unpriced = [symbol for symbol in watched if symbol not in known]
    fresh = [symbol for symbol in watched if symbol in known and known[symbol].is_fresh(moment)]
    stale = sorted(set(watched) - set(unpriced) - set(fresh))
    positions = _reached(fresh, known, replaced, moment, deadlines)
    # A timed-out position may be in a symbol this run was not given: its price is read too.
    missing = {p.symbol for p in positions} - known.keys()
    if missing:
        known.update(price_store.get_prices(system_table, missing))
    actionable = [p for p in positions if p.symbol in known and known[p.symbol].is_fresh(moment)]
    left = {p.symbol for p in positions} - {p.symbol for p in actionable}
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        outcomes = list(pool.map(lambda p: _act(p, known[p.symbol], moment, replaced.get(p.symbol)), actionable))
    closed = Counter(outcome for outcome in outcomes if outcome not in (None, TRAILED, LEVEL_REACHED))
    stale = sorted({*stale, *(left & known.keys())})
    if stale:
        logger.warning("Symbols left alone: their price is stale", extra={"symbols": stale[:20], "count": len(stale)})
    metrics.add_metric(name="MonitorSymbols", unit="Count", value=len(watched))
    metrics.add_metric(name="PositionsReached", unit="Count", value=len(positions))
    metrics.add_metric(name="PositionsAutoClosed", unit="Count", value=sum(closed.values()))
    metrics.add_metric(name="SymbolsWithStalePrice", unit="Count", value=len(stale))
    return {
        "symbols": len(watched),
        "checked": len(positions),
        "closed": dict(closed),
        "trailed": outcomes.count(TRAILED),
        "levels_reached": outcomes.count(LEVEL_REACHED),
        "stale": stale,
        "unpriced": sorted({*unpriced, *(left - known.keys())}),
        "duration_ms": int((time.monotonic() - started) * 1000),
    }


def refresh_prices(now: datetime | None = None, shard: int | None = None) -> dict[str, Any]:
    """The price update, then the monitor for the symbols whose price changed (the price_update job and
    ``POST /prices/refresh``): of every active symbol, or of one ``shard`` of them when the job's runs are
    split (``declaration.Job.shards``; the first shard also closes the positions past their deadline)."""
    after: dict[str, Any] = {}

    def monitor_changed(prices: dict[str, CachedPrice], replaced: dict[str, CachedPrice], moment: datetime) -> None:
        after.update(run_monitor(moment, list(prices), prices, deadlines=shard in (None, 0), previous=replaced))

    summary = update_prices(now, on_changed=monitor_changed, shard=shard)
    return {**({} if shard is None else {"shard": shard}), **summary, "monitor": after or None}
