"""The goal alerts' rules and messages (issue 22, r2): figures with units, money as money, the monthly amount
that still finishes on time, ``significant_progress`` and ``suggested_adjustment``. Pure rules, no AWS."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from goalpost.domain.alerts import SEVERITY, AlertType
from goalpost.domain.goal_checks import (
    deadline_alert,
    on_track_alert,
    reminder_alert,
    significant_progress_alert,
    suggested_adjustment_alert,
)
from goalpost.domain.goals import Goal, GoalType, Milestone, amount_text, progress_alerts
from goalpost.domain.money import money_text
from goalpost.domain.pace import add_point
from tests.unit.test_goal_rules import make_goal as rules_goal

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DEADLINE = datetime(2027, 11, 9, tzinfo=UTC)
MONEY = re.compile(r"\$\d{1,3}(,\d{3})*\.\d\d")
PER_MONTH = re.compile(r"\$\d{1,3}(,\d{3})*\.\d\d/month")


def make_goal(**overrides: object) -> Goal:
    """The rules' Emergency Fund ($2,500 of $10,000), created 1 Jan 2026 with a deadline of 9 Nov 2027."""
    return rules_goal(**{"deadline": DEADLINE, "created_at": CREATED, "updated_at": CREATED, **overrides})


def test_money_is_formatted_as_money_and_percentage_goals_in_percent() -> None:
    assert money_text(Decimal("1450")) == "1,450.00"
    assert amount_text(GoalType.SAVINGS, Decimal("1450")) == "$1,450.00"
    assert amount_text(GoalType.DEBT, Decimal("0.5")) == "$0.50"
    assert amount_text(GoalType.SAVINGS_RATE, Decimal("20")) == "20.00%"


def test_off_track_names_the_monthly_amount_that_finishes_on_time() -> None:
    today = date(2026, 11, 9)  # 365 days before the deadline: 7,500 left over 11.99 months
    alert = on_track_alert(make_goal(last_on_track=True), False, today)
    assert alert is not None
    assert alert.alert_type == AlertType.OFF_TRACK
    assert "You need $625.48/month to reach Emergency Fund by 9 Nov 2027" in alert.message
    assert "$2,500.00 of $10,000.00" in alert.message


def test_back_on_track_carries_its_figures() -> None:
    alert = on_track_alert(make_goal(last_on_track=False), True, date(2026, 11, 9))
    assert alert is not None
    assert "$2,500.00 of $10,000.00 (25.00%)" in alert.message


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [(20, AlertType.DEADLINE_APPROACHING), (5, AlertType.DEADLINE_IMMINENT), (-1, AlertType.DEADLINE_MISSED)],
)
def test_deadline_alerts_name_the_monthly_amount(days_left: int, kind: AlertType) -> None:
    goal = make_goal()
    alert = deadline_alert(goal, DEADLINE.date() - timedelta(days=days_left))
    assert alert is not None
    assert alert.alert_type == kind
    assert PER_MONTH.search(alert.message), alert.message
    assert "9 Nov 2027" in alert.message
    assert "$2,500.00 of $10,000.00" in alert.message
    assert alert.action_url == "/app/goals/g1"


def test_a_missed_deadline_needs_the_whole_rest() -> None:
    alert = deadline_alert(make_goal(), date(2027, 11, 10))
    assert alert is not None
    assert "$7,500.00/month" in alert.message


def test_the_progress_alerts_carry_money_with_units() -> None:
    goal = make_goal(
        current_amount=Decimal(5200), milestones=[Milestone(id="m1", amount=Decimal(5000), description="Half")]
    )
    found = {alert.alert_type: alert for alert in progress_alerts(goal, date(2026, 6, 1))}
    assert "$5,000.00" in found[AlertType.MILESTONE_REACHED].message
    assert "$10,000.00" in found[AlertType.MILESTONE_50].message
    assert "$5,200.00" in found[AlertType.MILESTONE_50].message
    goal.current_amount = Decimal(10000)
    completed = [a for a in progress_alerts(goal, date(2026, 7, 1)) if a.alert_type == AlertType.GOAL_COMPLETED]
    assert "$10,000.00" in completed[0].message


def test_the_reminder_carries_the_amount() -> None:
    alert = reminder_alert(make_goal(), date(2026, 11, 1))
    assert alert is not None
    assert "$2,500.00 of $10,000.00" in alert.message


