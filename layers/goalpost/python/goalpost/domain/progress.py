"""Progress entries, the on-track rule, and the progress summary with its projections."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from goalpost.domain.errors import BusinessRuleError
from goalpost.domain.goals import Goal, GoalStatus, TrackingStatus, percent_complete, set_amount
from goalpost.domain.ids import new_id
from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, MAX_AMOUNT, ZERO, round2
from goalpost.domain.pace import DAYS_PER_MONTH, add_point, monthly_pace

ON_TRACK_TOLERANCE = Decimal("0.9")
AT_RISK_TOLERANCE = Decimal("0.7")
ON_TRACK_STATUSES = frozenset({TrackingStatus.ACHIEVED, TrackingStatus.ON_TRACK})


class ProgressSource(StrEnum):
    MANUAL = "manual"
    BUDGET_SYNC = "budget_sync"
    CALCULATED = "calculated"


class ProgressEntry(Model):
    id: str
    goal_id: str
    period_date: date
    value_at_period: Decimal
    contribution_amount: Decimal | None = None
    progress_percent: Decimal
    on_track: bool
    source: ProgressSource
    recorded_at: datetime
    notes: str | None = None


def days_elapsed(goal: Goal, today: date) -> int:
    """Days since the goal's creation, or since its first entry's period if that is earlier."""
    start = goal.created_at.date()
    if goal.first_period is not None and goal.first_period < start:
        start = goal.first_period
    return max(0, (today - start).days)


def days_remaining(goal: Goal, today: date) -> int | None:
    if goal.deadline is None:
        return None
    return max(0, (goal.deadline.date() - today).days)


def tracking_status_at(goal: Goal, amount: Decimal, today: date) -> TrackingStatus:
    """The goal's status at ``amount``: ``achieved`` at 100 %; else by pace. Without a deadline it is on
    track; with one, the share of the way covered is compared with the share of the time gone by
    (elapsed / (elapsed + remaining)): at least 90 % of it is on track, 70 % at risk, less behind. The one
    source of ``tracking_status`` and ``on_track``, so the two never disagree."""
    percent = percent_complete(goal.type, amount, goal.start_amount, goal.target_amount)
    if percent >= HUNDRED:
        return TrackingStatus.ACHIEVED
    remaining = days_remaining(goal, today)
    if remaining is None:
        return TrackingStatus.ON_TRACK
    elapsed = days_elapsed(goal, today)
    total = elapsed + remaining
    expected = Decimal(1) if total == 0 else Decimal(elapsed) / Decimal(total)
    progress = percent / HUNDRED
    if progress >= ON_TRACK_TOLERANCE * expected:
        return TrackingStatus.ON_TRACK
    if progress >= AT_RISK_TOLERANCE * expected:
        return TrackingStatus.AT_RISK
    return TrackingStatus.BEHIND


def tracking_status(goal: Goal, today: date) -> TrackingStatus:
    return tracking_status_at(goal, goal.current_amount, today)


def on_track_at(goal: Goal, amount: Decimal, today: date) -> bool:
    return tracking_status_at(goal, amount, today) in ON_TRACK_STATUSES


def is_on_track(goal: Goal, today: date) -> bool:
    return on_track_at(goal, goal.current_amount, today)


def is_latest(goal: Goal, period_date: date) -> bool:
    """Whether an entry of ``period_date`` recorded now is the goal's latest (ties go to the newer record)."""
    return goal.latest_period is None or period_date >= goal.latest_period


def record(
    goal: Goal,
    *,
    value: Decimal,
    period_date: date,
    now: datetime,
    source: ProgressSource,
    contribution: Decimal | None = None,
    notes: str | None = None,
) -> ProgressEntry:
    """Records that the goal's amount was ``value`` on ``period_date``.

    The entry counts toward the pace; it sets the goal's amount only when it is the latest entry, so a
    back-dated entry never overrides a newer one."""
    if value < 0:
        raise BusinessRuleError("The amount may not go below 0")
    if value > MAX_AMOUNT:
        raise BusinessRuleError(f"The amount may not exceed {MAX_AMOUNT:f}")
    today = now.date()
    if is_latest(goal, period_date):
        set_amount(goal, value, period_date)  # reached on the day the entry describes
        goal.latest_period = period_date
    if goal.first_period is None or period_date < goal.first_period:
        goal.first_period = period_date
    add_point(goal.pace_days, period_date, value, today)
    return ProgressEntry(
        id=new_id(int(now.timestamp() * 1000)),
        goal_id=goal.id,
        period_date=period_date,
        value_at_period=value,
        contribution_amount=contribution,
        progress_percent=percent_complete(goal.type, value, goal.start_amount, goal.target_amount),
        on_track=on_track_at(goal, value, period_date),
        source=source,
        recorded_at=now,
        notes=notes,
    )


class ProgressSummary(Model):
    goal_id: str
    current_amount: Decimal
    target_amount: Decimal
    percent_complete: Decimal
    status: GoalStatus
    tracking_status: TrackingStatus
    deadline: datetime | None
    on_track: bool
    days_elapsed: int
    days_remaining: int | None
    required_monthly_contribution: Decimal
    current_monthly_pace: Decimal
    projected_completion_date: date | None
    projected_final_value: Decimal | None


def required_monthly_contribution(goal: Goal, today: date) -> Decimal:
    """The remaining distance over the months left; all of it once the deadline has passed; 0 without a
    deadline or once reached."""
    remaining_days = days_remaining(goal, today)
    distance = goal.remaining()
    # "Reached" is what the goal shows (its percentage, to 2 decimals), so a goal at 100.00 % owes nothing.
    if remaining_days is None or goal.reached:
        return ZERO
    if remaining_days == 0:
        return distance
    return distance / (Decimal(remaining_days) / DAYS_PER_MONTH)


def projected_completion_date(goal: Goal, pace: Decimal, today: date) -> date | None:
    """Today plus the remaining distance at the current pace (to the nearest day); the day it was reached
    once reached; None when the pace does not move toward the target."""
    if goal.reached:
        return goal.reached_date
    if pace <= 0:
        return None
    days = goal.remaining() / pace * DAYS_PER_MONTH
    if days >= (date.max - today).days:
        return None
    return today + timedelta(days=math.floor(days + Decimal("0.5")))


def projected_final_value(goal: Goal, pace: Decimal, today: date) -> Decimal | None:
    """The amount at the deadline if the current pace holds (never below 0); None without a deadline."""
    remaining_days = days_remaining(goal, today)
    if remaining_days is None:
        return None
    moved = pace * Decimal(remaining_days) / DAYS_PER_MONTH
    return max(ZERO, goal.current_amount - moved if goal.decreasing else goal.current_amount + moved)


def summarize(goal: Goal, now: datetime) -> ProgressSummary:
    today = now.date()
    pace = monthly_pace(goal.pace_days, today, decreasing=goal.decreasing)
    final_value = projected_final_value(goal, pace, today)
    status = tracking_status(goal, today)
    return ProgressSummary(
        goal_id=goal.id,
        current_amount=round2(goal.current_amount),
        target_amount=round2(goal.target_amount),
        percent_complete=goal.percent_complete,
        status=goal.status,
        tracking_status=status,
        deadline=goal.deadline,
        on_track=status in ON_TRACK_STATUSES,
        days_elapsed=days_elapsed(goal, today),
        days_remaining=days_remaining(goal, today),
        required_monthly_contribution=round2(required_monthly_contribution(goal, today)),
        current_monthly_pace=round2(pace),
        projected_completion_date=projected_completion_date(goal, pace, today),
        projected_final_value=None if final_value is None else round2(final_value),
    )
