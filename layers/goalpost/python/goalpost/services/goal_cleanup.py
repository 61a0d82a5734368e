"""The goal-cleanup job: what a deleted goal or a disconnected account leaves, cleared after it.

Deleting a goal (``services.goals.delete_goal``) or disconnecting an account (``services.accounts.disconnect``)
is one transaction that also writes a tombstone (``data.tombstones``). Every run (goalpost.declaration) the
coordinator queues one message per tombstone; the worker deletes a goal's children partition page by page, or
unlinks an account's positions, then removes the tombstone. A run that fails or is cut short leaves the
tombstone, which the next run queues again; a message delivered twice, or worked by two workers at once,
changes only what is still there, so the cleanup needs no exactly-once delivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from goalpost.data import deleted_accounts, deleted_goals, keys
from goalpost.domain.clock import iso
from goalpost.observability import logger, metrics
from goalpost.services.fanout import send_messages
from goalpost.settings import get_settings


def cleanup_message(user_id: str, goal_id: str) -> str:
    return json.dumps({"user_id": user_id, "goal_id": goal_id}, sort_keys=True)


def account_cleanup_message(user_id: str, account_id: str) -> str:
    return json.dumps({"user_id": user_id, "account_id": account_id}, sort_keys=True)


def queue_deleted_goals(moment: datetime) -> dict[str, Any]:
    """The coordinator: one message per deleted goal whose children are still stored and per disconnected
    account whose positions are still linked, oldest first within each shard."""
    table = get_settings().data_table_name
    goals = [goal for shard in range(keys.DELETED_GOAL_SHARDS) for goal in deleted_goals.recorded(table, shard)]
    accounts = [
        account for shard in range(keys.DELETED_ACCOUNT_SHARDS) for account in deleted_accounts.recorded(table, shard)
    ]
    bodies = [cleanup_message(user_id, goal_id) for user_id, goal_id in goals]
    bodies += [account_cleanup_message(user_id, account_id) for user_id, account_id in accounts]
    sends = send_messages(get_settings().goal_cleanup_queue_url, bodies)
    return {
        "moment": iso(moment),
        "goals": len(goals),
        "accounts": len(accounts),
        "messages": len(bodies),
        "send_requests": sends,
    }


def _children_deleted(count: int) -> None:
    metrics.add_metric(name="GoalChildrenDeleted", unit="Count", value=count)


def _positions_unlinked(count: int) -> None:
    metrics.add_metric(name="PositionsUnlinked", unit="Count", value=count)


@dataclass(frozen=True)
class _Cleanup:
    """What the worker does for one kind of message: ``clear`` (the data module's, by user and id), the
    metric of what it changed (``count``) and that figure's name in the worker's result."""

    clear: Callable[[str, str, str], int | None]
    count: Callable[[int], None]
    result: str


# By the attribute that names the deleted thing in a message.
_CLEANUPS = {
    "goal_id": _Cleanup(deleted_goals.clear, _children_deleted, "children_deleted"),
    "account_id": _Cleanup(deleted_accounts.clear, _positions_unlinked, "positions_unlinked"),
}


def handle_message(body: str) -> dict[str, Any]:
    """The worker, for one message: a goal's children deleted, or an account's positions unlinked; then the
    tombstone."""
    message = json.loads(body)
    attribute = "account_id" if "account_id" in message else "goal_id"
    cleanup, deleted_id = _CLEANUPS[attribute], str(message[attribute])
    changed = cleanup.clear(get_settings().data_table_name, str(message["user_id"]), deleted_id)
    if changed is None:
        logger.info("Already cleaned up", extra={attribute: deleted_id})
        return {attribute: deleted_id, cleanup.result: 0}
    cleanup.count(changed)
    logger.info("Cleaned up", extra={attribute: deleted_id, cleanup.result: changed})
    return {attribute: deleted_id, cleanup.result: changed}