def test_significant_progress_is_ten_percent_of_the_whole_distance_toward_the_target() -> None:
    today = date(2026, 6, 1)
    assert significant_progress_alert(make_goal(current_amount=Decimal(3499)), Decimal(2500), today) is None
    assert significant_progress_alert(make_goal(current_amount=Decimal(1000)), Decimal(2500), today) is None
    alert = significant_progress_alert(make_goal(current_amount=Decimal(3500)), Decimal(2500), today)
    assert alert is not None
    assert alert.alert_type == AlertType.SIGNIFICANT_PROGRESS
    assert alert.period == "2026-06"
    assert alert.action_url == "/app/goals/g1"
    assert "$1,000.00" in alert.message
    assert "$3,500.00 of $10,000.00" in alert.message


def test_significant_progress_of_a_debt_counts_down() -> None:
    debt = make_goal(
        type=GoalType.DEBT, start_amount=Decimal(8500), target_amount=Decimal(0), current_amount=Decimal(7000)
    )
    assert significant_progress_alert(debt, Decimal(8500), date(2026, 6, 1)) is not None
    away = make_goal(
        type=GoalType.DEBT, start_amount=Decimal(8500), target_amount=Decimal(0), current_amount=Decimal(8500)
    )
    assert significant_progress_alert(away, Decimal(7000), date(2026, 6, 2)) is None


def test_significant_progress_once_per_goal_and_month() -> None:
    goal = make_goal(current_amount=Decimal(3500))
    assert significant_progress_alert(goal, Decimal(2500), date(2026, 6, 1)) is not None
    goal.current_amount = Decimal(5000)
    assert significant_progress_alert(goal, Decimal(3500), date(2026, 6, 20)) is None
    goal.current_amount = Decimal(6500)
    assert significant_progress_alert(goal, Decimal(5000), date(2026, 7, 1)) is not None


def with_pace(goal: Goal, points: list[tuple[date, int]], today: date) -> Goal:
    for day, amount in points:
        add_point(goal.pace_days, day, Decimal(amount), today)
    return goal


def test_suggested_adjustment_only_on_the_last_day_of_the_month_when_off_track() -> None:
    behind = make_goal(current_amount=Decimal(0))
    assert suggested_adjustment_alert(behind, date(2026, 11, 29)) is None
    assert suggested_adjustment_alert(make_goal(current_amount=Decimal(9000)), date(2026, 11, 30)) is None
    assert suggested_adjustment_alert(make_goal(current_amount=Decimal(0), deadline=None), date(2026, 11, 30)) is None
    alert = suggested_adjustment_alert(behind, date(2026, 11, 30))
    assert alert is not None
    assert alert.alert_type == AlertType.SUGGESTED_ADJUSTMENT
    assert alert.period == "2026-11"
    assert alert.action_url == "/app/goals/g1"
    assert suggested_adjustment_alert(behind, date(2026, 11, 30)) is None  # once per goal and month
    assert suggested_adjustment_alert(behind, date(2026, 12, 31)) is not None


def test_suggested_adjustment_says_both_ways_back() -> None:
    today = date(2026, 11, 30)
    goal = with_pace(make_goal(current_amount=Decimal(2000)), [(date(2026, 9, 30), 1500), (today, 2000)], today)
    alert = suggested_adjustment_alert(goal, today)
    assert alert is not None
    assert PER_MONTH.search(alert.message), alert.message  # the amount that finishes on time
    assert "by 9 Nov 2027" in alert.message
    assert "$249.51/month" in alert.message  # the current pace: 500 over 61 days
    assert "on 2 Aug 2029" in alert.message  # 8,000 more at that pace: 976 days


def test_suggested_adjustment_says_when_the_pace_never_gets_there() -> None:
    alert = suggested_adjustment_alert(make_goal(current_amount=Decimal(0)), date(2026, 11, 30))
    assert alert is not None
    assert "never" in alert.message


def test_the_new_types_have_a_severity() -> None:
    assert AlertType.SIGNIFICANT_PROGRESS in SEVERITY
    assert AlertType.SUGGESTED_ADJUSTMENT in SEVERITY
    assert all(MONEY.search(text) for text in ("$1,450.00", "$0.50"))
