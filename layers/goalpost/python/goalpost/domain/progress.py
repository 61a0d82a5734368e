"""Progress entries and the on-track rule."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from goalpost.domain.goals import Goal
from goalpost.domain.money import HUNDRED

ON_TRACK_TOLERANCE = Decimal("0.9")


class ProgressSource(StrEnum):
    MANUAL = "manual"
    BUDGET_SYNC = "budget_sync"
    CALCULATED = "calculated"


class ProgressEntry(BaseModel):
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


def days_elapsed(goal: Goal, now: datetime, first_period: date | None = None) -> int:
    start = goal.created_at.date()
    if first_period is not None and first_period < start:
        start = first_period
    return max(0, (now.date() - start).days)


def days_remaining(goal: Goal, now: datetime) -> int | None:
    if goal.deadline is None:
        return None
    return max(0, (goal.deadline.date() - now.date()).days)


def is_on_track(goal: Goal, now: datetime, first_period: date | None = None) -> bool:
    """True without a deadline; else progress >= 90 % of the share of the time that has gone by."""
    remaining = days_remaining(goal, now)
    if remaining is None:
        return True
    elapsed = days_elapsed(goal, now, first_period)
    total = elapsed + remaining
    expected = Decimal(1) if total == 0 else Decimal(elapsed) / Decimal(total)
    return goal.percent_complete / HUNDRED >= ON_TRACK_TOLERANCE * expected
