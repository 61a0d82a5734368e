"""The plan a preview shows: calendar months to the deadline and the money each one needs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.goals import Goal, GoalType
from goalpost.domain.monthly_plan import dollars, months_between, plan_for
from goalpost.domain.templates import add_months
from tests.unit.test_goal_rules import make_goal

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))


def due(day: date, **fields: object) -> Goal:
    """A goal whose deadline is midnight of ``day``."""
    return make_goal(deadline=datetime.combine(day, time.min, tzinfo=UTC), **fields)


@given(days, st.integers(min_value=0, max_value=600))
def test_whole_calendar_months_count_as_whole_months(start: date, months: int) -> None:
    assert months_between(start, add_months(start, months)) == months


@given(days, st.integers(min_value=0, max_value=4000))
def test_months_grow_with_the_days_and_stay_between_whole_months(start: date, offset: int) -> None:
    end = start + timedelta(days=offset)
    months = months_between(start, end)
    whole = int(months)
    assert add_months(start, whole) <= end < add_months(start, whole + 1)
    assert months <= months_between(start, end + timedelta(days=1))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 12, 3), date(2028, 12, 3), Decimal(24)),
        (date(2026, 1, 31), date(2026, 2, 28), Decimal(1)),  # the end of a shorter month is a whole month
        (date(2026, 3, 1), date(2026, 3, 16), Decimal(15) / Decimal(31)),
        (date(2026, 3, 1), date(2026, 3, 1), Decimal(0)),
        (date(2026, 3, 1), date(2026, 2, 1), Decimal(0)),
    ],
)
def test_months_between_examples(start: date, end: date, expected: Decimal) -> None:
    assert months_between(start, end) == expected


def test_money_reads_as_whole_dollars_unless_there_are_cents() -> None:
    assert dollars(Decimal(27000)) == "$27,000"
    assert dollars(Decimal("1124.4166")) == "$1,124.42"
    assert dollars(Decimal("0.5")) == "$0.50"


def test_plan_worked_example_emergency_fund() -> None:
    """docs/goals.md, "Required monthly (preview)": 27,000 over 24 calendar months is 1,125 a month."""
    today = date(2026, 12, 3)
    goal = due(date(2028, 12, 3), type=GoalType.EMERGENCY_FUND, target_amount=27000, current_amount=0)
    plan = plan_for(goal, today)
    assert (plan.required_monthly_contribution, plan.months) == (Decimal(1125), Decimal(24))
    assert plan.suggested_target_date == date(2028, 12, 3)
    assert plan.explanation == "Save $1,125 a month for 24 months to reach $27,000"


def test_plan_of_a_debt_and_of_a_goal_without_deadline() -> None:
    today = date(2026, 12, 3)
    debt = due(date(2027, 6, 3), type=GoalType.DEBT, target_amount=0, current_amount=4500, start_amount=4500)
    assert plan_for(debt, today).explanation == "Pay down $750 a month for 6 months to reach $0"
    open_ended = plan_for(make_goal(), today)
    assert (open_ended.required_monthly_contribution, open_ended.months, open_ended.suggested_target_date) == (
        0,
        None,
        None,
    )
    # 3 January to 17 February: a month and 14 of February's 28 days, 1.5 months: 7,500 / 1.5
    half = plan_for(due(date(2027, 2, 17)), date(2027, 1, 3))
    assert half.required_monthly_contribution == 5000
    assert half.explanation == "Save $5,000 a month for 1.5 months to reach $10,000"
