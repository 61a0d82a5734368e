"""The goal-cleanup job: what a deleted goal leaves, its progress entries and funding links, removed after it.

Deleting a goal (``services.goals.delete_goal``) is one transaction that also writes a tombstone
(``data.deleted_goals``). Every run (goalpost.declaration) the coordinator queues one message per tombstone; the
worker deletes that goal's children partition page by page, then the tombstone. A run that fails or is cut
short leaves the tombstone, which the next run queues again; a message delivered twice, or worked by two
workers at once, deletes what is there and nothing else, so the cleanup needs no exactly-once delivery."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from goalpost.data import deleted_goals, keys
from goalpost.domain.clock import iso
from goalpost.observability import logger, metrics
from goalpost.services.fanout import send_messages
from goalpost.settings import get_settings


def cleanup_message(user_id: str, goal_id: str) -> str:
    return json.dumps({"user_id": user_id, "goal_id": goal_id}, sort_keys=True)


def queue_deleted_goals(moment: datetime) -> dict[str, Any]:
    """The coordinator: one message per deleted goal whose children are still stored, oldest first."""
    table = get_settings().data_table_name
    goals = [goal for shard in range(keys.DELETED_GOAL_SHARDS) for goal in deleted_goals.recorded(table, shard)]
    bodies = [cleanup_message(user_id, goal_id) for user_id, goal_id in goals]
    sends = send_messages(get_settings().goal_cleanup_queue_url, bodies)
    return {"moment": iso(moment), "goals": len(goals), "messages": len(bodies), "send_requests": sends}


def handle_message(body: str) -> dict[str, Any]:
    """The worker, for one message: the goal's children deleted, then its tombstone."""
    message = json.loads(body)
    user_id, goal_id = str(message["user_id"]), str(message["goal_id"])
    deleted = deleted_goals.clear(get_settings().data_table_name, user_id, goal_id)
    if deleted is None:
        logger.info("Goal already cleaned up", extra={"goal_id": goal_id})
        return {"goal_id": goal_id, "children_deleted": 0}
    metrics.add_metric(name="GoalChildrenDeleted", unit="Count", value=deleted)
    logger.info("Goal cleaned up", extra={"goal_id": goal_id, "children_deleted": deleted})
    return {"goal_id": goal_id, "children_deleted": deleted}
