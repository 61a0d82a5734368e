"""Goal arithmetic and lifecycle: pure rules, no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.alerts import AlertType
from goalpost.domain.errors import Conflict, InvalidInput
from goalpost.domain.goals import (
    DECREASING_TYPES,
    Goal,
    GoalStatus,
    GoalType,
    Milestone,
    TrackingStatus,
    change_status,
    default_start_amount,
    percent_complete,
    progress_alerts,
    tracking_status,
    validate_target,
)
from goalpost.domain.progress import is_on_track

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def make_goal(**overrides: object) -> Goal:
    fields: dict[str, object] = {
        "id": "g1",
        "user_id": "u1",
        "name": "Emergency Fund",
        "type": GoalType.SAVINGS,
        "target_amount": Decimal(10000),
        "current_amount": Decimal(2500),
        "start_amount": Decimal(0),
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return Goal.model_validate(fields)


def test_percent_complete_of_the_spec_examples() -> None:
    assert percent_complete(GoalType.SAVINGS, Decimal(2500), Decimal(0), Decimal(10000)) == Decimal("25.00")
    # a debt of 8500 paid down to 6000 toward 0
    assert percent_complete(GoalType.DEBT, Decimal(6000), Decimal(8500), Decimal(0)) == Decimal("29.41")
    assert percent_complete(GoalType.SAVINGS, Decimal(12000), Decimal(0), Decimal(10000)) == Decimal("120.00")


def test_percent_never_below_zero() -> None:
    assert percent_complete(GoalType.DEBT, Decimal(9000), Decimal(8500), Decimal(0)) == Decimal("0.00")
    assert percent_complete(GoalType.SAVINGS, Decimal(100), Decimal(500), Decimal(1000)) == Decimal("0.00")


def test_no_distance_to_cover_is_done_once_at_target() -> None:
    assert percent_complete(GoalType.DEBT, Decimal(0), Decimal(0), Decimal(0)) == Decimal("100.00")
    assert percent_complete(GoalType.SAVINGS, Decimal(10), Decimal(500), Decimal(100)) == Decimal("0.00")


@given(current=amounts, start=amounts, target=amounts)
def test_decreasing_goal_mirrors_an_increasing_one(current: Decimal, start: Decimal, target: Decimal) -> None:
    # Reflecting every amount around zero turns a decreasing goal into the increasing one it mirrors.
    assert percent_complete(GoalType.DEBT, -current, -start, -target) == percent_complete(
        GoalType.SAVINGS, current, start, target
    )


@given(current=amounts, target=amounts.filter(lambda t: t > 0))
def test_percent_is_a_rounded_nonnegative_decimal(current: Decimal, target: Decimal) -> None:
    percent = percent_complete(GoalType.SAVINGS, current, Decimal(0), target)
    assert isinstance(percent, Decimal)
    assert percent >= 0
    assert percent == percent.quantize(Decimal("0.01"))
    assert abs(percent - current / target * 100) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        ("100", TrackingStatus.ACHIEVED),
        ("150", TrackingStatus.ACHIEVED),
        ("99.99", TrackingStatus.ON_TRACK),
        ("85", TrackingStatus.ON_TRACK),
        ("84.99", TrackingStatus.AT_RISK),
        ("70", TrackingStatus.AT_RISK),
        ("69.99", TrackingStatus.BEHIND),
        ("0", TrackingStatus.BEHIND),
    ],
)
def test_tracking_status_thresholds(percent: str, expected: TrackingStatus) -> None:
    assert tracking_status(Decimal(percent)) == expected


def test_start_amount_defaults_by_direction() -> None:
    assert default_start_amount(GoalType.SAVINGS, Decimal(2500)) == 0
    for goal_type in DECREASING_TYPES:
        assert default_start_amount(goal_type, Decimal(8500)) == Decimal(8500)


def test_target_zero_only_for_decreasing_goals() -> None:
    validate_target(GoalType.DEBT_FREE, Decimal(0))
    with pytest.raises(InvalidInput):
        validate_target(GoalType.SAVINGS, Decimal(0))


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (GoalStatus.ACTIVE, GoalStatus.PAUSED),
        (GoalStatus.ACTIVE, GoalStatus.COMPLETED),
        (GoalStatus.ACTIVE, GoalStatus.ABANDONED),
        (GoalStatus.PAUSED, GoalStatus.ACTIVE),
        (GoalStatus.PAUSED, GoalStatus.ABANDONED),
    ],
)
def test_allowed_transitions(start: GoalStatus, to: GoalStatus) -> None:
    goal = make_goal(status=start)
    change_status(goal, to, NOW)
    assert goal.status == to
    assert (goal.completed_at == NOW) == (to == GoalStatus.COMPLETED)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (GoalStatus.COMPLETED, GoalStatus.ACTIVE),
        (GoalStatus.COMPLETED, GoalStatus.ABANDONED),
        (GoalStatus.ABANDONED, GoalStatus.ACTIVE),
        (GoalStatus.ABANDONED, GoalStatus.COMPLETED),
        (GoalStatus.PAUSED, GoalStatus.COMPLETED),
    ],
)
def test_forbidden_transitions_conflict(start: GoalStatus, to: GoalStatus) -> None:
    goal = make_goal(status=start)
    with pytest.raises(Conflict):
        change_status(goal, to, NOW)
    assert goal.status == start


def test_milestones_are_marked_once_and_never_lost() -> None:
    goal = make_goal(milestones=[Milestone(id="m1", amount=Decimal(3000), description="3k")])
    progress_alerts(goal, date(2026, 11, 20), silent=True)  # 25 % when created
    goal.current_amount = Decimal(3500)
    first = progress_alerts(goal, date(2026, 11, 21))
    assert [a.alert_type for a in first] == [AlertType.MILESTONE_REACHED]
    goal.current_amount = Decimal(1000)
    goal.current_amount = Decimal(4000)
    assert progress_alerts(goal, date(2026, 12, 1)) == []
    assert goal.milestones[0].reached
    assert goal.milestones[0].reached_date == date(2026, 11, 21)


def test_percentage_alerts_fire_once_each_in_order() -> None:
    goal = make_goal(current_amount=Decimal(0))
    goal.current_amount = Decimal(8000)
    raised = [a.alert_type for a in progress_alerts(goal, NOW.date())]
    assert raised == [AlertType.MILESTONE_25, AlertType.MILESTONE_50, AlertType.MILESTONE_75]
    goal.current_amount = Decimal(10000)
    assert [a.alert_type for a in progress_alerts(goal, NOW.date())] == [AlertType.GOAL_COMPLETED]
    assert progress_alerts(goal, NOW.date()) == []


def test_creation_marks_silently() -> None:
    goal = make_goal(current_amount=Decimal(6000))
    assert progress_alerts(goal, NOW.date(), silent=True) == []
    goal.current_amount = Decimal(6500)
    assert progress_alerts(goal, NOW.date()) == []


def test_decreasing_milestones_are_reached_going_down() -> None:
    goal = make_goal(
        type=GoalType.DEBT,
        target_amount=Decimal(0),
        current_amount=Decimal(8500),
        start_amount=Decimal(8500),
        milestones=[Milestone(id="m", amount=Decimal(5000), description="half")],
    )
    goal.current_amount = Decimal(5000)
    alerts = progress_alerts(goal, NOW.date())
    assert AlertType.MILESTONE_REACHED in [a.alert_type for a in alerts]
    assert [m.amount for m in goal.ordered_milestones()] == [Decimal(5000)]


def test_alert_dedupe_keys_differ_by_subject_and_period() -> None:
    goal = make_goal(
        current_amount=Decimal(0),
        milestones=[
            Milestone(id="a", amount=Decimal(1), description="a"),
            Milestone(id="b", amount=Decimal(2), description="b"),
        ],
    )
    goal.current_amount = Decimal(5)
    raised = progress_alerts(goal, NOW.date())
    assert len(raised) == 2
    assert len({a.digest() for a in raised}) == 2


def test_on_track_rule() -> None:
    created = NOW - timedelta(days=100)
    goal = make_goal(created_at=created, deadline=NOW + timedelta(days=100), current_amount=Decimal(4500))
    assert is_on_track(goal, NOW.date())  # 45 % done, 50 % of the time gone: 45 >= 0.9 * 50
    goal.current_amount = Decimal(4400)
    assert not is_on_track(goal, NOW.date())
    goal.deadline = None
    assert is_on_track(goal, NOW.date())
