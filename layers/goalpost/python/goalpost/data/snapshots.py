"""Portfolio snapshots, in a table of their own (``declaration.SNAPSHOTS_TABLE``, provisioned capacity).

- ``USER#u#SNAP / <slot>``: one snapshot per 5-minute slot, its holdings packed (``pack_holding``), kept until
  the tier it is kept by expires (``expires_at``; the day's last slot forever). Which tier keeps a slot is the
  writer's decision (``services.snapshots``: the last slot the schedule records in a coarser bucket is kept as
  long as that bucket's tier keeps its points), so a bucket whose closing slot is never recorded keeps its point.
- ``TOTALS#<registry shard>#<group> / <slot>``: the totals of one slot of a fixed group of the shard's users
  (``GROUPS_PER_SHARD``; ~8 users at 1,000,000), one attribute ``t<tag>`` a member (``member_tag``), kept as
  long as its longest-kept member's snapshot. Every chart reads the totals kept in its window from its user's
  group partition, one Query of ~200-byte items whatever the holdings, and buckets them (the last snapshot of
  each bucket is its point). A write unit is per item and KB: a slot costs its user's item and an eighth of the
  group's totals item, where a copy in an index cost a whole unit a user.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from itertools import chain
from secrets import SystemRandom
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.batches import BATCH_WRITE_LIMIT, WRITE_CONCURRENCY, batch_write, batches
from goalpost.data.client import client, error_code, is_condition_failure
from goalpost.data.codec import Item, deserialize, key, serialize, serialize_value
from goalpost.data.pagination import decode_token, encode_token
from goalpost.data.queries import query_page
from goalpost.domain.charts import KEEP_MARGIN, Point, Tier, tiers_closed_by

# A registry shard's users are packed into this many totals groups, by a hash of the user (a user's group never
# changes): ~8 a group at 1,000,000 users (15,625 a shard), so a group's totals item stays near 200 bytes.
GROUPS_PER_SHARD = 2048
TOTALS_PREFIX = "TOTALS#"
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


def _user_hash(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()


def totals_pk(user_id: str) -> str:
    """The partition of the user's totals group: in the user's registry shard, so one worker message (a shard)
    writes every member of a group for its slot."""
    group = int(_user_hash(user_id)[:8], 16) % GROUPS_PER_SHARD
    return f"{TOTALS_PREFIX}{keys.shard_of(user_id, keys.USER_SHARDS)}#{group}"


def member_tag(user_id: str) -> str:
    """The attribute that holds the user's total in its group's items: 48 bits of a hash of the user, short
    where the user id is not (two members of a group sharing one: about one in 10^13 a pair)."""
    return f"t{_user_hash(user_id)[8:20]}"


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
    """The write units an item costs: about a unit a KB of names and values (an estimate for pacing: DynamoDB
    counts the same bytes)."""
    size = 0
    for name, value in item.items():
        size += len(name) + (sum(len(str(part)) + 3 for part in value) if isinstance(value, list) else len(str(value)))
    return max(1, math.ceil(size / 1024))


class GroupTotals:
    """The totals items of the snapshots that pass through ``add``: per group and slot, each member's total and
    the latest expiry of their snapshots (none when one is kept forever)."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str], dict[str, Any]] = {}
        self.expiry: dict[tuple[str, str], int | None] = {}

    def add(self, item: Item) -> Item:
        user_id = str(item["pk"]).removeprefix("USER#").removesuffix("#SNAP")
        group = (totals_pk(user_id), str(item["sk"]))
        self.members.setdefault(group, {})[member_tag(user_id)] = item["total_value"]
        expiry = item.get("expires_at")
        kept = self.expiry.get(group, 0)
        self.expiry[group] = None if expiry is None or kept is None else max(kept, int(expiry))
        return item

    def items(self) -> Iterator[Item]:
        """Each group's totals item, whole (written after the snapshots it totals)."""
        for (pk, sk), members in self.members.items():
            expiry = self.expiry[(pk, sk)]
            yield {"pk": pk, "sk": sk, **members, **({} if expiry is None else {"expires_at": expiry})}

    def merge(self, table: str, pace: Pace | None) -> int:
        """Adds each member's total to its group's stored totals item, keeping the others' and the latest
        expiry (for a copy of stored snapshots, whose groups arrive in pieces): one UpdateItem a member, a
        second when the stored expiry is the later one. Returns the requests made."""
        requests = 0
        for (pk, sk), members in self.members.items():
            expiry = self.expiry[(pk, sk)]
            for tag, total in members.items():
                if pace is not None:
                    pace.take(1)
                requests += _merge_total(table, key(pk, sk), tag, total, expiry)
        return requests


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


