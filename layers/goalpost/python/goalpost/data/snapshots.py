"""Portfolio snapshots, in a table of their own (``declaration.SNAPSHOTS_TABLE``, provisioned capacity).

A registry shard's users are in fixed groups (by a hash of the user), and a slot is written as one item per
group, each holding its members under a 48-bit tag of the user:
- ``TOTALS#<registry shard>#<group> / <slot>``: each member's total, one number ``t<tag>`` (~20 bytes), in
  ``GROUPS_PER_SHARD`` groups (~8 users at 1,000,000);
- ``SNAPS#<registry shard>#<group> / <slot>``: each member's snapshot, one binary attribute ``s<tag>``
  (``encode_snapshot``: its figures and packed holdings, deflated; ~155 bytes for five holdings), two totals
  groups to a snapshots group (~15 users).
Both are kept as long as their longest-kept member's snapshot (``expires_at``; the day's last slot forever).
Which tier keeps a slot is the writer's decision (``services.snapshots``: the last slot the schedule records
in a coarser bucket is kept as long as that bucket's tier keeps its points), so a bucket whose closing slot is
never recorded keeps its point.

A write unit is per item and KB, so a slot costs a user about a fifth of a unit for its snapshot and an
eighth for its total, where an item of its own cost a whole one (docs/performance.md). Every chart reads the
totals kept in its window from its user's totals group, one Query of ~200-byte items whatever the holdings;
the snapshots list reads the user's snapshots group, taking the user's attribute from each slot.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from functools import partial
from secrets import SystemRandom
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.batches import BATCH_WRITE_LIMIT, WRITE_CONCURRENCY, batch_get, batch_write, batches
from goalpost.data.client import client, error_code, is_condition_failure
from goalpost.data.codec import Item, key, serialize, serialize_value
from goalpost.data.pagination import decode_token, encode_token
from goalpost.data.queries import query_page
from goalpost.data.snapshot_codec import decode_snapshot, encode_snapshot, pack_holding
from goalpost.domain.charts import KEEP_MARGIN, Point, Tier, tiers_closed_by

# A registry shard's users are packed into this many totals groups, by a hash of the user (a user's group never
# changes): ~8 a group at 1,000,000 users (15,625 a shard), so a group's totals item stays near 200 bytes.
GROUPS_PER_SHARD = 2048
# Two totals groups share a snapshots group (~15 users, ~2.6 KB a slot): a write unit is a whole KB, so the
# more members an item has, the less of a unit each wastes rounding up (0.20 units a user, 0.26 for ~8).
TOTALS_GROUPS_PER_SNAPSHOTS_GROUP = 2
TOTALS_PREFIX = "TOTALS#"
SNAPSHOTS_PREFIX = "SNAPS#"
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


def _user_hash(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()


def _group(user_id: str) -> str:
    """The user's group, in the user's registry shard (so one worker message, a shard, writes every member of a
    group for its slot): ``<shard>#<group>``. A user's group never changes."""
    group = int(_user_hash(user_id)[:8], 16) % GROUPS_PER_SHARD
    return f"{keys.shard_of(user_id, keys.USER_SHARDS)}#{group}"


def totals_pk(user_id: str) -> str:
    """The partition of the items of the user's group's totals."""
    return f"{TOTALS_PREFIX}{_group(user_id)}"


def group_pk(user_id: str) -> str:
    """The partition of the items of the user's group's snapshots (its totals group and the next one)."""
    return _snapshots_pk_of(_group(user_id))


def _snapshots_pk_of(totals_group: str) -> str:
    """The snapshots group's partition of a totals group (``<shard>#<group>``): stored items are keyed by it,
    so this mapping never changes."""
    shard, group = totals_group.split("#")
    return f"{SNAPSHOTS_PREFIX}{shard}#{int(group) // TOTALS_GROUPS_PER_SNAPSHOTS_GROUP}"


