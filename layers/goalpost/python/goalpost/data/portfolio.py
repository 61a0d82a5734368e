"""A user's portfolio items in the data table.

- ``USER#u / PROFILE``: ``cash_balance``; gsi3 ``USERS#<shard>`` / ``USER#u`` once the user has a portfolio
  (cash set or a position opened): the registry the snapshot job pages through.
- ``USER#u#SNAP / <slot>``: one snapshot per 5-minute slot; a slot that closes a coarser bucket is also in
  that tier's sparse index (gsi1 30M, gsi2 1H, gsi3 3H, gsi4 1D: ``USER#u#SNAP#<tier>`` / ``<slot>``) and is
  kept longer (``expires_at`` by its coarsest tier; a day's last is kept forever).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.dynamo import (
    Item,
    batch_get_tables,
    batch_write,
    client,
    deserialize,
    key,
    query_all,
    query_page,
    serialize,
    serialize_value,
)
from goalpost.data.pagination import decode_token, encode_token
from goalpost.data.prices import price_key, to_price
from goalpost.domain.charts import Tier, expires_at, tiers_closed_by
from goalpost.domain.money import ZERO
from goalpost.domain.portfolio import CachedPrice

# Which index holds which tier (the 5-minute tier is the table itself).
TIER_INDEX: dict[Tier, str | None] = {
    Tier.FIVE_MINUTES: None,
    Tier.THIRTY_MINUTES: "gsi1",
    Tier.HOURLY: "gsi2",
    Tier.THREE_HOURS: "gsi3",
    Tier.DAILY: "gsi4",
}
BATCH_WRITE_LIMIT = 25
# Slots are ISO timestamps, so these bound every one of them in sort order.
EARLIEST = "0"
LATEST = "9"


def registry_values(user_id: str) -> dict[str, Any]:
    return {
        ":registry": {"S": keys.users_registry_pk(keys.shard_of(user_id, keys.USER_SHARDS))},
        ":user": {"S": keys.user_pk(user_id)},
    }


def register_user(table: str, user_id: str) -> dict[str, Any]:
    """The transaction item that puts the user in the registry of portfolio owners (idempotent)."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.PROFILE_SK),
            "UpdateExpression": "SET gsi3pk = :registry, gsi3sk = :user",
            "ExpressionAttributeValues": registry_values(user_id),
        }
    }


@dataclass(frozen=True)
class ValuationReads:
    """What valuing a portfolio reads by key: the cached prices, the cash, and whatever else was asked."""

    prices: dict[str, CachedPrice]
    cash: Decimal
    others: dict[tuple[str, str], Item]  # the other items found, by (pk, sk)


def read_for_valuation(
    table: str, system_table: str, user_id: str, symbols: Iterable[str], also: Sequence[dict[str, Any]] = ()
) -> ValuationReads:
    """The cached prices of ``symbols``, the user's cash and the ``also`` keys of the data table, read together:
    one strongly consistent BatchGetItem per 100 keys in all, whichever table they are in."""
    profile = key(keys.user_pk(user_id), keys.PROFILE_SK)
    wanted = {table: [profile, *also], system_table: [price_key(symbol) for symbol in sorted(set(symbols))]}
    found = batch_get_tables(wanted)
    data = {(str(item["pk"]), str(item["sk"])): item for item in found[table]}
    stored = data.pop((keys.user_pk(user_id), keys.PROFILE_SK), {})
    prices = {price.symbol: price for price in map(to_price, found[system_table])}
    return ValuationReads(prices, Decimal(stored.get("cash_balance", ZERO)), data)


def get_cash(table: str, user_id: str) -> Decimal:
    response = client().get_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PROFILE_SK),
        ProjectionExpression="cash_balance",
        ConsistentRead=True,
    )
    raw = response.get("Item")
    return Decimal(deserialize(raw).get("cash_balance", ZERO)) if raw else ZERO


def set_cash(table: str, user_id: str, amount: Decimal, now: datetime) -> None:
    client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PROFILE_SK),
        UpdateExpression="SET cash_balance = :cash, cash_updated_at = :now, gsi3pk = :registry, gsi3sk = :user",
        ExpressionAttributeValues={
            ":cash": serialize_value(amount),
            ":now": serialize_value(now),
            **registry_values(user_id),
        },
    )


def registered_users(table: str, shard: int) -> list[tuple[str, Decimal]]:
    """The (user, cash) of every registered user of one registry shard."""
    items = query_all(table=table, partition=keys.users_registry_pk(shard), sort_prefix="USER#", index="gsi3")
    return [(str(item["pk"]).removeprefix("USER#"), Decimal(item.get("cash_balance", ZERO))) for item in items]


def snapshot_item(user_id: str, slot: datetime, snapshot: dict[str, Any]) -> Item:
    sk = slot.isoformat()
    item: Item = {"pk": keys.snapshots_pk(user_id), "sk": sk, "entity": "snapshot", **snapshot}
    for tier in tiers_closed_by(slot):
        index = TIER_INDEX[tier]
        if index is not None:
            item[f"{index}pk"] = keys.snapshot_tier_pk(user_id, tier.label)
            item[f"{index}sk"] = sk
    expiry = expires_at(slot)
    if expiry is not None:
        item["expires_at"] = int(expiry.timestamp())
    return item


def put_snapshots(table: str, items: Sequence[Item]) -> int:
    """Writes snapshot items 25 a request; the same slot written again replaces its item (idempotent)."""
    requests = 0
    for start in range(0, len(items), BATCH_WRITE_LIMIT):
        batch = items[start : start + BATCH_WRITE_LIMIT]
        requests += batch_write(table, [{"PutRequest": {"Item": serialize(item)}} for item in batch])
    return requests


def tier_points(table: str, user_id: str, tier: Tier, start: datetime | None, end: datetime) -> list[Item]:
    """The snapshots of one tier between ``start`` and ``end``, in time order: one Query (paged)."""
    index = TIER_INDEX[tier]
    partition = keys.snapshots_pk(user_id) if index is None else keys.snapshot_tier_pk(user_id, tier.label)
    return query_all(
        table=table,
        partition=partition,
        sort_prefix=None,
        index=index,
        newest_first=False,
        between=(start.isoformat() if start else EARLIEST, end.isoformat()),
        projection="sk, total_value",
    )


def latest_snapshot(table: str, user_id: str) -> Item | None:
    response = client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.snapshots_pk(user_id)}},
        ScanIndexForward=False,
        Limit=1,
    )
    found = response.get("Items", [])
    return deserialize(found[0]) if found else None


def snapshots_page(
    table: str, user_id: str, *, start: datetime | None, end: datetime | None, limit: int, next_token: str | None
) -> tuple[list[Item], str | None]:
    """Snapshots between ``start`` and ``end``, newest first, one page."""
    partition = keys.snapshots_pk(user_id)
    items, last = query_page(
        table=table,
        partition=partition,
        sort_prefix=None,
        limit=limit,
        start_key=decode_token(next_token, exact={"pk": partition}, prefixed={"sk": ""}),
        between=(start.isoformat() if start else EARLIEST, end.isoformat() if end else LATEST),
    )
    return items, encode_token(last)
