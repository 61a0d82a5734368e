"""The snapshot job: a coordinator that queues one message per registry shard (``services.fanout``), and a
worker that values every portfolio of a shard and records one snapshot per user for the slot. A scheduled run
records a portfolio only while one of its markets trades, and in each day's last slot (``due``); a run asked
for now (``/_local/jobs/snapshot``, or the function invoked with ``{"now": ...}``) records every one.

The worker reads the shard's registry items, which hold each user's cash (their connected accounts' too) and
open positions (one paged Query), and the prices they need, once for the shard; it reads no position. The slot
comes from the schedule's time (not the clock), and a snapshot's key is (user, slot): a retried or duplicated
message writes the same items again, never new ones.

Snapshots go to their own table on provisioned capacity: the worker writes at ``declaration``'s pace
(``SNAPSHOT_WRITE_UNITS_PER_SECOND``) and retries what the table throttles (``snapshot_store.put_snapshots``).
Each slot is kept as long as the coarsest bucket it is the last recorded slot of (``kept_tier``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from goalpost import declaration
from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data import registry as registry_store
from goalpost.data import snapshots as snapshot_store
from goalpost.data.holdings import held
from goalpost.domain.charts import SLOT, TIERS, Tier, bucket_start, tiers_closed_by
from goalpost.domain.clock import utc_now
from goalpost.domain.markets import OpenMarkets, Routes, parse_routes
from goalpost.domain.money import round2
from goalpost.domain.portfolio import CachedPrice, PortfolioValue, value_portfolio
from goalpost.observability import logger, metrics
from goalpost.services.job_messages import parse_shard_message
from goalpost.settings import get_settings


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


def value_of(owner: registry_store.Owner, prices: Mapping[str, CachedPrice], now: datetime) -> PortfolioValue:
    """The owner's portfolio valued as ``GET /portfolio/current`` values it: a registry holding has all that
    ``value_portfolio`` reads of a position (its cost basis is its margin, as a position's is)."""
    return value_portfolio(owner.positions, prices, owner.cash, now)


@cache
def _routes(text: str) -> Routes:
    return parse_routes(text)


def due(owner: registry_store.Owner, markets: OpenMarkets, closes_day: bool) -> bool:
    """Whether a scheduled run records the owner's portfolio in a slot: while any of its markets trades (a
    crypto holding: always; cash alone goes by the US session), and in each day's last slot (``closes_day``:
    the daily charts' point) whatever the markets do. A portfolio of US stocks and cash does not change while
    their market is closed: nights and weekends would only repeat its last snapshot."""
    if closes_day:
        return True
    if not owner.holdings:
        return markets.us_equities
    return markets.any_trades(p.symbol for p in owner.holdings.values())


def kept_tier(slot: datetime, due_at: Callable[[datetime], bool]) -> Tier:
    """The tier a slot's snapshot is kept by: the coarsest whose bucket holds no later slot the schedule records
    for its owner (``due_at``), so the slot is that bucket's last snapshot and its point. A bucket's closing
    slot is its own last; a slot before a market closes is the last of the coarser buckets that run past the
    close; a snapshot asked for at any moment is kept while no scheduled one follows it in its bucket. The day's
    last slot is always recorded (``due``), so only it is kept forever."""
    kept = tiers_closed_by(slot)[-1]
    if kept is Tier.DAILY:
        return kept
    checked = slot
    for tier in TIERS[TIERS.index(kept) + 1 : TIERS.index(Tier.DAILY)]:
        end = bucket_start(slot, tier.bucket) + tier.bucket
        while (checked := checked + SLOT) < end:
            if due_at(checked):
                return kept
        checked -= SLOT
        kept = tier
    return kept


def _due_at(owner: registry_store.Owner, routes: str) -> Callable[[datetime], bool]:
    return lambda slot: due(owner, _open_markets(routes, slot), Tier.DAILY in tiers_closed_by(slot))


@lru_cache(maxsize=256)
def _open_markets(routes: str, slot: datetime) -> OpenMarkets:
    """The markets open in a slot under the declared price ``routes``: shared by a shard's owners."""
    return OpenMarkets(_routes(routes), slot)


def snapshot_shard(slot: datetime, shard: int, now: datetime, *, trading_only: bool = False) -> dict[str, Any]:
    """Worker: every user of one registry shard with open positions or cash (with ``trading_only``, those
    ``due`` in the slot), valued at the shard's prices (read once) and recorded for ``slot``, kept by its
    ``kept_tier``: in its group's snapshots item, then its total in its group's totals item (a group's members
    are all in the shard), an UpdateItem an item, several at a time, at the writers' pace."""
    settings = get_settings()
    owners = registry_store.registry_shard(settings.data_table_name, shard)
    held = [owner for owner in owners if owner.holdings or owner.cash != 0]
    routes = settings.price_routes
    if trading_only:
        markets, closes_day = _open_markets(routes, slot), Tier.DAILY in tiers_closed_by(slot)
        valued = [owner for owner in held if due(owner, markets, closes_day)]
    else:
        valued = held
    symbols = {p.symbol for owner in valued for p in owner.holdings.values()}
    prices = price_store.get_prices(settings.system_table_name, symbols) if symbols else {}
    items = (
        snapshot_store.snapshot_item(
            owner.user_id,
            slot,
            _snapshot(value_of(owner, prices, now), slot, now),
            kept_tier(slot, _due_at(owner, routes)),
        )
        for owner in valued
    )
    writes = snapshot_store.put_snapshots(
        settings.snapshots_table_name, items, units_per_second=declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND
    )
    # The users the slot's run took up, summed over its shards (the coordinator once queued them one by one).
    metrics.add_metric(name="SnapshotUsersQueued", unit="Count", value=len(owners))
    metrics.add_metric(name="SnapshotsWritten", unit="Count", value=len(valued))
    metrics.add_metric(name="SnapshotsMarketsClosed", unit="Count", value=len(held) - len(valued))
    return {
        "shard": shard,
        "users": len(owners),
        "snapshots": len(valued),
        "markets_closed": len(held) - len(valued),
        "symbols": len(symbols),
        "batch_writes": writes,
    }


def handle_message(body: str) -> dict[str, Any]:
    """One queued registry shard (the worker's record handler)."""
    work = parse_shard_message(body)
    if work is None:
        # Queued by the coordinator of the version before (users, not a shard): only around that deploy. The
        # new coordinator queues every shard for the slots since, so only that one slot goes without.
        logger.warning("Skipped a snapshot message of the earlier per-user shape")
        return {"skipped": "per-user message"}
    return snapshot_shard(work.slot, work.shard, utc_now(), trading_only=work.trading_only)


def backfill_holdings(shards: Iterable[int] | None = None) -> dict[str, int]:
    """Once, after a version that changes what a holding holds is first deployed over a table that already has
    OPEN positions: gives every registered user of ``shards`` (all by default) the holdings their profile
    lacks (positions opened before the registry held positions), and rewrites the ones that differ from their
    position (leveraged positions opened before holdings carried the leverage, which read as 1x), one
    transaction a position, conditional on its still being OPEN (``registry_store.backfill_holding``). Reads
    each user's open positions, so it is no job to run on a schedule; running it again changes nothing."""
    table = get_settings().data_table_name
    users = added = repaired = 0
    for shard in range(keys.USER_SHARDS) if shards is None else shards:
        for owner in registry_store.registry_shard(table, shard):
            users += 1
            for position in position_store.open_positions(table, owner.user_id):
                stored = owner.holdings.get(position.id)
                if stored == held(position) or not registry_store.backfill_holding(table, position):
                    continue
                if stored is None:
                    added += 1
                else:
                    repaired += 1
    return {"users": users, "holdings_added": added, "holdings_repaired": repaired}