def member_tag(user_id: str) -> str:
    """The attribute that holds the user's total in its group's totals items: 48 bits of a hash of the user,
    short where the user id is not (two members of a group sharing one: about one in 10^13 a pair)."""
    return f"t{_user_hash(user_id)[8:20]}"


def member_snapshot(user_id: str) -> str:
    """The attribute that holds the user's snapshot in its group's snapshots items (the same 48 bits)."""
    return f"s{_user_hash(user_id)[8:20]}"


def user_of(item: Item) -> str:
    """The user a snapshot item (``snapshot_item``) is of."""
    return str(item["pk"]).removeprefix("USER#").removesuffix("#SNAP")


def expires_at(slot: datetime, kept_by: Tier) -> int | None:
    """When a slot kept by ``kept_by`` may go (epoch seconds): after its tier keeps it; never for the daily tier."""
    if kept_by.keep is None:
        return None
    return int((slot + kept_by.keep + KEEP_MARGIN).timestamp())


def snapshot_item(user_id: str, slot: datetime, snapshot: dict[str, Any], kept_by: Tier | None = None) -> Item:
    """One user's snapshot for a slot (``services.snapshots``' dict) as the writers take it: keyed by the user
    and slot (the shape of the items stored one a user before the groups, which the migration regroups), its
    holdings packed, kept by ``kept_by`` (by default the coarsest tier the slot closes)."""
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


def write_units(item: Item) -> int:
    """The write units an item costs: about a unit a KB of names and values (an estimate for pacing: DynamoDB
    counts the same bytes)."""
    size = 0
    for name, value in item.items():
        if isinstance(value, list):
            size += len(name) + sum(len(str(part)) + 3 for part in value)
        else:
            size += len(name) + (len(value) if isinstance(value, bytes) else len(str(value)))
    return max(1, math.ceil(size / 1024))


