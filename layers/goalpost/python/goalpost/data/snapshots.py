"""Portfolio snapshots in the data table.

- ``USER#u#SNAP / <slot>``: one snapshot per 5-minute slot; a slot that closes a coarser bucket is also in
  that tier's sparse index (gsi1 30M, gsi2 1H, gsi3 3H, gsi4 1D: ``USER#u#SNAP#<tier>`` / ``<slot>``) and is
  kept longer (``expires_at`` by its coarsest tier; a day's last is kept forever).
- ``USER#u#SNAP#<tier>#OPEN / <bucket start>``: the latest snapshot so far of a coarser bucket whose closing
  slot was not (or not yet) recorded: its slot and total, in the same sparse index as the tier's closing slots
  (sort key: its slot). Every snapshot rewrites the open buckets it falls in, so a missed slot or a snapshot
  taken at any moment never empties a bucket; a bucket whose closing slot was recorded has both items in the
  index, and the reader keeps the later (the closing slot). Kept as long as the tier keeps its points.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.batches import BATCH_WRITE_LIMIT, WRITE_CONCURRENCY, batch_write, batches
from goalpost.data.client import client
from goalpost.data.codec import Item, deserialize, serialize
from goalpost.data.pagination import decode_token, encode_token
from goalpost.data.queries import query_all, query_page
from goalpost.domain.charts import KEEP_MARGIN, TIERS, Tier, bucket_start, expires_at, tiers_closed_by

# Which index holds which tier (the 5-minute tier is the table itself).
TIER_INDEX: dict[Tier, str | None] = {
    Tier.FIVE_MINUTES: None,
    Tier.THIRTY_MINUTES: "gsi1",
    Tier.HOURLY: "gsi2",
    Tier.THREE_HOURS: "gsi3",
    Tier.DAILY: "gsi4",
}
# Slots are ISO timestamps, so these bound every one of them in sort order.
EARLIEST = "0"
LATEST = "9"


# A snapshot's holdings are stored one string each, ``ticker|side|shares|cost basis|current value|price|missing``
# (the Decimals' exact text; no price when it is missing): about half the bytes of a map of named attributes,
# for an item written every 5 minutes per user and kept for years in the daily tier.
HOLDING_FIELDS = ("ticker", "side", "shares", "cost_basis", "current_value", "price_per_share", "price_missing")


def pack_holding(holding: dict[str, Any]) -> str:
    price = holding["price_per_share"]
    return "|".join(
        (
            holding["ticker"],
            holding["side"],
            str(holding["shares"]),
            str(holding["cost_basis"]),
            str(holding["current_value"]),
            "" if price is None else str(price),
            "1" if holding["price_missing"] else "0",
        )
    )


def unpack_holding(stored: str | dict[str, Any]) -> dict[str, Any]:
    """A holding as stored; a map is one written before holdings were packed (kept as it is)."""
    if isinstance(stored, dict):
        return stored
    ticker, side, shares, cost_basis, current_value, price, missing = stored.split("|")
    return {
        "ticker": ticker,
        "side": side,
        "shares": Decimal(shares),
        "cost_basis": Decimal(cost_basis),
        "current_value": Decimal(current_value),
        "price_per_share": Decimal(price) if price else None,
        "price_missing": missing == "1",
    }


def snapshot_item(user_id: str, slot: datetime, snapshot: dict[str, Any]) -> Item:
    """The stored item of a snapshot (``services.snapshots``' dict): its slot is the sort key, its holdings
    packed (``pack_holding``)."""
    sk = slot.isoformat()
    fields = {name: value for name, value in snapshot.items() if name not in ("slot", "positions")}
    item: Item = {
        "pk": keys.snapshots_pk(user_id),
        "sk": sk,
        "entity": "snapshot",
        **fields,
        "positions": [pack_holding(holding) for holding in snapshot["positions"]],
    }
    for tier in tiers_closed_by(slot):
        index = TIER_INDEX[tier]
        if index is not None:
            item[f"{index}pk"] = keys.snapshot_tier_pk(user_id, tier.label)
            item[f"{index}sk"] = sk
    expiry = expires_at(slot)
    if expiry is not None:
        item["expires_at"] = int(expiry.timestamp())
    return item


def open_bucket_pk(user_id: str, tier: Tier) -> str:
    return f"{keys.snapshot_tier_pk(user_id, tier.label)}#OPEN"


def open_bucket_items(user_id: str, slot: datetime, total_value: Decimal) -> list[Item]:
    """The snapshot of ``slot`` as the latest so far of each coarser bucket it falls in but does not close:
    that bucket's point until a later snapshot of it (or its closing slot) is recorded."""
    closed = tiers_closed_by(slot)
    items: list[Item] = []
    for tier in TIERS:
        index = TIER_INDEX[tier]
        if index is None or tier in closed:
            continue
        start = bucket_start(slot, tier.bucket)
        item: Item = {
            "pk": open_bucket_pk(user_id, tier),
            "sk": start.isoformat(),
            "entity": "snapshot_bucket",
            "slot": slot.isoformat(),
            "total_value": total_value,
            f"{index}pk": keys.snapshot_tier_pk(user_id, tier.label),
            f"{index}sk": slot.isoformat(),
        }
        if tier.keep is not None:
            item["expires_at"] = int((start + tier.bucket + tier.keep + KEEP_MARGIN).timestamp())
        items.append(item)
    return items


def snapshot_items(user_id: str, slot: datetime, snapshot: dict[str, Any]) -> list[Item]:
    """What recording a snapshot writes: its item (``snapshot_item``) and the open buckets' points it
    updates (``open_bucket_items``)."""
    return [snapshot_item(user_id, slot, snapshot), *open_bucket_items(user_id, slot, snapshot["total_value"])]


def point_moment(item: Item) -> datetime:
    """When a tier's point was recorded: an open bucket's item holds its slot, a snapshot's slot is its key."""
    return datetime.fromisoformat(str(item.get("slot") or item["sk"]))


def snapshot_of(item: Item) -> Item:
    """A stored snapshot as the API shows it: the slot from the sort key, the holdings unpacked."""
    return {
        **item,
        "slot": item.get("slot", item["sk"]),
        "positions": [unpack_holding(holding) for holding in item.get("positions", [])],
    }


def put_snapshots(table: str, items: Iterable[Item]) -> int:
    """Writes snapshot items 25 a request, ``WRITE_CONCURRENCY`` requests at a time, and returns the requests
    made. ``items`` may be a generator: they are built while earlier batches are written, a bounded number
    ahead, so a shard's snapshots are never all in memory. The same slot written again replaces its item
    (idempotent); the first failed batch fails the call, after the batches under way have finished."""
    requests = 0
    with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
        pending: deque[Future[int]] = deque()
        for batch in batches(items, BATCH_WRITE_LIMIT):
            if len(pending) >= 2 * WRITE_CONCURRENCY:
                requests += pending.popleft().result()
            writes = [{"PutRequest": {"Item": serialize(item)}} for item in batch]
            pending.append(pool.submit(batch_write, table, writes))
        while pending:
            requests += pending.popleft().result()
    return requests


def tier_points(table: str, user_id: str, tier: Tier, start: datetime | None, end: datetime) -> list[Item]:
    """The points of one tier between ``start`` and ``end``, in time order: one Query (paged). A coarser
    tier's bucket may have two (its open bucket's and its closing slot's): ``point_moment`` tells which is
    later."""
    index = TIER_INDEX[tier]
    partition = keys.snapshots_pk(user_id) if index is None else keys.snapshot_tier_pk(user_id, tier.label)
    return query_all(
        table=table,
        partition=partition,
        sort_prefix=None,
        index=index,
        newest_first=False,
        between=(start.isoformat() if start else EARLIEST, end.isoformat()),
        projection="sk, slot, total_value",
    )


def value_at_or_before(table: str, user_id: str, moment: datetime, since: datetime) -> Decimal | None:
    """The total value of the last snapshot whose slot is between ``since`` and ``moment`` (both included);
    None without one. One Query (``Limit 1``)."""
    response = client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND sk BETWEEN :since AND :moment",
        ExpressionAttributeValues={
            ":pk": {"S": keys.snapshots_pk(user_id)},
            ":since": {"S": since.isoformat()},
            ":moment": {"S": moment.isoformat()},
        },
        ProjectionExpression="total_value",
        ScanIndexForward=False,
        Limit=1,
    )
    found = response.get("Items", [])
    return Decimal(deserialize(found[0])["total_value"]) if found else None


def latest_snapshot(table: str, user_id: str) -> Item | None:
    response = client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.snapshots_pk(user_id)}},
        ScanIndexForward=False,
        Limit=1,
    )
    found = response.get("Items", [])
    return snapshot_of(deserialize(found[0])) if found else None


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
    return [snapshot_of(item) for item in items], encode_token(last)
