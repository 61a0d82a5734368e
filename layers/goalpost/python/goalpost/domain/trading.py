"""Trading goals: the three goals every user tracks (monthly return, monthly income, portfolio value), their
targets, progress and status, and the month's figures they come from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from goalpost.domain.goals import TrackingStatus, tracking_status
from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, ZERO, money_text, round2


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


# Monthly goals raise each status alert once a month; the portfolio value's once a day.
MONTHLY_GOALS = frozenset({TradingGoalType.MONTHLY_RETURN, TradingGoalType.MONTHLY_INCOME})


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
    """What the month's evaluations read: the portfolio value now, the value at the start of the month
    (``start_of_month_value``), and the month's realized profit (recorded profits + realized P&L of
    positions closed this month)."""

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


START_LOOKBACK = timedelta(hours=24)


def month_start(moment: datetime) -> datetime:
    """00:00 UTC on the 1st of the moment's month."""
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def start_of_month_value(last_snapshot_value: Decimal | None, first_evaluation_value: Decimal) -> Decimal:
    """The month's start value: the last portfolio snapshot at or before 00:00 UTC on the 1st (within
    ``START_LOOKBACK`` before it: the caller looks there), else the value at the month's first evaluation;
    so the 1st's own gain or loss counts in the month's return."""
    return first_evaluation_value if last_snapshot_value is None else last_snapshot_value


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


def alert_period(goal_type: TradingGoalType, day: date) -> str:
    """The period a status alert of the goal is raised once in: its month for the monthly goals, else its
    day."""
    return month_of(day) if goal_type in MONTHLY_GOALS else day.isoformat()


def _figure(goal_type: TradingGoalType, value: Decimal) -> str:
    if goal_type == TradingGoalType.MONTHLY_RETURN:
        return f"{round2(value):.2f}%"
    return f"${money_text(value)}" if value >= 0 else f"-${money_text(-value)}"


def _percent(value: Decimal) -> str:
    """A progress percentage as people write it: ``72.5``, ``100``, ``15.25``."""
    text = f"{round2(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def status_text(goal: TradingGoal) -> str:
    """Where the goal stands, with its units: "Monthly income: $1,450.00 of $2,000.00 (72.5%)"; a return is
    a percentage already: "Monthly return: 4.21% of 5.00%"."""
    name = goal.goal_type.value.replace("_", " ").capitalize()
    figures = f"{_figure(goal.goal_type, goal.current_value)} of {_figure(goal.goal_type, goal.target_value)}"
    if goal.goal_type == TradingGoalType.MONTHLY_RETURN:
        return f"{name}: {figures}"
    return f"{name}: {figures} ({_percent(goal.progress_percent)}%)"
