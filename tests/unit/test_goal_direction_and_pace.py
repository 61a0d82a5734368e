"""Issue 22 (r2): a goal's direction rule, and its tracking status by pace (one rule with ``on_track``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.errors import InvalidInput
from goalpost.domain.goals import DECREASING_TYPES, GoalDraft, GoalType, TrackingStatus, direction_problem, new_goal
from goalpost.domain.progress import is_on_track, summarize, tracking_status_at
from tests.unit.test_goal_rules import make_goal

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
TODAY = NOW.date()


# ---------------------------------------------------------------- direction


@pytest.mark.parametrize(
    ("goal_type", "start", "target", "broken"),
    [
        (GoalType.SAVINGS, 0, 1, False),
        (GoalType.SAVINGS, 500, 500, True),
        (GoalType.SAVINGS, 500, 400, True),
        (GoalType.DEBT, 8500, 0, False),
        (GoalType.DEBT, 0, 0, True),  # a debt_free template with no debts: nothing to pay off
        (GoalType.DEBT, 100, 200, True),
    ],
)
def test_direction_rule(goal_type: GoalType, start: int, target: int, broken: bool) -> None:
    problem = direction_problem(goal_type, Decimal(start), Decimal(target))
    assert (problem is not None) is broken
    if problem:
        assert "target_amount" in problem
        assert "start_amount" in problem


@pytest.mark.parametrize(
    "draft",
    [
        GoalDraft(name="Full", type=GoalType.SAVINGS, target_amount=Decimal(100), current_amount=Decimal(100)),
        GoalDraft(name="Past", type=GoalType.SAVINGS, target_amount=Decimal(100), current_amount=Decimal(150)),
        GoalDraft(name="Paid", type=GoalType.DEBT, target_amount=Decimal(500), current_amount=Decimal(500)),
        GoalDraft(name="None", type=GoalType.DEBT_FREE, target_amount=Decimal(0), current_amount=Decimal(0)),
        GoalDraft(
            name="Below",
            type=GoalType.DEBT_PAYOFF,
            target_amount=Decimal(0),
            current_amount=Decimal(0),
            start_amount=Decimal(900),
        ),
    ],
    ids=lambda d: d.name,
)
def test_a_goal_is_never_achieved_by_construction(draft: GoalDraft) -> None:
    with pytest.raises(InvalidInput):
        new_goal("u1", draft, NOW)


def test_a_goal_on_its_way_is_created() -> None:
    goal = new_goal(
        "u1", GoalDraft(name="Debt", type=GoalType.DEBT, target_amount=Decimal(0), current_amount=Decimal(9)), NOW
    )
    assert goal.percent_complete == 0


# ---------------------------------------------------------------- tracking status by pace


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        ("100", TrackingStatus.ACHIEVED),
        ("45", TrackingStatus.ON_TRACK),  # half the time gone: 0.9 x 50 %
        ("44.99", TrackingStatus.AT_RISK),
        ("35", TrackingStatus.AT_RISK),  # 0.7 x 50 %
        ("34.99", TrackingStatus.BEHIND),
        ("0", TrackingStatus.BEHIND),
    ],
)
def test_tracking_status_is_by_pace(percent: str, expected: TrackingStatus) -> None:
    goal = make_goal(
        created_at=NOW - timedelta(days=100),
        deadline=NOW + timedelta(days=100),
        current_amount=Decimal(percent) * 100,
    )
    assert tracking_status_at(goal, goal.current_amount, TODAY) == expected
    assert summarize(goal, NOW).tracking_status == expected


def test_a_new_goal_is_on_track_and_a_goal_without_deadline_too() -> None:
    fresh = make_goal(created_at=NOW, deadline=NOW + timedelta(days=365), current_amount=Decimal(0))
    assert tracking_status_at(fresh, fresh.current_amount, TODAY) == TrackingStatus.ON_TRACK
    late = make_goal(created_at=NOW - timedelta(days=900), current_amount=Decimal(1))
    assert tracking_status_at(late, late.current_amount, TODAY) == TrackingStatus.ON_TRACK


@given(
    covered=st.decimals(min_value=0, max_value=12000, places=2),
    age=st.integers(min_value=0, max_value=800),
    deadline_days=st.none() | st.integers(min_value=-400, max_value=800),
    decreasing=st.booleans(),
)
def test_tracking_status_never_contradicts_on_track(
    covered: Decimal, age: int, deadline_days: int | None, decreasing: bool
) -> None:
    deadline = None if deadline_days is None else NOW + timedelta(days=deadline_days)
    common = {"created_at": NOW - timedelta(days=age), "deadline": deadline}
    if decreasing:
        goal_type = next(iter(DECREASING_TYPES))
        goal = make_goal(
            type=goal_type,
            start_amount=Decimal(10000),
            target_amount=Decimal(0),
            current_amount=max(Decimal(0), 10000 - covered),
            **common,
        )
    else:
        goal = make_goal(current_amount=covered, **common)
    summary = summarize(goal, NOW)
    assert summary.on_track is (summary.tracking_status in {TrackingStatus.ACHIEVED, TrackingStatus.ON_TRACK})
    assert summary.on_track is is_on_track(goal, TODAY)