def _merge_total(table: str, item_key: dict[str, Any], tag: str, total: Any, expiry: int | None) -> int:
    names, values = {"#t": tag}, {":t": serialize_value(total)}

    def update(expression: str, condition: str | None = None, expires: int | None = None) -> None:
        request: dict[str, Any] = {
            "TableName": table,
            "Key": item_key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values if expires is None else {**values, ":e": serialize_value(expires)},
        }
        if condition is not None:
            request["ConditionExpression"] = condition
        client().update_item(**request)

    if expiry is None:  # kept forever: so is the group's item
        update("SET #t = :t REMOVE expires_at")
        return 1
    try:
        # A new item, or one kept less long than this member needs (an item without expiry is kept forever).
        update("SET #t = :t, expires_at = :e", "attribute_not_exists(pk) OR expires_at < :e", expiry)
        return 1
    except ClientError as error:
        if not is_condition_failure(error):
            raise
    update("SET #t = :t")
    return 2


def put_snapshots(
    table: str, items: Iterable[Item], *, units_per_second: float | None = None, merge_totals: bool = False
) -> int:
    """Writes snapshot items 25 a request, ``WRITE_CONCURRENCY`` requests at a time, at most
    ``units_per_second`` write units a second (unpaced without), then their groups' totals items
    (``GroupTotals``), and returns the requests made. ``items`` may be a generator: they are built while earlier
    batches are written, a bounded number ahead, so a shard's snapshots are never all in memory. A totals item
    is written whole, so a call passes every member of a group it writes for a slot (the worker passes a
    registry shard); with ``merge_totals`` each total is added to the stored item instead (a copy of stored
    snapshots). The same slot written again replaces its items (idempotent); the first failed batch fails the
    call, after the batches under way have finished."""
    pace = Pace(units_per_second) if units_per_second else None
    totals = GroupTotals()
    snapshots = (totals.add(item) for item in items)
    requests = _write(table, snapshots if merge_totals else chain(snapshots, _after(totals)), pace)
    return requests + (totals.merge(table, pace) if merge_totals else 0)


def _after(totals: GroupTotals) -> Iterator[Item]:
    """The totals items, taken only once every snapshot before them has passed."""
    yield from totals.items()


def _write(table: str, items: Iterable[Item], pace: Pace | None) -> int:
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


def _totals_query(user_id: str, start: str, end: str) -> dict[str, Any]:
    """A Query of the user's totals group between two slots, for the user's total only."""
    return {
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
        "ExpressionAttributeNames": {"#t": member_tag(user_id)},
        "ExpressionAttributeValues": {
            ":pk": {"S": totals_pk(user_id)},
            ":start": {"S": start},
            ":end": {"S": end},
        },
        "ProjectionExpression": "sk, #t",
    }


def values_between(table: str, user_id: str, start: datetime | None, end: datetime) -> list[Point]:
    """The total value of every slot kept between ``start`` and ``end``, in time order: one Query of the user's
    totals group (its ~200-byte items: a page holds ~5,000, a year of a crypto portfolio's kept slots and
    years of daily points), paged should it ever be more. A slot the group holds without the user is not the
    user's."""
    request = {"TableName": table, **_totals_query(user_id, start.isoformat() if start else EARLIEST, end.isoformat())}
    tag = member_tag(user_id)
    points: list[Point] = []
    for page in client().get_paginator("query").paginate(**request):
        points.extend(
            Point(datetime.fromisoformat(raw["sk"]["S"]), Decimal(raw[tag]["N"]))
            for raw in page.get("Items", [])
            if tag in raw
        )
    return points


def value_at_or_before(table: str, user_id: str, moment: datetime, since: datetime) -> Decimal | None:
    """The total value of the last snapshot whose slot is between ``since`` and ``moment`` (both included);
    None without one. A Query of the user's totals group, latest first, until a slot holds the user (the
    first, unless the group's other members were recorded where the user was not)."""
    request = {"TableName": table, **_totals_query(user_id, since.isoformat(), moment.isoformat())}
    tag = member_tag(user_id)
    for page in client().get_paginator("query").paginate(**request, ScanIndexForward=False):
        for raw in page.get("Items", []):
            if tag in raw:
                return Decimal(raw[tag]["N"])
    return None


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