class SlotGroups:
    """The group items of the snapshots that pass through ``add``: per group and slot, each member's snapshot
    (``SNAPS#``) and total (``TOTALS#``), and the latest expiry of their snapshots (none when one is kept
    forever)."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str], dict[str, Any]] = {}
        self.expiry: dict[tuple[str, str], int | None] = {}

    def add(self, item: Item) -> None:
        user_id, slot = user_of(item), str(item["sk"])
        snapshot = encode_snapshot(item, datetime.fromisoformat(slot))
        self._member((group_pk(user_id), slot), member_snapshot(user_id), snapshot, item.get("expires_at"))
        self._member((totals_pk(user_id), slot), member_tag(user_id), item["total_value"], item.get("expires_at"))

    def _member(self, group: tuple[str, str], name: str, value: Any, expiry: Any) -> None:
        self.members.setdefault(group, {})[name] = value
        kept = self.expiry.get(group, 0)
        self.expiry[group] = None if expiry is None or kept is None else max(kept, int(expiry))

    def items(self) -> Iterator[Item]:
        """Each group's item, whole: the snapshots' before the totals', so that a chart's point never comes
        before its snapshot is stored."""
        ordered = sorted(self.members.items(), key=lambda group: group[0][0].startswith(TOTALS_PREFIX))
        for (pk, sk), members in ordered:
            expiry = self.expiry[(pk, sk)]
            yield {"pk": pk, "sk": sk, **members, **({} if expiry is None else {"expires_at": expiry})}


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
    """One BatchWriteItem (``batch_write`` retries its unprocessed items), sent again while the table refuses
    it for capacity (``throttled``). Returns the requests made."""
    return throttled(lambda: batch_write(table, writes))


def throttled(write: Callable[[], int]) -> int:
    """A write (returning its requests), again with jittered backoff while the table refuses it for capacity:
    a burst over the provisioned units waits for auto scaling rather than failing the shard."""
    for attempt in range(THROTTLE_ATTEMPTS):
        try:
            return attempt + write()
        except ClientError as error:
            if error_code(error) not in THROTTLED or attempt == THROTTLE_ATTEMPTS - 1:
                raise
        pause = min(THROTTLE_CAP_SECONDS, THROTTLE_BASE_SECONDS * 2**attempt)
        _sleep(_jitter.uniform(pause / 2, pause))
    raise AssertionError("unreachable")


def merge_group(table: str, item: Item) -> int:
    """Adds a group item's members to the stored item of its group and slot, keeping the members stored there
    and the later expiry (none when either is kept forever): one UpdateItem, a second when the stored item is
    kept longer. So two runs of one slot that recorded different members (a run asked for now and the
    scheduled one, which records only the portfolios whose markets trade) add up, and a run again writes the
    same item. Returns the requests made."""
    members = {name: value for name, value in item.items() if name not in ("pk", "sk", "expires_at")}
    names = {f"#m{n}": name for n, name in enumerate(members)}
    values = {f":m{n}": serialize_value(value) for n, value in enumerate(members.values())}
    assignments = ", ".join(f"#m{n} = :m{n}" for n in range(len(members)))
    request: dict[str, Any] = {
        "TableName": table,
        "Key": key(str(item["pk"]), str(item["sk"])),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    expiry = item.get("expires_at")
    if expiry is None:  # kept forever: so is the group's item
        client().update_item(**request, UpdateExpression=f"SET {assignments} REMOVE expires_at")
        return 1
    try:
        # A new item, or one kept less long than this slot's members need (an item without expiry is kept forever).
        client().update_item(
            **{**request, "ExpressionAttributeValues": {**values, ":e": serialize_value(expiry)}},
            UpdateExpression=f"SET {assignments}, expires_at = :e",
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :e",
        )
        return 1
    except ClientError as error:
        if not is_condition_failure(error):
            raise
    client().update_item(**request, UpdateExpression=f"SET {assignments}")
    return 2


def put_snapshots(
    table: str, items: Iterable[Item], *, units_per_second: float | None = None, merge: bool = False
) -> int:
    """Writes snapshot items (``snapshot_item``) into their groups' items (``SlotGroups``), the snapshots' before
    the totals', at most ``units_per_second`` write units a second (unpaced without), and returns the write
    requests made. A group's members are gathered first (the worker passes a registry shard: its members'
    snapshots, ~170 bytes each, are held until the shard's items are written). A group's items are put whole, 25
    a BatchWriteItem, unless another run stored its slot already (one BatchGetItem of the snapshots items per
    100 tells): those, and every item with ``merge`` (stored snapshots regrouped, whose groups arrive in
    pieces), are added to the stored ones (``merge_group``), so a run asked for now and the scheduled run of a
    slot add up. The same slot written again writes the same items (idempotent); the first failed write fails
    the call, after the writes under way have finished."""
    pace = Pace(units_per_second) if units_per_second else None
    groups = SlotGroups()
    for item in items:
        groups.add(item)
    ordered = list(groups.items())
    stored = set() if merge else _stored(table, [item for item in ordered if _is_snapshots(item)])
    requests = 0
    with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
        pending: deque[Future[int]] = deque()

        def submit(units: int, write: Callable[[], int]) -> None:
            nonlocal requests
            if len(pending) >= 2 * WRITE_CONCURRENCY:
                requests += pending.popleft().result()
            if pace is not None:
                pace.take(units)
            pending.append(pool.submit(throttled, write))

        for snapshots in (True, False):  # the snapshots' items first, all written before the totals'
            kind = [item for item in ordered if _is_snapshots(item) == snapshots]
            stored_already = [merge or _snapshots_key(item) in stored for item in kind]
            added = [item for item, already in zip(kind, stored_already, strict=True) if already]
            new = [item for item, already in zip(kind, stored_already, strict=True) if not already]
            for batch in batches(new, BATCH_WRITE_LIMIT):
                puts = [{"PutRequest": {"Item": serialize(item)}} for item in batch]
                submit(sum(write_units(item) for item in batch), partial(batch_write, table, puts))
            for item in added:
                submit(write_units(item), partial(merge_group, table, item))
            while pending:
                requests += pending.popleft().result()
    return requests


def _is_snapshots(item: Item) -> bool:
    return str(item["pk"]).startswith(SNAPSHOTS_PREFIX)


def _snapshots_key(item: Item) -> tuple[str, str]:
    """The snapshots item of a group item's slot: itself, or the one its totals group belongs to."""
    if _is_snapshots(item):
        return str(item["pk"]), str(item["sk"])
    return _snapshots_pk_of(str(item["pk"]).removeprefix(TOTALS_PREFIX)), str(item["sk"])


