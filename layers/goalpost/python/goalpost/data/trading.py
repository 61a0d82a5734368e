"""Trading goals in the data table.

- ``USER#u / TGOAL#<type>``: the goal (target, current value, progress, status).
- ``USER#u#TGOAL#<type> / DAY#<yyyy-mm-dd>``: one history row per goal per day (a rerun replaces it).
- ``USER#u / MONTH#<yyyy-mm>``: ``start_value`` (set once, by the month's first evaluation: the last snapshot
  before the month began, else that evaluation's value), ``recorded_profit`` (record-profit) and
  ``realized_pnl`` (positions closed this month, added by each close's transaction).
- ``USER#u / TARGETS#<iso time>#<ulid>``: every target change, with the portfolio value as last evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.alerts import AlertWrite, add_alerts, write_once_each
from goalpost.data.batches import batch_get_tables
from goalpost.data.cash import read_for_valuation
from goalpost.data.client import client, get_item
from goalpost.data.codec import Item, deserialize, key, serialize, serialize_value, strip_keys
from goalpost.data.holdings import HeldPosition
from goalpost.data.pagination import owned_page
from goalpost.data.preferences import PreferenceRead, from_item, prefs_key
from goalpost.data.queries import query_all
from goalpost.data.transactions import Transaction, TransactionRefused
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.trading import TradingGoal, TradingGoalType


def goal_key(user_id: str, goal_type: TradingGoalType) -> dict[str, Any]:
    return key(keys.user_pk(user_id), keys.trading_goal_sk(goal_type.value))


def month_key(user_id: str, month_id: str) -> dict[str, Any]:
    return key(keys.user_pk(user_id), keys.month_sk(month_id))


@dataclass(frozen=True)
class EvaluationReads:
    """What one user's evaluation reads by key: the cached prices of their open positions, their cash, the
    month's stored figures, the stored trading goals (the missing ones are not there yet) and the alert
    preferences (for the alerts it may raise)."""

    prices: dict[str, CachedPrice]
    cash: Decimal
    start_value: Decimal | None  # set by the month's first evaluation
    income: Decimal  # the month's recorded profit and realized P&L
    goals: dict[TradingGoalType, TradingGoal]
    preferences: PreferenceRead
    holdings: list[HeldPosition]  # the open positions as the profile holds them


def read_for_evaluation(
    table: str, system_table: str, user_id: str, symbols: Iterable[str] | None, month_id: str
) -> EvaluationReads:
    """In one BatchGetItem: the cached prices of ``symbols`` (None: of the holdings, so every price item; see
    ``read_for_valuation``), the cash and the holdings, the month's item, the three trading goals and the
    preferences."""
    month = month_key(user_id, month_id)
    prefs = prefs_key(user_id)
    goal_keys = [goal_key(user_id, goal_type) for goal_type in TradingGoalType]
    reads = read_for_valuation(table, system_table, user_id, symbols, [month, prefs, *goal_keys])

    def found(item_key: dict[str, Any]) -> Item | None:
        return reads.others.get((item_key["pk"]["S"], item_key["sk"]["S"]))

    figures = found(month) or {}
    start = figures.get("start_value")
    goals = [to_goal(item) for item in map(found, goal_keys) if item is not None]
    return EvaluationReads(
        prices=reads.prices,
        cash=reads.cash,
        start_value=None if start is None else Decimal(start),
        income=income_of(figures),
        goals={goal.goal_type: goal for goal in goals},
        preferences=from_item(found(prefs)),
        holdings=reads.holdings,
    )


def income_of(month: Item | None) -> Decimal:
    """The month's realized profit: its recorded profits and the realized P&L of its closes."""
    month = month or {}
    return Decimal(month.get("recorded_profit", 0)) + Decimal(month.get("realized_pnl", 0))


def month_income(table: str, user_id: str, month_id: str) -> Decimal:
    """The month's realized profit as it stands (one strongly consistent GetItem)."""
    return income_of(get_item(table, month_key(user_id, month_id)))


@dataclass(frozen=True)
class IncomeReads:
    """What moving the monthly income goal reads: the month's two parts of the income as stored (None: not
    there), the goal as stored (None: never used) and the alert preferences."""

    recorded_profit: Decimal | None
    realized_pnl: Decimal | None
    goal: TradingGoal | None
    preferences: PreferenceRead

    @property
    def income(self) -> Decimal:
        return (self.recorded_profit or Decimal(0)) + (self.realized_pnl or Decimal(0))


