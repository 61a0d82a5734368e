"""Deleted goals whose children are still stored: ``USER#u / DELETED_GOAL#<id>`` (the tombstone), in gsi3
``DELETED_GOALS#<shard>`` / ``<deleted_at>#<user>#<goal id>``.

A goal's delete (``data.goals.delete``) removes the goal item and writes its tombstone in one transaction, so
the goal, its milestones and its children are gone for every reader at once. What the delete leaves, the
children partition ``USER#u#GOAL#<id>`` (progress entries and funding links), is removed here later, page by
page, then the tombstone: the tombstone goes last, so a cleanup cut short is found and finished by the next.
Nothing can add a child meanwhile: every child write is conditional on the goal item, in its own transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from goalpost.data import keys
from goalpost.data.batches import batch_get, delete_partition
from goalpost.data.client import client
from goalpost.data.codec import key, serialize
from goalpost.data.queries import query_all

# Children keys read a Query page: a bound on the worker's memory whatever a goal holds (each page is then
# deleted 25 a BatchWriteItem before the next is read).
CHILDREN_PAGE = 1000


def tombstone_put(table: str, user_id: str, goal_id: str, deleted_at: datetime) -> dict[str, Any]:
    """The transaction item that records the goal deleted, for its cleanup."""
    item = {
        "pk": keys.user_pk(user_id),
        "sk": keys.deleted_goal_sk(goal_id),
        "entity": "deleted_goal",
        "user_id": user_id,
        "goal_id": goal_id,
        "deleted_at": deleted_at.isoformat(),
        "gsi3pk": keys.deleted_goals_pk(keys.shard_of(goal_id, keys.DELETED_GOAL_SHARDS)),
        "gsi3sk": f"{deleted_at.isoformat()}#{user_id}#{goal_id}",
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def recorded(table: str, shard: int) -> list[tuple[str, str]]:
    """The (user, goal) of every tombstone of one shard, oldest first (eventually consistent, as every index
    read: a tombstone written a moment ago may wait for the next run)."""
    items = query_all(
        table=table,
        partition=keys.deleted_goals_pk(shard),
        sort_prefix=None,
        index="gsi3",
        newest_first=False,
        projection="user_id, goal_id",
    )
    return [(str(item["user_id"]), str(item["goal_id"])) for item in items]


class GoalNotDeleted(Exception):
    """A goal that has a tombstone and still exists: no delete writes both, so the worker leaves it alone."""


def clear(table: str, user_id: str, goal_id: str) -> int | None:
    """Deletes the deleted goal's children, then its tombstone; the children deleted, or None when the goal has
    no tombstone (cleared already, or never deleted: its children are not touched). Safe to run again and at
    the same time as another run: deleting what is gone already is a no-op."""
    tombstone_key = key(keys.user_pk(user_id), keys.deleted_goal_sk(goal_id))
    goal_key = key(keys.user_pk(user_id), keys.goal_sk(goal_id))
    found = {item["sk"] for item in batch_get(table, [tombstone_key, goal_key])}
    if keys.deleted_goal_sk(goal_id) not in found:
        return None
    if keys.goal_sk(goal_id) in found:
        raise GoalNotDeleted(goal_id)
    deleted = delete_partition(table, keys.goal_children_pk(user_id, goal_id), page_size=CHILDREN_PAGE)
    client().delete_item(TableName=table, Key=tombstone_key)
    return deleted
