"""Goal use cases: create, read, list, update, delete."""

from __future__ import annotations

from datetime import datetime

from goalpost.data import goals as goal_store
from goalpost.data.alerts import AlertWrite
from goalpost.data.goals import AlertsAlreadyRaised, StaleGoal
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import ConcurrentModification, NotFound
from goalpost.domain.goals import (
    Goal,
    GoalStatus,
    GoalType,
    Milestone,
    change_status,
    default_start_amount,
    progress_alerts,
    validate_target,
)
from goalpost.domain.ids import new_id
from goalpost.domain.progress import ProgressEntry, ProgressSource, is_on_track
from goalpost.observability import metrics
from goalpost.schemas.goals import GoalCreate, GoalUpdate
from goalpost.services import alerts as alert_service
from goalpost.settings import get_settings

MAX_WRITE_ATTEMPTS = 5


def _table() -> str:
    return get_settings().data_table_name


def create_goal(user_id: str, request: GoalCreate, now: datetime | None = None) -> Goal:
    moment = now or utc_now()
    goal = Goal(
        id=new_id(int(moment.timestamp() * 1000)),
        user_id=user_id,
        name=request.name,
        description=request.description,
        type=request.type,
        target_amount=request.target_amount,
        current_amount=request.current_amount,
        start_amount=(
            request.start_amount
            if request.start_amount is not None
            else default_start_amount(request.type, request.current_amount)
        ),
        deadline=request.deadline,
        status=request.status,
        tags=list(request.tags),
        created_at=moment,
        updated_at=moment,
        completed_at=moment if request.status == GoalStatus.COMPLETED else None,
        milestones=[
            Milestone(id=new_id(), amount=m.amount, description=m.description, target_date=m.target_date)
            for m in request.milestones
        ],
    )
    # What the goal has already got to when created is marked, not announced.
    progress_alerts(goal, moment.date(), silent=True)
    goal_store.save(_table(), goal, expected_version=None)
    metrics.add_metric(name="GoalsCreated", unit="Count", value=1)
    return goal


def get_goal(user_id: str, goal_id: str) -> Goal:
    goal = goal_store.get(_table(), user_id, goal_id)
    if goal is None:
        raise NotFound("Goal not found")
    return goal


def list_goals(
    user_id: str, *, status: GoalStatus | None, goal_type: GoalType | None, limit: int, next_token: str | None
) -> tuple[list[Goal], str | None]:
    return goal_store.list_page(
        _table(), user_id, status=status, goal_type=goal_type, limit=limit, next_token=next_token
    )


def _apply(goal: Goal, update: GoalUpdate, now: datetime) -> ProgressEntry | None:
    """Applies the update to ``goal`` (raising before anything is written when a rule forbids it) and
    returns the progress entry that a change of the amount records."""
    fields = update.model_fields_set
    for name in ("name", "description", "deadline", "tags"):
        if name in fields:
            setattr(goal, name, getattr(update, name))
    if "target_amount" in fields and update.target_amount is not None:
        validate_target(goal.type, update.target_amount)
        goal.target_amount = update.target_amount
    if "status" in fields and update.status is not None:
        change_status(goal, update.status, now)
    if "current_amount" not in fields or update.current_amount is None:
        return None
    previous = goal.current_amount
    if update.current_amount == previous:
        return None
    goal.current_amount = update.current_amount
    return ProgressEntry(
        id=new_id(int(now.timestamp() * 1000)),
        goal_id=goal.id,
        period_date=now.date(),
        value_at_period=goal.current_amount,
        contribution_amount=goal.current_amount - previous,
        progress_percent=goal.percent_complete,
        on_track=is_on_track(goal, now),
        source=ProgressSource.MANUAL,
        recorded_at=now,
    )


def update_goal(user_id: str, goal_id: str, update: GoalUpdate, now: datetime | None = None) -> Goal:
    """Applies a PATCH with optimistic concurrency: a lost race re-reads and re-applies, so two concurrent
    updates never overwrite each other's fields and every alert is raised once."""
    moment = now or utc_now()
    for _ in range(MAX_WRITE_ATTEMPTS):
        goal = get_goal(user_id, goal_id)
        before = goal.model_dump()
        entry = _apply(goal, update, moment)
        raised = progress_alerts(goal, moment.date())
        if goal.model_dump() == before:
            return goal
        expected = goal.version
        goal.version += 1
        goal.updated_at = moment
        writes = [alert_service.prepare(user_id, alert, moment) for alert in raised]
        try:
            _save_with_alerts(goal, expected, [entry] if entry else [], writes)
        except StaleGoal:
            continue
        alert_service.publish([write.alert for write in writes], moment)
        return goal
    raise ConcurrentModification("The goal is being changed by another request; try again")


def _save_with_alerts(goal: Goal, expected: int, entries: list[ProgressEntry], writes: list[AlertWrite]) -> None:
    """Saves, dropping alerts that turn out to exist already (each is raised once) and trying again."""
    while True:
        try:
            goal_store.save(_table(), goal, expected_version=expected, entries=entries, alerts=writes)
            return
        except AlertsAlreadyRaised as duplicates:
            kept = [w for n, w in enumerate(writes) if n not in duplicates.indexes]
            writes[:] = kept


def delete_goal(user_id: str, goal_id: str) -> None:
    if not goal_store.delete(_table(), user_id, goal_id):
        raise NotFound("Goal not found")
    metrics.add_metric(name="GoalsDeleted", unit="Count", value=1)
