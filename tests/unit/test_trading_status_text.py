"""The trading goals' status messages carry their figures with units (r2), and their alerts' periods."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from goalpost.domain.trading import TradingGoal, TradingGoalType, alert_period, evaluate, status_text


def goal_at(goal_type: TradingGoalType, current: str, target: str) -> TradingGoal:
    goal = TradingGoal.default(goal_type).model_copy(update={"target_value": Decimal(target)})
    return evaluate(goal, Decimal(current), datetime(2026, 12, 3, tzinfo=UTC))[0]


def test_money_goals_show_dollars_and_the_progress() -> None:
    income = goal_at(TradingGoalType.MONTHLY_INCOME, "1450", "2000")
    assert status_text(income) == "Monthly income: $1,450.00 of $2,000.00 (72.5%)"
    value = goal_at(TradingGoalType.PORTFOLIO_VALUE, "45000", "50000")
    assert status_text(value) == "Portfolio value: $45,000.00 of $50,000.00 (90%)"
    loss = goal_at(TradingGoalType.MONTHLY_INCOME, "-300", "2000")
    assert status_text(loss) == "Monthly income: -$300.00 of $2,000.00 (-15%)"


def test_a_return_is_a_percentage_of_a_percentage() -> None:
    assert status_text(goal_at(TradingGoalType.MONTHLY_RETURN, "4.21", "5")) == "Monthly return: 4.21% of 5.00%"


def test_monthly_goals_alert_once_a_month_the_portfolio_value_once_a_day() -> None:
    day = date(2026, 12, 3)
    assert alert_period(TradingGoalType.MONTHLY_INCOME, day) == "2026-12"
    assert alert_period(TradingGoalType.MONTHLY_RETURN, day) == "2026-12"
    assert alert_period(TradingGoalType.PORTFOLIO_VALUE, day) == "2026-12-03"
