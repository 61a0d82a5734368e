"""Trading goals: the three goals every user tracks (monthly return, monthly income, portfolio value), their
targets, progress and status, and the month's figures they come from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from goalpost.domain.goals import TrackingStatus, tracking_status
from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, ZERO, round2


class TradingGoalType(StrEnum):
    MONTHLY_INCOME = "monthly_income"
    MONTHLY_RETURN = "monthly_return"
    PORTFOLIO_VALUE = "portfolio_value"


DEFAULT_TARGETS: dict[TradingGoalType, Decimal] = {
    TradingGoalType.MONTHLY_RETURN: Decimal("5.0"),
    TradingGoalType.MONTHLY_INCOME: Decimal("2000.0"),
    TradingGoalType.PORTFOLIO_VALUE: Decimal("50000.0"),
}
# PUT /goals/targets: the query parameter of each goal and its allowed range.
TARGET_PARAMETERS: dict[TradingGoalType, tuple[str, Decimal, Decimal]] = {
    TradingGoalType.MONTHLY_RETURN: ("monthly_return_target", Decimal("0.1"), Decimal(50)),
    TradingGoalType.MONTHLY_INCOME: ("monthly_income_target", Decimal(1), Decimal(1_000_000)),
    TradingGoalType.PORTFOLIO_VALUE: ("portfolio_value_target", Decimal(100), Decimal(10_000_000)),
}
# Entering these statuses raises an alert.
STATUS_ALERTS = frozenset({TrackingStatus.ACHIEVED, TrackingStatus.AT_RISK, TrackingStatus.BEHIND})


class TradingGoal(Model):
    goal_type: TradingGoalType
    target_value: Decimal
    current_value: Decimal = ZERO
    progress_percent: Decimal = ZERO
    status: TrackingStatus = TrackingStatus.BEHIND
    updated_at: datetime | None = None

    @classmethod
    def default(cls, goal_type: TradingGoalType) -> TradingGoal:
        return cls(goal_type=goal_type, target_value=DEFAULT_TARGETS[goal_type])


def progress_percent(current: Decimal, target: Decimal) -> Decimal:
    return round2(ZERO if target == 0 else current / target * HUNDRED)


def variance_percent(actual: Decimal, target: Decimal) -> Decimal:
    """``(actual - target) / target * 100``, 2 decimals."""
    return round2(ZERO if target == 0 else (actual - target) / target * HUNDRED)


@dataclass(frozen=True)
class MonthFigures:
    """What the month's evaluations read: the portfolio value now, the value at the month's first evaluation,
    and the month's realized profit (recorded profits + realized P&L of positions closed this month)."""

    portfolio_value: Decimal
    start_value: Decimal | None
    income: Decimal

    def current(self, goal_type: TradingGoalType) -> Decimal | None:
        """The goal's current value; None for the monthly return while the month's start value is unknown or
        0 (the evaluation skips it, with a warning)."""
        if goal_type == TradingGoalType.PORTFOLIO_VALUE:
            return self.portfolio_value
        if goal_type == TradingGoalType.MONTHLY_INCOME:
            return self.income
        if not self.start_value:
            return None
        return round2((self.portfolio_value - self.start_value) / self.start_value * HUNDRED)


def evaluate(goal: TradingGoal, current: Decimal, when: datetime) -> tuple[TradingGoal, bool]:
    """The goal at ``current``; and whether its status changed into one that raises an alert."""
    percent = progress_percent(current, goal.target_value)
    status = tracking_status(percent)
    updated = goal.model_copy(
        update={"current_value": current, "progress_percent": percent, "status": status, "updated_at": when}
    )
    return updated, status != goal.status and status in STATUS_ALERTS


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
