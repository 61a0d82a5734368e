"""The price cache: reading it, and the price update (fetch the active symbols, store what is valid)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from goalpost.data import prices as price_store
from goalpost.domain.clock import utc_now
from goalpost.domain.portfolio import CachedPrice
from goalpost.observability import logger, metrics
from goalpost.settings import get_settings

# Called with the prices that changed (by symbol, in symbol order) as stored, and the ones they replaced (for
# the symbols that had one), right after an update: the position monitor runs there, on these prices, without
# reading them back (the replaced ones tell it the peaks: ``services.monitor``).
PriceListener = Callable[[dict[str, CachedPrice], dict[str, CachedPrice], datetime], None]

# A price that did not change is written again (with its new ``updated_at``) only once the stored one is this
# old: most runs then write only the shards where something moved. The cost: an unchanged price's
# ``updated_at`` can lag its last fetch by up to this interval (plus one run's period), which must stay well
# under the 5 minutes after which a price is stale (``domain.portfolio.FRESH_FOR``).
REFRESH_AFTER = timedelta(seconds=60)


def _table() -> str:
    return get_settings().system_table_name


def cached_prices(symbols: Sequence[str]) -> dict[str, CachedPrice]:
    return price_store.get_prices(_table(), symbols)


def due_for_write(
    fetched: Sequence[CachedPrice], previous: Mapping[str, CachedPrice], now: datetime
) -> tuple[list[CachedPrice], list[CachedPrice]]:
    """Splits the fetched prices into those to write (new, price or source changed, or stored at least
    ``REFRESH_AFTER`` before ``now``) and the unchanged ones, which only ride along in a shard written anyway."""
    due: list[CachedPrice] = []
    unchanged: list[CachedPrice] = []
    for price in fetched:
        stored = previous.get(price.symbol)
        same = stored is not None and (stored.price, stored.source) == (price.price, price.source)
        recent = stored is not None and now - stored.updated_at < REFRESH_AFTER
        (unchanged if same and recent else due).append(price)
    return due, unchanged


def update_prices(
    now: datetime | None = None,
    symbols: Sequence[str] | None = None,
    on_changed: PriceListener | None = None,
    shard: int | None = None,
) -> dict[str, Any]:
    """Fetches every active symbol (of one ``shard`` of them, or ``symbols``) from its provider and stores the
    valid prices with
    ``updated_at`` and ``source``: the changed and new ones, and the unchanged ones due a refresh
    (``REFRESH_AFTER``). A provider failure, an invalid price or a missing symbol leaves the cached price as it
    was; nothing raises. Returns the run's summary."""
    from goalpost.edges.market.router import market_data

    started = time.monotonic()
    moment = now or utc_now()
    table = _table()
    wanted = sorted(set(symbols)) if symbols is not None else price_store.active_symbols(table, shard)
    fetched = market_data().fetch_all(wanted) if wanted else None
    quotes = fetched.quotes if fetched else {}
    previous = price_store.get_prices(table, quotes) if quotes else {}
    # Stamped with when the price was fetched (not the schedule's time): freshness is about the price's age.
    fetched_at = utc_now()
    fresh = [
        CachedPrice(symbol=q.symbol, price=q.price, updated_at=fetched_at, source=q.source) for q in quotes.values()
    ]
    errors = list(fetched.errors) if fetched else []
    due, unchanged = due_for_write(fresh, previous, fetched_at)
    try:
        writes = price_store.put_prices(table, due, unchanged=unchanged)
    except price_store.PricesNotStored as error:
        # Throttled past the SDK's retries (or worse): what was refused keeps its old price, which ages into
        # "stale", so the monitor will not act on it; the next run, 10 s on, tries again.
        logger.exception("Storing prices failed; the cached prices stay as they were")
        errors.append(f"storing prices failed: {error.code}")
        metrics.add_metric(name="PriceStoreFailures", unit="Count", value=1)
        writes, fresh, due = 0, [], []
    moved = {p.symbol: p for p in fresh if p.symbol not in previous or previous[p.symbol].price != p.price}
    changed = sorted(moved)
    if on_changed is not None and changed:
        try:
            replaced = {symbol: previous[symbol] for symbol in changed if symbol in previous}
            on_changed({symbol: moved[symbol] for symbol in changed}, replaced, moment)
        except Exception:
            logger.exception("The price-change hook failed; the prices are stored")
    summary: dict[str, Any] = {
        "symbols": len(wanted),
        "updated": len(fresh),
        "written": len(due),  # the symbols that needed writing; unchanged ones of their shards ride along
        "changed": len(changed),
        "missing": sorted(set(wanted) - set(quotes)),
        "rejected": fetched.rejected if fetched else [],
        "errors": errors,
        "provider_requests": fetched.requests if fetched else 0,
        "price_batch_writes": writes,
        "duration_ms": int((time.monotonic() - started) * 1000),
    }
    metrics.add_metric(name="PricesUpdated", unit="Count", value=len(fresh))
    metrics.add_metric(name="PriceProviderErrors", unit="Count", value=len(fetched.errors) if fetched else 0)
    if summary["errors"]:
        logger.warning("Price update had provider errors", extra={"errors": summary["errors"]})
    return summary
