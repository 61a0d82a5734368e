"""A goal's plan before it exists: how many calendar months it has and what it needs to save each month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from goalpost.domain.goals import Goal
from goalpost.domain.money import ZERO, money_text
from goalpost.domain.templates import add_months


def months_between(start: date, end: date) -> Decimal:
    """Calendar months from ``start`` to ``end``: the whole months, plus the days left over as a share of the
    month they fall in (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return ZERO
    whole = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, whole) > end:
        whole -= 1
    month_start, month_end = add_months(start, whole), add_months(start, whole + 1)
    return Decimal(whole) + Decimal((end - month_start).days) / Decimal((month_end - month_start).days)


def dollars(value: Decimal) -> str:
    """Money as the plan's sentence reads it: ``$27,000``, or ``$1,124.42`` when there are cents."""
    return "$" + money_text(value).removesuffix(".00")


def _months_text(months: Decimal) -> str:
    shown = months.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
    return f"{shown:f} month" if shown == 1 else f"{shown:f} months"


@dataclass(frozen=True)
class MonthlyPlan:
    required_monthly_contribution: Decimal
    months: Decimal | None
    suggested_target_date: date | None
    explanation: str


def plan_for(goal: Goal, today: date) -> MonthlyPlan:
    """The remaining distance spread evenly over the calendar months to the deadline (all of it when the
    deadline is today); without a deadline there is nothing to spread."""
    remaining = goal.remaining()
    target = dollars(goal.target_amount)
    verb = "Pay down" if goal.decreasing else "Save"
    if goal.deadline is None:
        return MonthlyPlan(ZERO, None, None, f"Set a target date to see what reaching {target} takes each month")
    deadline = goal.deadline.date()
    months = months_between(today, deadline)
    if remaining == 0:
        return MonthlyPlan(ZERO, months, deadline, f"Already at {target}: nothing more to put aside")
    monthly = remaining if months < 1 else remaining / months
    if months < 1:
        explanation = f"{verb} {dollars(monthly)} by {deadline.isoformat()} to reach {target}"
    else:
        explanation = f"{verb} {dollars(monthly)} a month for {_months_text(months)} to reach {target}"
    return MonthlyPlan(monthly, months, deadline, explanation)
