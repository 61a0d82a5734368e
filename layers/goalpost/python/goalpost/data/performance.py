"""Trading performance aggregates in the data table: ``USER#u / PERF#<group>``, one small item of running
counts and sums per group (``*`` for all trades, then one per strategy), moved by ``ADD`` in the transaction
that closes a position and moved back by the one that deletes it, so reading them is one Query of a handful of
items whatever the number of trades."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.codec import key, serialize_value
from goalpost.data.queries import query_all
from goalpost.domain.performance import ALL_STRATEGIES, STAT_FIELDS, StrategyStats, contribution
from goalpost.domain.positions import Position


def _stats_update(table: str, user_id: str, strategy: str, changes: dict[str, Decimal]) -> dict[str, Any]:
    names = {f"#s{n}": name for n, name in enumerate(STAT_FIELDS)}
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.perf_sk(strategy)),
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
    strategies = [ALL_STRATEGIES] + ([position.strategy] if position.strategy else [])
    return [_stats_update(table, position.user_id, strategy, changes) for strategy in strategies]


def strategy_stats(table: str, user_id: str) -> dict[str, StrategyStats]:
    """Every aggregate of the user (one Query): ``*`` for all strategies, then one per named strategy."""
    items = query_all(table=table, partition=keys.user_pk(user_id), sort_prefix=keys.PERF_PREFIX)
    return {
        str(item["sk"]).removeprefix(keys.PERF_PREFIX): StrategyStats.model_validate(
            {name: item.get(name, 0) for name in STAT_FIELDS}
        )
        for item in items
    }
