"""Portfolio snapshots, in a table of their own (``declaration.SNAPSHOTS_TABLE``, provisioned capacity).

- ``USER#u#SNAP / <slot>``: one snapshot per 5-minute slot, its holdings packed (``pack_holding``), kept until
  the tier it is kept by expires (``expires_at``; the day's last slot forever). Which tier keeps a slot is the
  writer's decision (``services.snapshots``: the last slot the schedule records in a coarser bucket is kept as
  long as that bucket's tier keeps its points), so a bucket whose closing slot is never recorded keeps its point.
- The ``values`` index has the table's own keys and copies the total only: every chart reads the slots kept
  in its window from it, one Query of ~70 bytes an item whatever the holdings, and buckets them (the last
  snapshot of each bucket is its point). No tier index and no open-bucket item: one item and one index copy a
  slot, whatever the slot closes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from secrets import SystemRandom
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.batches import BATCH_WRITE_LIMIT, WRITE_CONCURRENCY, batch_write, batches
from goalpost.data.client import client, error_code
from goalpost.data.codec import Item, deserialize, serialize
from goalpost.data.pagination import decode_token, encode_token
from goalpost.data.queries import query_page
from goalpost.domain.charts import KEEP_MARGIN, Point, Tier, tiers_closed_by

VALUES_INDEX = "values"
# Slots are ISO timestamps, so these bound every one of them in sort order.
EARLIEST = "0"
LATEST = "9"
# DynamoDB's answer to a request over the provisioned capacity (after botocore's own retries).
THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
THROTTLE_ATTEMPTS = 8
THROTTLE_BASE_SECONDS = 0.2
THROTTLE_CAP_SECONDS = 5.0
_jitter = SystemRandom()  # spreads the retries of writers throttled together
# The writers' clock and pause (the tests replace them).
_clock = time.monotonic
_sleep = time.sleep


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


def expires_at(slot: datetime, kept_by: Tier) -> int | None:
    """When a slot kept by ``kept_by`` may go (epoch seconds): after its tier keeps it; never for the daily tier."""
    if kept_by.keep is None:
        return None
    return int((slot + kept_by.keep + KEEP_MARGIN).timestamp())


def snapshot_item(user_id: str, slot: datetime, snapshot: dict[str, Any], kept_by: Tier | None = None) -> Item:
    """The stored item of a snapshot (``services.snapshots``' dict): its slot is the sort key, its holdings
    packed (``pack_holding``), kept by ``kept_by`` (by default the coarsest tier the slot closes)."""
    tier = kept_by or tiers_closed_by(slot)[-1]
    fields = {name: value for name, value in snapshot.items() if name not in ("slot", "positions")}
    item: Item = {
        "pk": keys.snapshots_pk(user_id),
        "sk": slot.isoformat(),
        "entity": "snapshot",
        **fields,
        "positions": [pack_holding(holding) for holding in snapshot["positions"]],
    }
    expiry = expires_at(slot, tier)
    if expiry is not None:
        item["expires_at"] = expiry
    return item


def snapshot_of(item: Item) -> Item:
    """A stored snapshot as the API shows it: the slot from the sort key, the holdings unpacked."""
    return {
        **item,
        "slot": item.get("slot", item["sk"]),
        "positions": [unpack_holding(holding) for holding in item.get("positions", [])],
    }


def write_units(item: Item) -> int:
    """The write units an item costs, the table's and its values index copy's: about a unit a KB of names and
    values (an estimate for pacing: DynamoDB counts the same bytes), and one for the small copy."""
    size = 0
    for name, value in item.items():
        size += len(name) + (sum(len(str(part)) + 3 for part in value) if isinstance(value, list) else len(str(value)))
    return math.ceil(size / 1024) + 1


class Pace:
    """At most ``units_per_second`` write units a second (a second's worth may go at once), for the writers
    of one process: a burst of snapshots stays inside the provisioned capacity instead of being throttled."""

    def __init__(self, units_per_second: float) -> None:
        self.rate = units_per_second
        self.allowance = units_per_second
        self.last = _clock()
        self.lock = threading.Lock()

    def take(self, units: int) -> None:
        with self.lock:
            now = _clock()
            self.allowance = min(self.rate, self.allowance + (now - self.last) * self.rate)
            self.last = now
            self.allowance -= units
            wait = -self.allowance / self.rate if self.allowance < 0 else 0.0
        if wait:
            _sleep(wait)


def write_throttled(table: str, writes: list[dict[str, Any]]) -> int:
    """One BatchWriteItem (``batch_write`` retries its unprocessed items), again with jittered backoff while the
    table refuses it for capacity: a burst over the provisioned units waits for auto scaling rather than
    failing the shard. Returns the requests made."""
    for attempt in range(THROTTLE_ATTEMPTS):
        try:
            return attempt + batch_write(table, writes)
        except ClientError as error:
            if error_code(error) not in THROTTLED or attempt == THROTTLE_ATTEMPTS - 1:
                raise
        pause = min(THROTTLE_CAP_SECONDS, THROTTLE_BASE_SECONDS * 2**attempt)
        _sleep(_jitter.uniform(pause / 2, pause))
    raise AssertionError("unreachable")


def put_snapshots(table: str, items: Iterable[Item], *, units_per_second: float | None = None) -> int:
    """Writes snapshot items 25 a request, ``WRITE_CONCURRENCY`` requests at a time, at most
    ``units_per_second`` write units a second (unpaced without), and returns the requests made. ``items`` may
    be a generator: they are built while earlier batches are written, a bounded number ahead, so a shard's
    snapshots are never all in memory. The same slot written again replaces its item (idempotent); the first
    failed batch fails the call, after the batches under way have finished."""
    pace = Pace(units_per_second) if units_per_second else None
    requests = 0
    with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
        pending: deque[Future[int]] = deque()
        for batch in batches(items, BATCH_WRITE_LIMIT):
            if len(pending) >= 2 * WRITE_CONCURRENCY:
                requests += pending.popleft().result()
            if pace is not None:
                pace.take(sum(write_units(item) for item in batch))
            writes = [{"PutRequest": {"Item": serialize(item)}} for item in batch]
            pending.append(pool.submit(write_throttled, table, writes))
        while pending:
            requests += pending.popleft().result()
    return requests


def values_between(table: str, user_id: str, start: datetime | None, end: datetime) -> list[Point]:
    """The total value of every slot kept between ``start`` and ``end``, in time order: one Query of the
    values index (its ~70-byte copies: a page holds over ten thousand, so decades of daily points besides the
    finer tiers' few thousand), paged should it ever be more."""
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": VALUES_INDEX,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
        "ExpressionAttributeValues": {
            ":pk": {"S": keys.snapshots_pk(user_id)},
            ":start": {"S": start.isoformat() if start else EARLIEST},
            ":end": {"S": end.isoformat()},
        },
        "ProjectionExpression": "sk, total_value",
    }
    points: list[Point] = []
    for page in client().get_paginator("query").paginate(**request):
        points.extend(
            Point(datetime.fromisoformat(raw["sk"]["S"]), Decimal(raw["total_value"]["N"]))
            for raw in page.get("Items", [])
        )
    return points


def value_at_or_before(table: str, user_id: str, moment: datetime, since: datetime) -> Decimal | None:
    """The total value of the last snapshot whose slot is between ``since`` and ``moment`` (both included);
    None without one. One Query of the values index (``Limit 1``)."""
    response = client().query(
        TableName=table,
        IndexName=VALUES_INDEX,
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
