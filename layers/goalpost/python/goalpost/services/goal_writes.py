"""Changing goals safely: optimistic concurrency, the alerts a change earns, batching.

Every path that changes a goal goes through ``change_goal`` / ``change_goals``: the change is applied to a
fresh read, the milestones, percentage alerts and significant progress it earns are worked out, and the
goal, its new progress entries and those alerts are written in one transaction, conditional on the version
read. A lost race re-reads and re-applies, so concurrent changes never overwrite each other and each alert
is raised once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from goalpost import retry
from goalpost.data import goals as goal_store
from goalpost.data import idempotency
from goalpost.data.alerts import AlertWrite
from goalpost.data.batches import batches
from goalpost.data.goals import GoalWrite, StaleGoals, transaction_size
from goalpost.data.preferences import PreferenceRead
from goalpost.data.transactions import TRANSACTION_LIMIT
from goalpost.domain.alerts import NewAlert
from goalpost.domain.errors import ConcurrentModification, NotFound
from goalpost.domain.goal_checks import significant_progress_alert
from goalpost.domain.goals import Goal, progress_alerts
from goalpost.domain.progress import ProgressEntry
from goalpost.services import alerts as alert_service
from goalpost.settings import get_settings

GOAL_NOT_FOUND = "Goal not found"

# Applies a change to the goal in place and returns the progress entries it records.
Change = Callable[[Goal], list[ProgressEntry]]


@dataclass
class Changed:
    goal: Goal
    entries: list[ProgressEntry]


@dataclass
class _Pending:
    write: GoalWrite
    alerts: list[AlertWrite]

    @property
    def size(self) -> int:
        return transaction_size(self.write, len(self.alerts))


def table() -> str:
    return get_settings().data_table_name


def load(user_id: str, goal_id: str) -> Goal:
    goal = goal_store.get(table(), user_id, goal_id)
    if goal is None:
        raise NotFound(GOAL_NOT_FOUND)
    return goal


# Further alerts a change raises besides the progress ones (the end-of-day checks).
ExtraAlerts = Callable[[Goal], list[NewAlert]]


def _prepare(goal: Goal, change: Change, now: datetime, extra: ExtraAlerts | None = None) -> _Pending | None:
    """Applies ``change`` and what it earns; None when it changes nothing."""
    before = goal.model_dump()
    amount_before, expected = goal.current_amount, goal.version
    entries = change(goal)
    big_step = significant_progress_alert(goal, amount_before, now.date())
    raised = progress_alerts(goal, now.date()) + ([big_step] if big_step else []) + (extra(goal) if extra else [])
    if goal.model_dump() == before and not entries and not raised:
        return None
    goal.version = expected + 1
    goal.updated_at = now
    alerts = [alert_service.prepare(goal.user_id, alert, now) for alert in raised]
    return _Pending(GoalWrite(goal, expected, entries), alerts)


def _save(batch: list[_Pending], along: list[dict[str, Any]]) -> None:
    """Writes one batch (and ``along``); each item keeps the alerts written (one raised before is dropped, so
    each is raised once)."""
    alerts = [alert for item in batch for alert in item.alerts]
    written = {id(alert) for alert in goal_store.save_all(table(), [item.write for item in batch], alerts, along)}
    for item in batch:
        item.alerts = [alert for alert in item.alerts if id(alert) in written]


def change_goals(
    user_id: str,
    goals: list[Goal],
    change: Change,
    now: datetime,
    extra: ExtraAlerts | None = None,
    *,
    preferences: PreferenceRead | None = None,
    one_by_one: bool = False,
    along: list[dict[str, Any]] | None = None,
    as_read: dict[str, Any] | None = None,
) -> dict[str, Changed]:
    """Applies ``change`` to every goal, in as few transactions as fit, retrying the goals that lost a race
    on a fresh read. Returns each goal as it ends up (changed or not); a goal deleted meanwhile is left out.
    The alerts the changes raise are released together at the end, with the owner's ``preferences`` when the
    caller read them (``one_by_one``: each on its own, as the jobs release). ``along``: unconditional writes
    that go with the first transaction that commits (on their own when nothing changes). ``as_read``: the
    condition that ``preferences`` read from an index still stand (``services.delivery.release``)."""
    todo = {goal.id: goal for goal in goals}
    unwritten = list(along or [])
    result: dict[str, Changed] = {}
    published: list[AlertWrite] = []
    for _ in retry.attempts():
        pending = []
        for goal in todo.values():
            working = goal.model_copy(deep=True)
            prepared = _prepare(working, change, now, extra)
            if prepared is None:
                result[goal.id] = Changed(goal, [])
            else:
                pending.append(prepared)
        todo = {}
        room = TRANSACTION_LIMIT - len(unwritten) - idempotency.reserved_items()
        for batch in batches(pending, room, size=lambda item: item.size):
            try:
                _save(batch, unwritten)
            except StaleGoals:
                ids = [item.write.goal.id for item in batch]
                todo.update({goal.id: goal for goal in goal_store.get_many(table(), user_id, ids)})
                continue
            unwritten = []
            for item in batch:
                result[item.write.goal.id] = Changed(item.write.goal, item.write.entries)
                published += item.alerts
        if not todo:
            break
    goal_store.write_along(unwritten)
    known = {user_id: preferences} if preferences is not None else None
    guards = {user_id: as_read} if as_read is not None else None
    alerts = [write.alert for write in published]
    alert_service.publish(alerts, now, preferences=known, one_by_one=one_by_one, as_read=guards)
    if todo:
        raise ConcurrentModification("The goal is being changed by other requests; try again")
    return result


def change_goal(user_id: str, goal_id: str, change: Change, now: datetime) -> Changed:
    """Reads the goal (404 when there is none) with its owner's alert preferences, in one request, and applies
    ``change`` to it; the alerts it raises are released with those preferences."""
    goal, preferences = goal_store.get_with_preferences(table(), user_id, goal_id)
    if goal is None:
        raise NotFound(GOAL_NOT_FOUND)
    changed = change_goals(user_id, [goal], change, now, preferences=preferences).get(goal_id)
    if changed is None:
        raise NotFound(GOAL_NOT_FOUND)
    return changed