def _stored(table: str, snapshots_items: list[Item]) -> set[tuple[str, str]]:
    """Which of these snapshots items' slots are stored already (another run of the slot wrote them)."""
    if not snapshots_items:
        return set()
    found = batch_get(table, [key(str(item["pk"]), str(item["sk"])) for item in snapshots_items])
    return {(str(item["pk"]), str(item["sk"])) for item in found}


def _members_query(table: str, partition: str, member: str, start: str, end: str) -> dict[str, Any]:
    """A Query of a group's items between two slots, for one member's attribute only."""
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
        "ExpressionAttributeNames": {"#m": member},
        "ExpressionAttributeValues": {":pk": {"S": partition}, ":start": {"S": start}, ":end": {"S": end}},
        "ProjectionExpression": "sk, #m",
    }


def _latest_member(table: str, partition: str, member: str, start: str, end: str) -> dict[str, Any] | None:
    """The latest of a group's items between two slots that holds ``member`` (the first, unless the group's
    other members were recorded where the member was not), projected to its slot and the member."""
    request = _members_query(table, partition, member, start, end)
    for page in client().get_paginator("query").paginate(**request, ScanIndexForward=False):
        for raw in page.get("Items", []):
            if member in raw:
                return dict(raw)
    return None


def values_between(table: str, user_id: str, start: datetime | None, end: datetime) -> list[Point]:
    """The total value of every slot kept between ``start`` and ``end``, in time order: one Query of the user's
    totals group (its ~200-byte items: a page holds ~5,000, a year of a crypto portfolio's kept slots and
    years of daily points), paged should it ever be more. A slot the group holds without the user is not the
    user's."""
    tag = member_tag(user_id)
    request = _members_query(table, totals_pk(user_id), tag, start.isoformat() if start else EARLIEST, end.isoformat())
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
    None without one: a Query of the user's totals group, latest first."""
    tag = member_tag(user_id)
    found = _latest_member(table, totals_pk(user_id), tag, since.isoformat(), moment.isoformat())
    return None if found is None else Decimal(found[tag]["N"])


def latest_snapshot(table: str, user_id: str) -> Item | None:
    """The user's latest snapshot, as the API shows it; None without one."""
    member = member_snapshot(user_id)
    found = _latest_member(table, group_pk(user_id), member, EARLIEST, LATEST)
    return None if found is None else _snapshot_of(found["sk"]["S"], found[member]["B"])


def _snapshot_of(slot: str, stored: bytes) -> Item:
    return decode_snapshot(bytes(stored), datetime.fromisoformat(slot))


def snapshots_page(
    table: str, user_id: str, *, start: datetime | None, end: datetime | None, limit: int, next_token: str | None
) -> tuple[list[Item], str | None]:
    """The user's snapshots between ``start`` and ``end``, newest first, one page: one Query of the user's
    snapshots group for the slots that hold the user (``query_page``'s filtered window: a page may hold fewer
    than ``limit`` where the group's other members were recorded and the user was not)."""
    partition, member = group_pk(user_id), member_snapshot(user_id)
    items, last = query_page(
        table=table,
        partition=partition,
        sort_prefix=None,
        limit=limit,
        start_key=decode_token(next_token, exact={"pk": partition}, prefixed={"sk": ""}),
        between=(start.isoformat() if start else EARLIEST, end.isoformat() if end else LATEST),
        filter_expression="attribute_exists(#m)",
        filter_names={"#m": member},
        projection="pk, sk, #m",
    )
    return [_snapshot_of(item["sk"], item[member]) for item in items], encode_token(last)
