"""Progress entries and summaries, and milestones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from goalpost.data import idempotency
from goalpost.data import progress as progress_store
from goalpost.domain.clock import utc_now
from goalpost.domain.goals import (
    Goal,
    Milestone,
    MilestoneChanges,
    MilestoneProgress,
    add_milestone,
    edit_milestone,
    ensure_amounts_may_change,
    find_milestone,
    milestone_progress,
    remove_milestone,
)
from goalpost.domain.ids import new_id
from goalpost.domain.progress import ProgressEntry, ProgressSource, ProgressSummary, is_latest, record, summarize
from goalpost.services.goal_writes import change_goal, load, table


def record_progress(
    user_id: str,
    goal_id: str,
    *,
    value: Decimal | None,
    contribution: Decimal | None,
    period_date: date | None,
    notes: str | None,
    now: datetime | None = None,
) -> ProgressEntry:
    """Records a manual entry: ``value`` sets the amount, ``contribution`` adds to it. A back-dated entry
    is placed in the history at its date and never overrides the amount of a newer one."""
    moment = now or utc_now()
    day = period_date or moment.date()

    def add(goal: Goal) -> list[ProgressEntry]:
        ensure_amounts_may_change(goal)
        before = _amount_as_of(goal, day)
        amount = value if value is not None else before + (contribution or 0)
        entry = record(
            goal,
            value=amount,
            period_date=day,
            now=moment,
            source=ProgressSource.MANUAL,
            contribution=contribution if contribution is not None else amount - before,
            notes=notes,
        )
        idempotency.answer(entry)
        return [entry]

    return change_goal(user_id, goal_id, add, moment).entries[0]


def _amount_as_of(goal: Goal, day: date) -> Decimal:
    """The goal's amount on ``day``: its current amount unless newer entries exist, else the latest entry
    on or before that day (or the amount it was created with)."""
    if is_latest(goal, day):
        return goal.current_amount
    found = progress_store.value_as_of(table(), goal.user_id, goal.id, day)
    if found is not None:
        return found
    return goal.initial_amount if goal.initial_amount is not None else goal.current_amount


def history(
    user_id: str, goal_id: str, *, limit: int, next_token: str | None
) -> tuple[list[ProgressEntry], str | None]:
    load(user_id, goal_id)
    return progress_store.history_page(table(), user_id, goal_id, limit=limit, next_token=next_token)


def summary(user_id: str, goal_id: str, now: datetime | None = None) -> ProgressSummary:
    return summarize(load(user_id, goal_id), now or utc_now())


def add_goal_milestone(
    user_id: str,
    goal_id: str,
    *,
    amount: Decimal,
    description: str,
    target_date: date | None,
    now: datetime | None = None,
) -> Milestone:
    moment = now or utc_now()
    milestone = Milestone(
        id=new_id(int(moment.timestamp() * 1000)), amount=amount, description=description, target_date=target_date
    )

    def add(goal: Goal) -> list[ProgressEntry]:
        add_milestone(goal, milestone.model_copy(), moment.date())
        idempotency.answer(find_milestone(goal, milestone.id))
        return []

    goal = change_goal(user_id, goal_id, add, moment).goal
    return next(m for m in goal.milestones if m.id == milestone.id)


def edit_goal_milestone(
    user_id: str, goal_id: str, milestone_id: str, changes: MilestoneChanges, now: datetime | None = None
) -> Milestone:
    """Edits a milestone in the goal's conditional write (a concurrent change of the goal is re-read and the
    edit re-applied); 404 when the goal has no such milestone."""
    moment = now or utc_now()

    def edit(goal: Goal) -> list[ProgressEntry]:
        edit_milestone(goal, milestone_id, changes, moment.date())
        return []

    return find_milestone(change_goal(user_id, goal_id, edit, moment).goal, milestone_id)


def delete_goal_milestone(user_id: str, goal_id: str, milestone_id: str, now: datetime | None = None) -> None:
    def remove(goal: Goal) -> list[ProgressEntry]:
        remove_milestone(goal, milestone_id)
        return []

    change_goal(user_id, goal_id, remove, now or utc_now())


def milestones(user_id: str, goal_id: str) -> list[Milestone]:
    return load(user_id, goal_id).ordered_milestones()


def milestone_report(user_id: str, goal_id: str) -> MilestoneProgress:
    return milestone_progress(load(user_id, goal_id))
