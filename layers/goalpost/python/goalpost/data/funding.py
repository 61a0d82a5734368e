"""Funding links: ``USER#u#GOAL#<id> / FUNDING#<account>`` (deleted with the goal).

Every change of a link runs in one transaction with an update of the goal's ``allocation_total`` that is
conditional on the room left, so concurrent links can never push a goal past 100 % (no read-then-write).
Goal updates never write the total (see ``GoalWrite``), so the two kinds of change never undo each other.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from goalpost import retry
from goalpost.data import goals as goal_store
from goalpost.data import keys
from goalpost.data.client import get_item
from goalpost.data.codec import key, serialize, serialize_value, strip_keys
from goalpost.data.expressions import counter_change
from goalpost.data.goals import NOT_DELETING
from goalpost.data.pagination import partition_page
from goalpost.data.transactions import Transaction, TransactionContended, TransactionRefused
from goalpost.domain.errors import BusinessRuleError, ConcurrentModification, Conflict, NotFound
from goalpost.domain.funding import MAX_LINKS_PER_GOAL, OVER_ALLOCATED, TOO_MANY_LINKS, FundingSource, room_for

GOAL_NOT_FOUND = "Goal not found"
LINK_NOT_FOUND = "Funding source not found"
LINK_COUNT = "funding_links"  # on the goal (see Goal.funding_links)


class _Retry(Exception):
    """A concurrent transaction touched the same items; try again."""


def _item(user_id: str, goal_id: str, source: FundingSource) -> dict[str, Any]:
    return {
        "pk": keys.goal_children_pk(user_id, goal_id),
        "sk": keys.funding_sk(source.account_id),
        "entity": "funding",
        **source.model_dump(),
    }


def to_source(item: dict[str, Any]) -> FundingSource:
    return FundingSource.model_validate(strip_keys(item))


def _goal_total_update(table: str, user_id: str, goal_id: str, change: Decimal, links: int = 0) -> dict[str, Any]:
    """The goal's side of a link change: its total moves by ``change`` points if there is room, and its link
    count by ``links``, never past ``MAX_LINKS_PER_GOAL``."""
    condition = f"attribute_exists(pk) AND {NOT_DELETING} AND allocation_total <= :room"
    values = {":change": serialize_value(change), ":room": serialize_value(room_for(change))}
    expression = "SET allocation_total = allocation_total + :change"
    if links:
        count, below_cap, counted = counter_change(LINK_COUNT, links, MAX_LINKS_PER_GOAL)
        expression += f" {count}"
        values.update(counted)
        if below_cap:
            condition += f" AND {below_cap}"
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.goal_sk(goal_id)),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }


def _transact(
    table: str,
    user_id: str,
    goal_id: str,
    link_write: dict[str, Any],
    total_update: dict[str, Any],
    link_failed: Exception,
    *,
    adding: bool = False,
) -> None:
    """Writes the link and the goal total together; maps a failed link condition to ``link_failed`` and a failed
    goal condition to 404 (no goal) or 400 (no room, or, ``adding`` a link, no more links)."""
    transaction = Transaction().add(link_write, role="link").add(total_update, role="goal_total")
    try:
        transaction.write()
    except TransactionContended as contended:
        raise _Retry from contended
    except TransactionRefused as refused:
        if "link" in refused.failed_roles:
            raise link_failed from refused
        goal = goal_store.get(table, user_id, goal_id)
        if goal is None:
            raise NotFound(GOAL_NOT_FOUND) from refused
        if adding and goal.funding_links >= MAX_LINKS_PER_GOAL:
            raise BusinessRuleError(TOO_MANY_LINKS) from refused
        raise BusinessRuleError(OVER_ALLOCATED) from refused


def _with_retries(action: Any) -> Any:
    for _ in retry.attempts():
        try:
            return action()
        except _Retry:
            continue
    raise ConcurrentModification("The goal's funding is being changed by other requests; try again")


def get(table: str, user_id: str, goal_id: str, account_id: str) -> FundingSource | None:
    item = get_item(table, key(keys.goal_children_pk(user_id, goal_id), keys.funding_sk(account_id)))
    return None if item is None else to_source(item)


def link(table: str, user_id: str, goal_id: str, source: FundingSource) -> None:
    """Links an account: 409 when it is linked already, 400 when the goal has no room, 404 without goal."""

    def attempt() -> None:
        put = {
            "Put": {
                "TableName": table,
                "Item": serialize(_item(user_id, goal_id, source)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        total = _goal_total_update(table, user_id, goal_id, source.allocation_percent, links=1)
        _transact(table, user_id, goal_id, put, total, Conflict("This account already funds the goal"), adding=True)

    _with_retries(attempt)


def _existing(table: str, user_id: str, goal_id: str, account_id: str) -> FundingSource:
    current = get(table, user_id, goal_id, account_id)
    if current is None:
        raise NotFound(LINK_NOT_FOUND)
    return current


def _unchanged_since_read(current: FundingSource) -> dict[str, Any]:
    return {
        "ConditionExpression": "allocation_percent = :old",
        "ExpressionAttributeValues": {":old": serialize_value(current.allocation_percent)},
    }


def update(
    table: str, user_id: str, goal_id: str, account_id: str, percent: Decimal, account_name: str | None
) -> FundingSource:
    """Changes a link's share (and name); the goal total moves by the difference, under the same rule."""

    def attempt() -> FundingSource:
        current = _existing(table, user_id, goal_id, account_id)
        changed = FundingSource(
            account_id=account_id,
            account_name=account_name if account_name is not None else current.account_name,
            allocation_percent=percent,
        )
        guard = _unchanged_since_read(current)
        put = {"Put": {"TableName": table, "Item": serialize(_item(user_id, goal_id, changed)), **guard}}
        change = percent - current.allocation_percent
        _transact(table, user_id, goal_id, put, _goal_total_update(table, user_id, goal_id, change), _Retry())
        return changed

    result: FundingSource = _with_retries(attempt)
    return result


def unlink(table: str, user_id: str, goal_id: str, account_id: str) -> None:
    def attempt() -> None:
        current = _existing(table, user_id, goal_id, account_id)
        link_key = key(keys.goal_children_pk(user_id, goal_id), keys.funding_sk(account_id))
        remove = {"Delete": {"TableName": table, "Key": link_key, **_unchanged_since_read(current)}}
        change = -current.allocation_percent
        total = _goal_total_update(table, user_id, goal_id, change, links=-1)
        _transact(table, user_id, goal_id, remove, total, _Retry())

    _with_retries(attempt)


def list_page(
    table: str, user_id: str, goal_id: str, *, limit: int, next_token: str | None
) -> tuple[list[FundingSource], str | None]:
    """The goal's links in account order."""
    partition = keys.goal_children_pk(user_id, goal_id)
    items, token = partition_page(
        table, partition, keys.FUNDING_PREFIX, limit=limit, next_token=next_token, newest_first=False
    )
    return [to_source(item) for item in items], token