def read_income(
    table: str, user_id: str, month_id: str, other: dict[str, Any] | None = None
) -> tuple[IncomeReads, Item | None]:
    """The month's item, the monthly income goal, the preferences and the item at ``other`` (another key of
    the table, e.g. the position a close reads): one consistent BatchGetItem."""
    month, goal, prefs = (
        month_key(user_id, month_id),
        goal_key(user_id, TradingGoalType.MONTHLY_INCOME),
        prefs_key(user_id),
    )
    wanted = [month, goal, prefs, *([] if other is None else [other])]
    found = {(item["pk"], item["sk"]): item for item in batch_get_tables({table: wanted})[table]}

    def item_at(item_key: dict[str, Any] | None) -> Item | None:
        return None if item_key is None else found.get((item_key["pk"]["S"], item_key["sk"]["S"]))

    figures = item_at(month) or {}
    stored = item_at(goal)
    reads = IncomeReads(
        recorded_profit=_decimal(figures.get("recorded_profit")),
        realized_pnl=_decimal(figures.get("realized_pnl")),
        goal=None if stored is None else to_goal(stored),
        preferences=from_item(item_at(prefs)),
    )
    return reads, item_at(other)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def income_goal_put(table: str, user_id: str, goal: TradingGoal, seen: TradingGoal | None) -> dict[str, Any]:
    """The monthly income goal at a new value, only if it is still as ``seen`` (its ``updated_at``: every
    write of a goal moves it), or created if ``seen`` is None: a concurrent change of the income or the
    target refuses it, and the writer reads both again."""
    if seen is None:
        return create_put(table, user_id, goal)
    put = goal_put(table, user_id, goal)
    if seen.updated_at is None:  # a goal never evaluated (None is not stored)
        put["Put"]["ConditionExpression"] = "attribute_exists(pk) AND attribute_not_exists(updated_at)"
    else:
        put["Put"]["ConditionExpression"] = "updated_at = :seen"
        put["Put"]["ExpressionAttributeValues"] = {":seen": serialize_value(seen.updated_at)}
    return put


def profit_add(table: str, user_id: str, month_id: str, profit: Decimal, seen: IncomeReads) -> dict[str, Any]:
    """The transaction item adding a recorded profit (negative: a loss) to the month, only if its income is
    still as ``seen``: a close or another profit meanwhile refuses it, and the writer reads again (so the
    goal's status is decided on the whole income)."""
    conditions = []
    values: dict[str, Any] = {":value": serialize_value(profit)}
    for name, value in (("recorded_profit", seen.recorded_profit), ("realized_pnl", seen.realized_pnl)):
        if value is None:
            conditions.append(f"attribute_not_exists({name})")
        else:
            conditions.append(f"{name} = :{name}")
            values[f":{name}"] = serialize_value(value)
    return {
        "Update": {
            "TableName": table,
            "Key": month_key(user_id, month_id),
            "UpdateExpression": "ADD recorded_profit :value",
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeValues": values,
        }
    }


def to_goal(item: Item) -> TradingGoal:
    return TradingGoal.model_validate(strip_keys(item))


def goals(table: str, user_id: str) -> dict[TradingGoalType, TradingGoal]:
    """The user's stored trading goals (one Query); the missing ones are not there yet."""
    items = query_all(table=table, partition=keys.user_pk(user_id), sort_prefix=keys.TRADING_GOAL_PREFIX)
    found = [to_goal(item) for item in items]
    return {goal.goal_type: goal for goal in found}


def goal_put(table: str, user_id: str, goal: TradingGoal) -> dict[str, Any]:
    item = {
        "pk": keys.user_pk(user_id),
        "sk": keys.trading_goal_sk(goal.goal_type.value),
        "entity": "tgoal",
        **goal.model_dump(),
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def create_put(table: str, user_id: str, goal: TradingGoal) -> dict[str, Any]:
    """The put that creates a goal unless it exists (two concurrent first uses create it once)."""
    put = goal_put(table, user_id, goal)
    put["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
    return put


def create_missing(table: str, user_id: str, missing: list[TradingGoal]) -> bool:
    """Stores default goals that do not exist yet, all in one request, each only if it is still missing. False
    (and nothing written) when a concurrent first use created one of them first: read them again."""
    transaction = Transaction().add_all((create_put(table, user_id, goal) for goal in missing), role="missing_goal")
    return transaction.write_unless_refused_by("missing_goal")


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


def _update_month(table: str, user_id: str, month_id: str, expression: str, value: Decimal) -> Item:
    """Updates the month's item with ``expression`` (its one value is ``:value``); its figures after."""
    response = client().update_item(
        TableName=table,
        Key=month_key(user_id, month_id),
        UpdateExpression=expression,
        ExpressionAttributeValues={":value": serialize_value(value)},
        ReturnValues="ALL_NEW",
    )
    return deserialize(response["Attributes"])


def set_start_value(table: str, user_id: str, month_id: str, value: Decimal) -> Decimal:
    """The month's start value: ``value`` if none is stored yet, else the stored one (never overwritten)."""
    month = _update_month(table, user_id, month_id, "SET start_value = if_not_exists(start_value, :value)", value)
    return Decimal(month["start_value"])


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


def transact(items: list[dict[str, Any]], alerts: Sequence[AlertWrite] = ()) -> list[AlertWrite] | None:
    """Writes the items and the alerts in one transaction (an alert raised before is left out); returns the
    alerts written, or None (nothing written) when an item's condition refused it: a goal it creates exists
    already, or one it moves changed since it was read."""

    def write(pending: list[AlertWrite]) -> None:
        add_alerts(Transaction().add_all(items, role="item"), pending).write()

    try:
        return write_once_each(write, alerts)
    except TransactionRefused as refused:
        if "item" in refused.failed_roles:
            return None
        raise


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
