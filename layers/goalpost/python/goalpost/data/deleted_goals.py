"""Deleted goals whose children are still stored: their tombstones (``data.tombstones``, kind ``GOALS``).

A goal's delete (``data.goals.delete``) removes the goal item and writes its tombstone in one transaction, so
the goal, its milestones and its children are gone for every reader at once. What the delete leaves, the
children partition ``USER#u#GOAL#<id>`` (progress entries and funding links), is removed here later, page by
page, then the tombstone: the tombstone goes last, so a cleanup cut short is found and finished by the next.
Nothing can add a child meanwhile: every child write is conditional on the goal item, in its own transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from goalpost.data import keys, tombstones
from goalpost.data.batches import delete_partition

# Children keys read a Query page: a bound on the worker's memory whatever a goal holds (each page is then
# deleted 25 a BatchWriteItem before the next is read).
CHILDREN_PAGE = 1000


def tombstone_put(table: str, user_id: str, goal_id: str, deleted_at: datetime) -> dict[str, Any]:
    """The transaction item that records the goal deleted, for its cleanup."""
    return tombstones.tombstone_put(table, tombstones.GOALS, user_id, goal_id, deleted_at)


def recorded(table: str, shard: int) -> list[tuple[str, str]]:
    """The (user, goal) of every tombstone of one shard, oldest first."""
    return tombstones.recorded(table, tombstones.GOALS, shard)


def clear(table: str, user_id: str, goal_id: str) -> int | None:
    """Deletes the deleted goal's children, then its tombstone; the children deleted, or None when the goal has
    no tombstone (cleared already, or never deleted: its children are not touched). ``tombstones.StillThere`` when
    the goal exists. Safe to run again and at the same time as another run: deleting what is gone is a no-op."""

    def children() -> int:
        return delete_partition(table, keys.goal_children_pk(user_id, goal_id), page_size=CHILDREN_PAGE)

    return tombstones.clear(table, tombstones.GOALS, user_id, goal_id, children)
