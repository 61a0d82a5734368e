"""Tombstones: a record, written by a delete's own transaction, of a deleted thing whose leftovers a worker of
the goal-cleanup job still has to clear (``services.goal_cleanup``). One kind per thing deleted that way:

- ``USER#u / DELETED_GOAL#<id>``, gsi3 ``DELETED_GOALS#<shard>``: a goal whose children partition is still
  stored (``data.deleted_goals``);
- ``USER#u / DELETED_ACCOUNT#<id>``, gsi3 ``DELETED_ACCOUNTS#<shard>``: a connected account whose positions are
  still linked to it (``data.deleted_accounts``).

Each kind's gsi3 sort key is ``<deleted_at>#<user>#<id>``, so the job reads a shard oldest first. The worker
removes a tombstone only after its leftovers: a cleanup cut short is found and finished by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from goalpost.data import keys
from goalpost.data.batches import batch_get
from goalpost.data.client import client
from goalpost.data.codec import key, serialize
from goalpost.data.queries import query_all


@dataclass(frozen=True)
class Kind:
    """One kind of tombstone: its sort key (``sk``), its index partition (``index_pk``) over ``shards``, the
    attribute that names the deleted thing and the key of the deleted thing itself (``live_sk``)."""

    entity: str
    id_attribute: str
    sk: Callable[[str], str]
    index_pk: Callable[[int], str]
    shards: int
    live_sk: Callable[[str], str]


GOALS = Kind(
    "deleted_goal", "goal_id", keys.deleted_goal_sk, keys.deleted_goals_pk, keys.DELETED_GOAL_SHARDS, keys.goal_sk
)
ACCOUNTS = Kind(
    "deleted_account",
    "account_id",
    keys.deleted_account_sk,
    keys.deleted_accounts_pk,
    keys.DELETED_ACCOUNT_SHARDS,
    keys.account_sk,
)


class StillThere(Exception):
    """A tombstone whose deleted thing exists: no delete writes both, so the worker leaves it alone."""


def tombstone_put(table: str, kind: Kind, user_id: str, deleted_id: str, deleted_at: datetime) -> dict[str, Any]:
    """The transaction item that records ``deleted_id`` deleted, for its cleanup."""
    item = {
        "pk": keys.user_pk(user_id),
        "sk": kind.sk(deleted_id),
        "entity": kind.entity,
        "user_id": user_id,
        kind.id_attribute: deleted_id,
        "deleted_at": deleted_at.isoformat(),
        "gsi3pk": kind.index_pk(keys.shard_of(deleted_id, kind.shards)),
        "gsi3sk": f"{deleted_at.isoformat()}#{user_id}#{deleted_id}",
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def recorded(table: str, kind: Kind, shard: int) -> list[tuple[str, str]]:
    """The (user, id) of every tombstone of one shard, oldest first (eventually consistent, as every index
    read: a tombstone written a moment ago may wait for the next run)."""
    items = query_all(
        table=table,
        partition=kind.index_pk(shard),
        sort_prefix=None,
        index="gsi3",
        newest_first=False,
        projection=f"user_id, {kind.id_attribute}",
    )
    return [(str(item["user_id"]), str(item[kind.id_attribute])) for item in items]


def clear(table: str, kind: Kind, user_id: str, deleted_id: str, leftovers: Callable[[], int]) -> int | None:
    """Runs ``leftovers`` (the kind's cleanup: how many items it changed), then removes the tombstone; None when
    there is no tombstone (cleared already, or never deleted: nothing is touched). ``StillThere`` when the
    deleted thing exists. Safe to run again and at the same time as another run as long as ``leftovers`` is."""
    tombstone_key = key(keys.user_pk(user_id), kind.sk(deleted_id))
    live_key = key(keys.user_pk(user_id), kind.live_sk(deleted_id))
    found = {item["sk"] for item in batch_get(table, [tombstone_key, live_key])}
    if kind.sk(deleted_id) not in found:
        return None
    if kind.live_sk(deleted_id) in found:
        raise StillThere(deleted_id)
    changed = leftovers()
    client().delete_item(TableName=table, Key=tombstone_key)
    return changed
