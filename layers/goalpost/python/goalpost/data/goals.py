"""Goals in the data table.

- ``USER#u / GOAL#<ulid>``: the goal with its milestones embedded (few per goal, read with it, updated
  atomically with the amount), its funding total and an optimistic-concurrency ``version``.
- gsi1 ``USER#u#GOALS#STATUS#<status>`` and gsi2 ``USER#u#GOALS#TYPE#<type>``: the list filters.
- ``USER#u#GOAL#<id> / PROGRESS#<date>#<ulid>`` and ``.../FUNDING#<account>``: the goal's children, one
  partition so that deleting the goal takes them all with one Query.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.alerts import GUARD_STRIDE, AlertWrite, transact_items
from goalpost.data.dynamo import (
    Item,
    cancellation_codes,
    client,
    delete_partition,
    deserialize,
    is_condition_failure,
    key,
    serialize,
    strip_keys,
)
from goalpost.data.pagination import owned_page
from goalpost.domain.goals import Goal, GoalStatus, GoalType
from goalpost.domain.progress import ProgressEntry


class StaleGoal(Exception):
    """The goal changed since it was read (its version moved on)."""


class AlertsAlreadyRaised(Exception):
    """Some alerts of a transaction were stored before; ``indexes`` says which."""

    def __init__(self, indexes: set[int]) -> None:
        super().__init__(sorted(indexes))
        self.indexes = indexes


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
    }


def to_goal(item: Item) -> Goal:
    return Goal.model_validate(strip_keys(item))


def progress_item(user_id: str, entry: ProgressEntry) -> Item:
    return {
        "pk": keys.goal_children_pk(user_id, entry.goal_id),
        "sk": keys.progress_sk(entry.period_date.isoformat(), entry.id),
        "entity": "progress",
        **entry.model_dump(),
    }


def get(table: str, user_id: str, goal_id: str) -> Goal | None:
    response = client().get_item(
        TableName=table, Key=key(keys.user_pk(user_id), keys.goal_sk(goal_id)), ConsistentRead=True
    )
    raw = response.get("Item")
    return to_goal(deserialize(raw)) if raw else None


def _write(items: list[dict[str, Any]], alert_offset: int, alert_count: int) -> None:
    """Runs one transaction; the goal write is item 0, the alerts' guards every ``GUARD_STRIDE``-th item from
    ``alert_offset``. Maps the cancellation to ``StaleGoal`` or ``AlertsAlreadyRaised``."""
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as error:
        codes = cancellation_codes(error)
        if not codes:
            raise
        if codes[0] == "ConditionalCheckFailed":
            raise StaleGoal from error
        duplicates = {
            n for n in range(alert_count) if codes[alert_offset + GUARD_STRIDE * n] == "ConditionalCheckFailed"
        }
        if duplicates:
            raise AlertsAlreadyRaised(duplicates) from error
        raise


def save(
    table: str,
    goal: Goal,
    *,
    expected_version: int | None,
    entries: list[ProgressEntry] = (),  # type: ignore[assignment]
    alerts: list[AlertWrite] = (),  # type: ignore[assignment]
) -> None:
    """Writes the goal (new when ``expected_version`` is None, else only if still at that version) together
    with its new progress entries and alerts, all or nothing."""
    if expected_version is None:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    else:
        condition = {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        }
    items: list[dict[str, Any]] = [{"Put": {"TableName": table, "Item": serialize(goal_item(goal)), **condition}}]
    items += [{"Put": {"TableName": table, "Item": serialize(progress_item(goal.user_id, entry))}} for entry in entries]
    alert_offset = len(items)
    items += transact_items(list(alerts))
    if len(items) == 1:
        try:
            client().put_item(**items[0]["Put"])
        except ClientError as error:
            if is_condition_failure(error):
                raise StaleGoal from error
            raise
        return
    _write(items, alert_offset, len(alerts))


def list_page(
    table: str,
    user_id: str,
    *,
    status: GoalStatus | None,
    goal_type: GoalType | None,
    limit: int,
    next_token: str | None,
) -> tuple[list[Goal], str | None]:
    """Newest first; a status filter reads the status index, a type filter the type index."""
    pk = keys.user_pk(user_id)
    index: str | None = None
    partition = pk
    filter_expression = None
    filter_values: dict[str, Any] = {}
    if status is not None:
        index, partition = "gsi1", keys.goals_by_status_pk(user_id, status.value)
        if goal_type is not None:
            filter_expression, filter_values = "#type = :type", {":type": goal_type.value}
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
        filter_expression=filter_expression,
        filter_values=filter_values,
        filter_names={"#type": "type"} if filter_expression else None,
    )
    return [to_goal(item) for item in items], token


def delete(table: str, user_id: str, goal_id: str) -> bool:
    """Deletes the goal and then everything in its children partition. False when there was no goal."""
    try:
        client().delete_item(
            TableName=table,
            Key=key(keys.user_pk(user_id), keys.goal_sk(goal_id)),
            ConditionExpression="attribute_exists(pk)",
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    delete_partition(table, keys.goal_children_pk(user_id, goal_id))
    return True
