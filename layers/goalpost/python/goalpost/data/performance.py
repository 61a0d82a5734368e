"""Trading performance aggregates in the data table: ``USER#u / PERF#<group>``, one small item of running
counts and sums per group (``*`` for all trades, ``<strategy>``, ``B#<bot_id>``, ``P#<prompt_id>``: see
``domain.performance.groups_of``), moved by ``ADD`` in the transaction that closes a position and moved back by
the one that deletes it, so reading them is one Query of a few items per group used whatever the number of
trades. A close adds at most four of these items to its transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.client import client
from goalpost.data.codec import Item, deserialize, key, serialize_value
from goalpost.data.queries import prefix_query
from goalpost.data.snapshots import values_between
from goalpost.domain.charts import Point, Tier, last_of_each_bucket
from goalpost.domain.performance import STAT_FIELDS, StrategyStats, contribution, groups_of
from goalpost.domain.positions import Position


def _stats_update(table: str, user_id: str, group: str, changes: dict[str, Decimal]) -> dict[str, Any]:
    names = {f"#s{n}": name for n, name in enumerate(STAT_FIELDS)}
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.perf_sk(group)),
            "UpdateExpression": "ADD " + ", ".join(f"#s{n} :s{n}" for n in range(len(STAT_FIELDS))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                f":s{n}": serialize_value(changes[name]) for n, name in enumerate(STAT_FIELDS)
            },
        }
    }


def stats_items(table: str, position: Position, sign: int) -> list[dict[str, Any]]:
    """The transaction items that add a closed position to its aggregates (``sign=-1``: take it out)."""
    changes = contribution(position, sign)
    return [_stats_update(table, position.user_id, group, changes) for group in groups_of(position)]


def group_stats(table: str, user_id: str) -> dict[str, StrategyStats]:
    """Every aggregate of the user by group name (one Query, paged: a few hundred bytes an item, so a page
    holds thousands of groups); a field an older aggregate lacks reads as 0."""
    items = _one_page(prefix_query(table, keys.user_pk(user_id), keys.PERF_PREFIX, index=None, newest_first=False))
    return {
        str(item["sk"]).removeprefix(keys.PERF_PREFIX): StrategyStats.model_validate(
            {name: item.get(name, 0) for name in STAT_FIELDS}
        )
        for item in items
    }


def _one_page(request: dict[str, Any]) -> list[Item]:
    """The items of one Query page: at most 1 MB read, whatever the partition holds (the route's budget is
    one request per read; docs/metrics.md says what each read holds and when a page could be cut)."""
    return [deserialize(raw) for raw in client().query(**request).get("Items", [])]


def tier_values(table: str, user_id: str, tier: Tier, start: datetime, end: datetime) -> list[Point]:
    """The portfolio's total value at the last snapshot of each bucket of ``tier`` between ``start`` and
    ``end``, in time order: one Query of the user's snapshot totals group (``table``)."""
    return list(last_of_each_bucket(values_between(table, user_id, start, end), tier.bucket).values())
