"""Goal use cases: create, read, list, update, lifecycle, delete, dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from goalpost.data import goals as goal_store
from goalpost.data import idempotency
from goalpost.data.goals import TooManyGoals
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import BusinessRuleError, NotFound
from goalpost.domain.goals import (
    Goal,
    GoalChanges,
    GoalDraft,
    GoalStatus,
    GoalType,
    change_status,
    direction_problem,
    ensure_amounts_may_change,
    new_goal,
    set_amount,
    validate_target,
)
from goalpost.domain.progress import ProgressEntry, ProgressSource, ProgressSummary, record, summarize
from goalpost.observability import metrics
from goalpost.services import alerts as alert_service
from goalpost.services.goal_writes import GOAL_NOT_FOUND, change_goal, load, table


def create_goal(user_id: str, draft: GoalDraft, now: datetime | None = None) -> Goal:
    goal = new_goal(user_id, draft, now or utc_now())
    idempotency.answer(goal)
    # Counted against the per-user cap, and the owner enters the users registry (the end-of-day job's list).
    try:
        goal_store.create(table(), goal)
    except TooManyGoals:
        raise BusinessRuleError(f"A user has at most {goal_store.MAX_GOALS_PER_USER} goals") from None
    metrics.add_metric(name="GoalsCreated", unit="Count", value=1)
    return goal


def get_goal(user_id: str, goal_id: str) -> Goal:
    return load(user_id, goal_id)


def list_goals(
    user_id: str, *, status: GoalStatus | None, goal_type: GoalType | None, limit: int, next_token: str | None
) -> tuple[list[Goal], str | None]:
    return goal_store.list_page(
        table(), user_id, status=status, goal_type=goal_type, limit=limit, next_token=next_token
    )


def _apply_update(goal: Goal, update: GoalChanges, now: datetime) -> list[ProgressEntry]:
    """Applies a change to ``goal`` (raising before anything is written when a rule forbids it) and returns
    the progress entry a change of the amount records."""
    fields = update.model_fields_set
    for name in ("name", "description", "deadline", "tags", "reminder_day"):
        if name in fields:
            setattr(goal, name, getattr(update, name))
    entries = []
    if update.current_amount is not None and update.current_amount != goal.current_amount:
        ensure_amounts_may_change(goal)
        previous = goal.current_amount
        entries.append(
            record(
                goal,
                value=update.current_amount,
                period_date=now.date(),
                now=now,
                source=ProgressSource.MANUAL,
                contribution=update.current_amount - previous,
            )
        )
    if update.target_amount is not None:
        validate_target(goal.type, update.target_amount)
        problem = direction_problem(goal.type, goal.start_amount, update.target_amount)
        if problem is not None:
            raise BusinessRuleError(problem)
        goal.target_amount = update.target_amount
        set_amount(goal, goal.current_amount, now.date())  # the target moved: reached or not may have changed
    if update.status is not None:
        change_status(goal, update.status, now)
    return entries


def update_goal(user_id: str, goal_id: str, update: GoalChanges, now: datetime | None = None) -> Goal:
    moment = now or utc_now()
    return change_goal(user_id, goal_id, lambda goal: _apply_update(goal, update, moment), moment).goal


def set_status(user_id: str, goal_id: str, status: GoalStatus, now: datetime | None = None) -> Goal:
    """The lifecycle routes: 409 on a move the rules forbid; asking for the status it has changes nothing."""
    moment = now or utc_now()

    def move(goal: Goal) -> list[ProgressEntry]:
        change_status(goal, status, moment)
        return []

    return change_goal(user_id, goal_id, move, moment).goal


def delete_goal(user_id: str, goal_id: str, now: datetime | None = None) -> None:
    """One transaction whatever the goal holds: its progress entries and funding links are removed after it by
    the goal-cleanup job (``services.goal_cleanup``), invisible from the moment it is deleted."""
    if not goal_store.delete(table(), user_id, goal_id, now or utc_now()):
        raise NotFound(GOAL_NOT_FOUND)
    metrics.add_metric(name="GoalsDeleted", unit="Count", value=1)


@dataclass
class Dashboard:
    goals: list[tuple[Goal, ProgressSummary]]
    unread_alerts: int


def dashboard(user_id: str, now: datetime | None = None) -> Dashboard:
    """Every goal with its progress summary, from one Query (the summary needs nothing but the goal item),
    and the unread alert count (one read of a counter)."""
    moment = now or utc_now()
    goals = goal_store.list_all(table(), user_id)
    return Dashboard(
        goals=[(goal, summarize(goal, moment)) for goal in goals],
        unread_alerts=alert_service.unread_count(user_id),
    )
