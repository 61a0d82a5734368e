"""Trading goals: status, history, targets, recorded profit, and the evaluation of one user's three goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from goalpost.data import trading as trading_store
from goalpost.data.alerts import transact_with_alerts
from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import BusinessRuleError
from goalpost.domain.goals import TrackingStatus
from goalpost.domain.ids import new_id
from goalpost.domain.money import ZERO, round2
from goalpost.domain.trading import (
    MonthFigures,
    TradingGoal,
    TradingGoalType,
    evaluate,
    month_of,
    variance_percent,
)
from goalpost.observability import logger
from goalpost.services import alerts as alert_service
from goalpost.services import portfolio
from goalpost.settings import get_settings

STATUS_ALERT = {
    TrackingStatus.ACHIEVED: AlertType.GOAL_ACHIEVED,
    TrackingStatus.AT_RISK: AlertType.GOAL_AT_RISK,
    TrackingStatus.BEHIND: AlertType.GOAL_BEHIND,
}
TARGETS_REASON = "Targets updated through the API"


def _table() -> str:
    return get_settings().data_table_name


def goal_type_of(name: str) -> TradingGoalType:
    """The goal type named in a path; an unknown one is a 400, as the original service answered."""
    try:
        return TradingGoalType(name)
    except ValueError:
        valid = ", ".join(t.value for t in TradingGoalType)
        raise BusinessRuleError(f"Invalid goal_type {name!r}; valid types: {valid}") from None


def target_updates(
    monthly_return: Decimal | None, monthly_income: Decimal | None, portfolio_value: Decimal | None
) -> dict[TradingGoalType, Decimal]:
    given = {
        TradingGoalType.MONTHLY_RETURN: monthly_return,
        TradingGoalType.MONTHLY_INCOME: monthly_income,
        TradingGoalType.PORTFOLIO_VALUE: portfolio_value,
    }
    updates = {kind: value for kind, value in given.items() if value is not None}
    if not updates:
        raise BusinessRuleError("At least one target must be provided")
    return updates


def current_goals(user_id: str) -> list[TradingGoal]:
    """The three goals, sorted by type; the ones never used yet are created with their default targets."""
    stored = trading_store.goals(_table(), user_id)
    missing = [TradingGoal.default(t) for t in TradingGoalType if t not in stored]
    if missing:
        trading_store.create_missing(_table(), user_id, missing)
        stored = trading_store.goals(_table(), user_id)
    return sorted(stored.values(), key=lambda g: g.goal_type.value)


def history(user_id: str, goal_type: TradingGoalType, days: int, today: date | None = None) -> list[dict[str, Any]]:
    since = (today or utc_now().date()) - timedelta(days=days - 1)
    return trading_store.history(_table(), user_id, goal_type, since)


def set_targets(user_id: str, updates: dict[TradingGoalType, Decimal], now: datetime | None = None) -> None:
    """New targets (progress and status follow at once), logged with the portfolio value now."""
    if not updates:
        raise BusinessRuleError("At least one target must be provided")
    moment = now or utc_now()
    goals = {goal.goal_type: goal for goal in current_goals(user_id)}
    factors = []
    writes = []
    for goal_type, target in updates.items():
        old = goals[goal_type]
        factors.append(target / old.target_value if old.target_value else Decimal(1))
        changed, _ = evaluate(old.model_copy(update={"target_value": target}), old.current_value, moment)
        writes.append(trading_store.goal_put(_table(), user_id, changed))
    entry = {
        "changed_at": moment,
        "portfolio_value": round2(portfolio.current(user_id, moment).total_value),
        "adjustment_factor": (sum(factors, ZERO) / len(factors)).quantize(Decimal("0.0001")),
        "reason": TARGETS_REASON,
        "updates": {f"{t.value}_target": v for t, v in updates.items()},
    }
    writes.append(trading_store.targets_change(_table(), user_id, moment, new_id(), entry))
    trading_store.transact(writes)


def target_changes(user_id: str, *, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return trading_store.targets_page(_table(), user_id, limit=limit, next_token=next_token)


def record_profit(user_id: str, profit: Decimal, now: datetime | None = None) -> Decimal:
    """Adds to this month's recorded profit; returns the month to date (recorded + realized P&L)."""
    month = trading_store.add_profit(_table(), user_id, month_of((now or utc_now()).date()), profit)
    return Decimal(month.get("recorded_profit", 0)) + Decimal(month.get("realized_pnl", 0))


def figures(user_id: str, moment: datetime) -> MonthFigures:
    """The portfolio value now; the month's start value (stored by the month's first evaluation, when the
    value is known and not 0); the month's realized profit."""
    value = portfolio.current(user_id, moment).total_value
    month_id = month_of(moment.date())
    month = trading_store.month(_table(), user_id, month_id)
    start = month.get("start_value")
    if start is None and value > 0:
        start = trading_store.set_start_value(_table(), user_id, month_id, value)
    income = Decimal(month.get("recorded_profit", 0)) + Decimal(month.get("realized_pnl", 0))
    return MonthFigures(portfolio_value=value, start_value=None if start is None else Decimal(start), income=income)


@dataclass(frozen=True)
class Evaluation:
    goals: list[TradingGoal]
    alerts: int
    skipped: list[str]


def evaluate_trading_goals(user_id: str, moment: datetime, month: MonthFigures) -> Evaluation:
    """Updates the three goals, writes today's history row of each (a rerun replaces it) and raises an alert
    for each status change into achieved / at risk / behind, all in one transaction; an alert raised by an
    earlier run of the same day is not raised again."""
    day = moment.date()
    writes: list[dict[str, Any]] = []
    raised: list[NewAlert] = []
    evaluated: list[TradingGoal] = []
    skipped: list[str] = []
    for goal in current_goals(user_id):
        value = month.current(goal.goal_type)
        if value is None:
            logger.warning("Monthly return skipped: the month's start value is unknown or 0", extra={"user": user_id})
            skipped.append(goal.goal_type.value)
            continue
        updated, alert = evaluate(goal, value, moment)
        evaluated.append(updated)
        writes.append(trading_store.goal_put(_table(), user_id, updated))
        writes.append(
            trading_store.history_put(
                _table(), user_id, updated, day, variance_percent(updated.current_value, updated.target_value)
            )
        )
        if alert:
            raised.append(_status_alert(updated, day))
    prepared = [alert_service.prepare(user_id, alert, moment) for alert in raised]
    alert_writes = transact_with_alerts(writes, prepared)
    alert_service.publish([w.alert for w in alert_writes], moment)
    return Evaluation(evaluated, len(alert_writes), skipped)


def _status_alert(goal: TradingGoal, day: date) -> NewAlert:
    alert_type = STATUS_ALERT[goal.status]
    words = {AlertType.GOAL_ACHIEVED: "achieved", AlertType.GOAL_AT_RISK: "at risk", AlertType.GOAL_BEHIND: "behind"}
    name = goal.goal_type.value.replace("_", " ")
    return NewAlert(
        alert_type,
        title=f"{name.capitalize()} goal {words[alert_type]}",
        message=f"{name.capitalize()}: {goal.current_value} of {goal.target_value} ({goal.progress_percent}%).",
        goal_id=f"trading-{goal.goal_type.value}",
        period=day.isoformat(),
    )
