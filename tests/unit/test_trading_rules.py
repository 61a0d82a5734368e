"""Trading goal arithmetic and the end-of-day checks of personal goals: pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.alerts import AlertType
from goalpost.domain.goal_checks import deadline_alert, on_track_alert, reminder_alert
from goalpost.domain.goals import TrackingStatus
from goalpost.domain.trading import (
    MonthFigures,
    TradingGoal,
    TradingGoalType,
    evaluate,
    progress_percent,
    variance_percent,
)
from tests.unit.test_goal_rules import make_goal

NOW = datetime(2026, 11, 21, 23, 59, tzinfo=UTC)
TODAY = NOW.date()


def test_month_figures_give_each_goal_its_value() -> None:
    month = MonthFigures(portfolio_value=Decimal(52500), start_value=Decimal(50000), income=Decimal(1450))
    assert month.current(TradingGoalType.PORTFOLIO_VALUE) == 52500
    assert month.current(TradingGoalType.MONTHLY_INCOME) == 1450
    assert month.current(TradingGoalType.MONTHLY_RETURN) == Decimal("5.00")
    unknown = MonthFigures(portfolio_value=Decimal(1), start_value=None, income=Decimal(0))
    assert unknown.current(TradingGoalType.MONTHLY_RETURN) is None
    assert MonthFigures(Decimal(1), Decimal(0), Decimal(0)).current(TradingGoalType.MONTHLY_RETURN) is None


def test_examples_from_the_original_documentation() -> None:
    assert progress_percent(Decimal(1450), Decimal(2000)) == Decimal("72.50")
    assert variance_percent(Decimal("4.2"), Decimal(5)) == Decimal("-16.00")
    goal, alert = evaluate(TradingGoal.default(TradingGoalType.MONTHLY_INCOME), Decimal(1450), NOW)
    assert (goal.status, alert) == (TrackingStatus.AT_RISK, True)
    again, alert_again = evaluate(goal, Decimal(1460), NOW)
    assert (again.status, alert_again) == (TrackingStatus.AT_RISK, False)  # no change, no alert
    on_track, alert_on_track = evaluate(goal, Decimal(1800), NOW)
    assert (on_track.status, alert_on_track) == (TrackingStatus.ON_TRACK, False)  # on_track raises nothing


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.decimals(min_value=1, max_value=10**7, places=2))
def test_status_follows_progress(current: Decimal, target: Decimal) -> None:
    goal, _ = evaluate(TradingGoal(goal_type=TradingGoalType.PORTFOLIO_VALUE, target_value=target), current, NOW)
    expected = (
        TrackingStatus.ACHIEVED if goal.progress_percent >= 100 else
        TrackingStatus.ON_TRACK if goal.progress_percent >= 85 else
        TrackingStatus.AT_RISK if goal.progress_percent >= 70 else TrackingStatus.BEHIND
    )  # fmt: skip
    assert goal.status == expected


def test_deadline_alerts_by_days_left() -> None:
    def kind(days: int) -> AlertType | None:
        alert = deadline_alert(make_goal(deadline=NOW + timedelta(days=days), current_amount=Decimal(10)), TODAY)
        return None if alert is None else alert.alert_type

    assert kind(31) is None
    assert kind(30) == AlertType.DEADLINE_APPROACHING
    assert kind(8) == AlertType.DEADLINE_APPROACHING
    assert kind(7) == AlertType.DEADLINE_IMMINENT
    assert kind(0) == AlertType.DEADLINE_IMMINENT
    assert kind(-1) == AlertType.DEADLINE_MISSED
    reached = make_goal(deadline=NOW - timedelta(days=3), current_amount=Decimal(10000))
    assert deadline_alert(reached, TODAY) is None


def test_a_deadline_alert_is_raised_once_per_kind_and_deadline() -> None:
    goal = make_goal(deadline=NOW + timedelta(days=20), current_amount=Decimal(10))
    first = deadline_alert(goal, TODAY)
    assert first is not None
    assert deadline_alert(goal, TODAY + timedelta(days=1)) is None  # the next day's run: already raised
    imminent = deadline_alert(goal, TODAY + timedelta(days=14))
    assert imminent is not None
    assert imminent.alert_type == AlertType.DEADLINE_IMMINENT
    goal.deadline = NOW + timedelta(days=25)  # a new deadline is a new period: approaching again
    again = deadline_alert(goal, TODAY)
    assert again is not None
    assert (again.alert_type, again.period) == (AlertType.DEADLINE_APPROACHING, goal.deadline.date().isoformat())


def test_on_track_flips_alert_once_per_flip() -> None:
    goal = make_goal()
    assert on_track_alert(goal, True, TODAY) is None  # the first look only records
    assert on_track_alert(goal, True, TODAY) is None
    off = on_track_alert(goal, False, TODAY)
    assert off is not None
    assert off.alert_type == AlertType.OFF_TRACK
    back = on_track_alert(goal, True, TODAY + timedelta(days=1))
    assert back is not None
    assert back.alert_type == AlertType.BACK_ON_TRACK
    assert off.digest() != back.digest()


def test_reminders_come_on_the_reminder_day_without_an_entry_that_month() -> None:
    goal = make_goal()
    goal.reminder_day = 21
    alert = reminder_alert(goal, TODAY)
    assert alert is not None
    assert alert.period == "2026-11"
    assert reminder_alert(goal, TODAY + timedelta(days=1)) is None
    goal.latest_period = date(2026, 11, 2)
    assert reminder_alert(goal, TODAY) is None
    goal.latest_period = date(2026, 10, 30)
    assert reminder_alert(goal, TODAY) is not None
