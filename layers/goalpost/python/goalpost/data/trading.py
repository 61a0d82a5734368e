"""Trading goals in the data table.

- ``USER#u / TGOAL#<type>``: the goal (target, current value, progress, status).
- ``USER#u#TGOAL#<type> / DAY#<yyyy-mm-dd>``: one history row per goal per day (a rerun replaces it).
- ``USER#u / MONTH#<yyyy-mm>``: ``start_value`` (set by the month's first evaluation, never after),
  ``recorded_profit`` (record-profit) and ``realized_pnl`` (positions closed this month).
- ``USER#u / TARGETS#<iso time>#<ulid>``: every target change, with the portfolio value then.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.dynamo import (
    Item,
    client,
    deserialize,
    key,
    query_all,
    serialize,
    serialize_value,
    strip_keys,
)
from goalpost.data.pagination import owned_page
from goalpost.domain.trading import TradingGoal, TradingGoalType


def goals(table: str, user_id: str) -> dict[TradingGoalType, TradingGoal]:
    """The user's stored trading goals (one Query); the missing ones are not there yet."""
    items = query_all(table=table, partition=keys.user_pk(user_id), sort_prefix=keys.TRADING_GOAL_PREFIX)
    found = [TradingGoal.model_validate(strip_keys(item)) for item in items]
    return {goal.goal_type: goal for goal in found}


def goal_put(table: str, user_id: str, goal: TradingGoal) -> dict[str, Any]:
    item = {
        "pk": keys.user_pk(user_id),
        "sk": keys.trading_goal_sk(goal.goal_type.value),
        "entity": "tgoal",
        **goal.model_dump(),
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def create_missing(table: str, user_id: str, missing: list[TradingGoal]) -> None:
    """Stores default goals that do not exist yet (a concurrent first use creates them once)."""
    for goal in missing:
        request = goal_put(table, user_id, goal)["Put"]
        try:
            client().put_item(**request, ConditionExpression="attribute_not_exists(pk)")
        except client().exceptions.ConditionalCheckFailedException:
            continue


def history_put(table: str, user_id: str, goal: TradingGoal, day: date, variance: Decimal) -> dict[str, Any]:
    item = {
        "pk": keys.trading_history_pk(user_id, goal.goal_type.value),
        "sk": keys.day_sk(day.isoformat()),
        "entity": "tgoal_day",
        "date": day.isoformat(),
        "actual_value": goal.current_value,
        "target_value": goal.target_value,
        "variance_percent": variance,
        "status": goal.status.value,
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def history(table: str, user_id: str, goal_type: TradingGoalType, since: date) -> list[Item]:
    """History rows from ``since`` on, newest first (one Query)."""
    items = query_all(
        table=table,
        partition=keys.trading_history_pk(user_id, goal_type.value),
        sort_prefix=None,
        between=(keys.day_sk(since.isoformat()), keys.day_sk("~")),
    )
    return [strip_keys(item) for item in items]


def month(table: str, user_id: str, month_id: str) -> Item:
    response = client().get_item(
        TableName=table, Key=key(keys.user_pk(user_id), keys.month_sk(month_id)), ConsistentRead=True
    )
    raw = response.get("Item")
    return deserialize(raw) if raw else {}


def set_start_value(table: str, user_id: str, month_id: str, value: Decimal) -> Decimal:
    """The month's start value: ``value`` if none is stored yet, else the stored one (never overwritten)."""
    response = client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.month_sk(month_id)),
        UpdateExpression="SET start_value = if_not_exists(start_value, :value)",
        ExpressionAttributeValues={":value": serialize_value(value)},
        ReturnValues="ALL_NEW",
    )
    return Decimal(deserialize(response["Attributes"])["start_value"])


def add_profit(table: str, user_id: str, month_id: str, profit: Decimal) -> Item:
    """Adds a recorded profit (negative: a loss) to the month; returns the month's figures after it."""
    response = client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.month_sk(month_id)),
        UpdateExpression="ADD recorded_profit :profit",
        ExpressionAttributeValues={":profit": serialize_value(profit)},
        ReturnValues="ALL_NEW",
    )
    return deserialize(response["Attributes"])


def targets_change(
    table: str, user_id: str, changed_at: datetime, change_id: str, entry: dict[str, Any]
) -> dict[str, Any]:
    item = {
        "pk": keys.user_pk(user_id),
        "sk": keys.targets_sk(changed_at.isoformat(), change_id),
        "entity": "targets",
        **entry,
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def transact(items: list[dict[str, Any]]) -> None:
    client().transact_write_items(TransactItems=items)


def targets_page(table: str, user_id: str, *, limit: int, next_token: str | None) -> tuple[list[Item], str | None]:
    items, token = owned_page(
        table,
        owner_pk=keys.user_pk(user_id),
        sort_prefix=keys.TARGETS_PREFIX,
        index=None,
        partition=keys.user_pk(user_id),
        limit=limit,
        next_token=next_token,
    )
    return [strip_keys(item) for item in items], token
