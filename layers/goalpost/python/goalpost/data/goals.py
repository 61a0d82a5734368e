"""Goals in the data table.

- ``USER#u / GOAL#<ulid>``: the goal with its milestones embedded (at most 40, read with it, updated
  atomically with the amount), its funding total, its pace sums and an optimistic-concurrency ``version``.
- gsi1 ``USER#u#GOALS#STATUS#<status>``, gsi2 ``USER#u#GOALS#TYPE#<type>`` and gsi3
  ``USER#u#GOALS#STATUS#<status>#TYPE#<type>``: the list filters, each one Query with no filter expression.
  gsi1's active partition holds the owner's PREFS item too, after the goals (``data.preferences``): readers of
  goals keep to the ``GOAL#`` prefix; budget sync reads the partition whole (``active_with_preferences``).
- ``USER#u#GOAL#<id> / PROGRESS#<date>#<ulid>`` and ``.../FUNDING#<account>``: the goal's children, one
  partition so that the goal-cleanup worker takes them all, page by page, after the goal is deleted.

Deleting is one transaction whatever the goal holds: the goal item goes (its milestones embedded), the owner's
goal count goes down and a tombstone records the deletion (``data.deleted_goals``), whose worker removes the
children later. Every child write is conditional on the goal item, so none can be added once it is gone. A goal
marked ``deleting`` was left half-way by the two-step delete of before: readers skip it, and a delete finishes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from goalpost.data import keys
from goalpost.data.alerts import AlertWrite, add_alerts, items_needed, write_once_each
from goalpost.data.batches import batch_get
from goalpost.data.client import get_item
from goalpost.data.codec import Item, key, serialize, strip_keys
from goalpost.data.expressions import counter_change, set_or_remove
from goalpost.data.pagination import owned_page
from goalpost.data.preferences import PreferenceRead, unchanged_since
from goalpost.data.preferences import from_item as preferences_of
from goalpost.data.preferences import get_with as preferences_with
from goalpost.data.queries import query_all
from goalpost.data.transactions import Transaction, TransactionContended, TransactionRefused
from goalpost.domain.goals import Goal, GoalStatus, GoalType
from goalpost.domain.progress import ProgressEntry

# What only the funding transactions write (see data.funding).
FUNDING_FIELDS = ("allocation_total", "funding_links")
NOT_DELETING = "attribute_not_exists(deleting)"


class StaleGoals(Exception):
    """Some goals changed since they were read (their version moved on, or a concurrent transaction held
    them); ``goal_ids`` says which."""

    def __init__(self, goal_ids: set[str]) -> None:
        super().__init__(sorted(goal_ids))
        self.goal_ids = goal_ids


@dataclass
class GoalWrite:
    """A goal to put (new when ``expected_version`` is None, else only if still at that version) and the
    progress entries that go with it."""

    goal: Goal
    expected_version: int | None
    entries: list[ProgressEntry] = field(default_factory=list)

    def items(self, table: str) -> list[dict[str, Any]]:
        user_id = self.goal.user_id
        return [
            self._goal_write(table),
            *({"Put": {"TableName": table, "Item": serialize(progress_item(user_id, e))}} for e in self.entries),
        ]

    def _goal_write(self, table: str) -> dict[str, Any]:
        item = goal_item(self.goal)
        if self.expected_version is None:
            return {
                "Put": {"TableName": table, "Item": serialize(item), "ConditionExpression": "attribute_not_exists(pk)"}
            }
        # An update of every attribute but the funding total, which only the funding transactions move: a goal
        # change and a funding change never undo each other, nor even compete.
        expression, names, values = set_or_remove(
            {k: v for k, v in item.items() if k not in ("pk", "sk", *FUNDING_FIELDS)}
        )
        return {
            "Update": {
                "TableName": table,
                "Key": key(item["pk"], item["sk"]),
                "UpdateExpression": expression,
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {**names, "#version": "version"},
                "ExpressionAttributeValues": {**values, ":expected": {"N": str(self.expected_version)}},
            }
        }


def goal_item(goal: Goal) -> Item:
    sk = keys.goal_sk(goal.id)
    return {
        "pk": keys.user_pk(goal.user_id),
        "sk": sk,
        "entity": "goal",
        **goal.model_dump(),
        "gsi1pk": keys.goals_by_status_pk(goal.user_id, goal.status.value),
        "gsi1sk": sk,
        "gsi2pk": keys.goals_by_type_pk(goal.user_id, goal.type.value),
        "gsi2sk": sk,
        "gsi3pk": keys.goals_by_status_and_type_pk(goal.user_id, goal.status.value, goal.type.value),
        "gsi3sk": sk,
    }


def to_goal(item: Item) -> Goal:
    return Goal.model_validate(strip_keys(item, extra=("deleting",)))


def progress_item(user_id: str, entry: ProgressEntry) -> Item:
    return {
        "pk": keys.goal_children_pk(user_id, entry.goal_id),
        "sk": keys.progress_sk(entry.period_date.isoformat(), entry.id),
        "entity": "progress",
        **entry.model_dump(),
    }


def _live(item: Item | None) -> Goal | None:
    return None if item is None or item.get("deleting") else to_goal(item)


def get(table: str, user_id: str, goal_id: str) -> Goal | None:
    return _live(get_item(table, key(keys.user_pk(user_id), keys.goal_sk(goal_id))))


def get_with_preferences(table: str, user_id: str, goal_id: str) -> tuple[Goal | None, PreferenceRead]:
    """The goal (None when there is none) and its owner's alert preferences, in one consistent BatchGetItem:
    a change of the goal may raise alerts, and releasing them needs the preferences."""
    item, preferences = preferences_with(table, user_id, key(keys.user_pk(user_id), keys.goal_sk(goal_id)))
    return _live(item), preferences


def get_many(table: str, user_id: str, goal_ids: Sequence[str]) -> list[Goal]:
    """Strongly consistent reads of up to 100 goals (missing ones are left out)."""
    items = batch_get(table, [key(keys.user_pk(user_id), keys.goal_sk(goal_id)) for goal_id in goal_ids])
    return [goal for goal in map(_live, items) if goal is not None]


def transaction_size(write: GoalWrite, alerts: int) -> int:
    """How many transaction items the write and its alerts take (plus the unread counter)."""
    return 1 + len(write.entries) + items_needed(alerts)


def save_all(
    table: str,
    writes: Sequence[GoalWrite],
    alerts: Sequence[AlertWrite] = (),
    along: Sequence[dict[str, Any]] = (),
) -> list[AlertWrite]:
    """Writes goals, their new progress entries and alerts, and ``along`` (further unconditional transaction
    items), all or nothing (at most 100 items: the caller batches). ``StaleGoals`` names the goals that lost a
    race; an alert raised before is dropped (``alerts.write_once_each``). Returns the alerts written."""

    def write_with(pending: list[AlertWrite]) -> None:
        transaction = Transaction()
        for write in writes:
            goal_item, *entries = write.items(table)
            transaction.add(goal_item, role=f"goal:{write.goal.id}")
            transaction.add_all(entries, role=f"entries:{write.goal.id}")
        add_alerts(transaction, pending).add_all(along, role="along").write()

    try:
        return write_once_each(write_with, alerts)
    except TransactionContended as contended:
        raise StaleGoals({write.goal.id for write in writes}) from contended
    except TransactionRefused as refused:
        stale = {write.goal.id for write in writes if f"goal:{write.goal.id}" in refused.failed_roles}
        if stale:
            raise StaleGoals(stale) from refused
        raise


def write_along(along: Sequence[dict[str, Any]]) -> None:
    """Writes the unconditional items that were to go ``along`` with goal writes (see ``save_all``) on their
    own: none of those goals changed."""
    Transaction().add_all(along, role="along").write()


def list_page(
    table: str,
    user_id: str,
    *,
    status: GoalStatus | None,
    goal_type: GoalType | None,
    limit: int,
    next_token: str | None,
) -> tuple[list[Goal], str | None]:
    """Newest first. Each filter (status, type, both) has its own index, so a page costs one Query."""
    pk = keys.user_pk(user_id)
    index: str | None = None
    partition = pk
    if status is not None and goal_type is not None:
        index, partition = "gsi3", keys.goals_by_status_and_type_pk(user_id, status.value, goal_type.value)
    elif status is not None:
        index, partition = "gsi1", keys.goals_by_status_pk(user_id, status.value)
    elif goal_type is not None:
        index, partition = "gsi2", keys.goals_by_type_pk(user_id, goal_type.value)
    items, token = owned_page(
        table,
        owner_pk=pk,
        sort_prefix=keys.GOAL_PREFIX,
        index=index,
        partition=partition,
        limit=limit,
        next_token=next_token,
        # Only the table itself still holds a goal that is being deleted (its index keys went first): the
        # filter drops nothing but such a goal, so the page reads no further than an unfiltered one.
        filter_expression=NOT_DELETING if index is None else None,
        window=limit + 1,
    )
    return [to_goal(item) for item in items], token


def list_all(table: str, user_id: str, status: GoalStatus | None = None) -> list[Goal]:
    """Every goal of the user (or every one in ``status``), newest first: one Query, page after page."""
    if status is None:
        items = query_all(
            table=table, partition=keys.user_pk(user_id), sort_prefix=keys.GOAL_PREFIX, filter_expression=NOT_DELETING
        )
    else:
        items = query_all(
            table=table,
            partition=keys.goals_by_status_pk(user_id, status.value),
            sort_prefix=keys.GOAL_PREFIX,
            index="gsi1",
        )
    return [to_goal(item) for item in items]


@dataclass(frozen=True)
class ActiveGoals:
    """The user's active goals and their owner's alert preferences, as one index Query read them; ``as_read``
    is the condition that the preferences still stand (``preferences.unchanged_since``), for the write that
    releases alerts with them."""

    goals: list[Goal]
    preferences: PreferenceRead
    as_read: dict[str, Any]


def active_with_preferences(table: str, user_id: str) -> ActiveGoals:
    """The user's active goals, newest first, and their owner's preferences: one Query of the active goals' gsi1
    partition, which holds the PREFS item too (after the goals: ``data.preferences``)."""
    items = query_all(
        table=table,
        partition=keys.goals_by_status_pk(user_id, GoalStatus.ACTIVE.value),
        sort_prefix=None,
        index="gsi1",
    )
    stored_preferences = next((item for item in items if item["sk"] == keys.PREFS_SK), None)
    goals = [to_goal(item) for item in items if str(item["sk"]).startswith(keys.GOAL_PREFIX)]
    return ActiveGoals(goals, preferences_of(stored_preferences), unchanged_since(table, user_id, stored_preferences))


MAX_GOALS_PER_USER = 1000
GOAL_COUNT = "goal_count"  # on the owner's profile


class TooManyGoals(Exception):
    """The user has as many goals as one may have."""


def create(table: str, goal: Goal) -> None:
    """Stores a new goal and, in the same transaction, counts it on the owner's profile (at most
    ``MAX_GOALS_PER_USER``, also under concurrent creates) and enters the owner in the users registry."""
    count, below_cap, counted = counter_change(GOAL_COUNT, +1, MAX_GOALS_PER_USER)
    profile = {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(goal.user_id), keys.PROFILE_SK),
            "UpdateExpression": f"SET gsi3pk = :registry, gsi3sk = :user {count}",
            "ConditionExpression": below_cap,
            "ExpressionAttributeValues": {**keys.registry_values(goal.user_id), **counted},
        }
    }
    put = GoalWrite(goal, expected_version=None).items(table)[0]
    if not Transaction().add(put, role="goal").add(profile, role="goal_count").write_unless_refused_by("goal_count"):
        raise TooManyGoals


def delete(table: str, user_id: str, goal_id: str, deleted_at: datetime) -> bool:
    """Deletes the goal, takes it off the owner's goal count and records it deleted for the cleanup of its
    progress entries and funding links (``data.deleted_goals``): one transaction, so it is gone for every
    reader at once whatever it holds. False when there is no goal (nothing written)."""
    # The tombstones are imported by the delete alone: the readers and the other writes (the workers among
    # them) would load them for nothing.
    from goalpost.data.deleted_goals import tombstone_put

    uncount, _, uncounted = counter_change(GOAL_COUNT, -1)
    removal = {
        "Delete": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.goal_sk(goal_id)),
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    uncount_update = {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.PROFILE_SK),
            "UpdateExpression": uncount,
            "ExpressionAttributeValues": uncounted,
        }
    }
    transaction = Transaction().add(removal, role="goal").add(uncount_update, role="goal_count")
    transaction.add(tombstone_put(table, user_id, goal_id, deleted_at), role="tombstone")
    return transaction.write_unless_refused_by("goal")
