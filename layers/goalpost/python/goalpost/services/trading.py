"""Trading goals: status, history, targets, recorded profit, and the evaluation of one user's three goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from goalpost import retry
from goalpost.data import positions as position_store
from goalpost.data import trading as trading_store
from goalpost.data.alerts import transact_with_alerts
from goalpost.data.preferences import PreferenceRead
from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import BusinessRuleError, ConcurrentModification
from goalpost.domain.goals import TrackingStatus
from goalpost.domain.ids import new_id
from goalpost.domain.money import ZERO, round2
from goalpost.domain.portfolio import value_portfolio
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
from goalpost.services.portfolio import current as current_portfolio
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


CREATE_ATTEMPTS = 3  # a lost race for the first use is lost once: the winner created all three


def _with_defaults(user_id: str, stored: dict[TradingGoalType, TradingGoal]) -> dict[TradingGoalType, TradingGoal]:
    """The stored goals, and the ones never used yet created with their default targets: one request, each
    conditional on still being missing, so two concurrent first uses create them once (the loser reads them
    again)."""
    for _ in retry.attempts(CREATE_ATTEMPTS):
        missing = [TradingGoal.default(t) for t in TradingGoalType if t not in stored]
        if not missing or trading_store.create_missing(_table(), user_id, missing):
            return {**stored, **{goal.goal_type: goal for goal in missing}}
        stored = trading_store.goals(_table(), user_id)
    raise ConcurrentModification("The trading goals are being created by another request; try again")


def current_goals(user_id: str) -> list[TradingGoal]:
    """The three goals, sorted by type; the ones never used yet are created with their default targets (the
    answer is what was written, not read again)."""
    goals = _with_defaults(user_id, trading_store.goals(_table(), user_id))
    return sorted(goals.values(), key=lambda g: g.goal_type.value)


def history(user_id: str, goal_type: TradingGoalType, days: int, today: date | None = None) -> list[dict[str, Any]]:
    since = (today or utc_now().date()) - timedelta(days=days - 1)
    return trading_store.history(_table(), user_id, goal_type, since)


def set_targets(user_id: str, updates: dict[TradingGoalType, Decimal], now: datetime | None = None) -> None:
    """New targets (progress and status follow at once), logged with the portfolio value at the change (valued
    live, as ``/portfolio/current`` does: the log records what the portfolio was worth when the targets moved);
    one Query of the goals, one transaction for the changes and the log entry, which also creates goals never
    used yet."""
    if not updates:
        raise BusinessRuleError("At least one target must be provided")
    moment = now or utc_now()
    value_now = round2(current_portfolio(user_id, moment).total_value)
    for _ in retry.attempts(CREATE_ATTEMPTS):
        stored = trading_store.goals(_table(), user_id)
        goals = {t: stored.get(t) or TradingGoal.default(t) for t in TradingGoalType}
        factors = []
        writes = []
        for goal_type in TradingGoalType:
            old = goals[goal_type]
            if goal_type in updates:
                target = updates[goal_type]
                factors.append(target / old.target_value if old.target_value else Decimal(1))
                goal, _ = evaluate(old.model_copy(update={"target_value": target}), old.current_value, moment)
            elif goal_type in stored:
                continue
            else:
                goal = old
            put = trading_store.goal_put if goal_type in stored else trading_store.create_put
            writes.append(put(_table(), user_id, goal))
        entry = {
            "changed_at": moment,
            "portfolio_value": value_now,
            "adjustment_factor": (sum(factors, ZERO) / len(factors)).quantize(Decimal("0.0001")),
            "reason": TARGETS_REASON,
            "updates": {f"{t.value}_target": v for t, v in updates.items()},
        }
        writes.append(trading_store.targets_change(_table(), user_id, moment, new_id(), entry))
        if trading_store.transact(writes):
            return
    raise ConcurrentModification("The trading goals are being created by another request; try again")


def target_changes(user_id: str, *, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return trading_store.targets_page(_table(), user_id, limit=limit, next_token=next_token)


def record_profit(user_id: str, profit: Decimal, now: datetime | None = None) -> Decimal:
    """Adds to this month's recorded profit; returns the month to date (recorded + realized P&L)."""
    month = trading_store.add_profit(_table(), user_id, month_of((now or utc_now()).date()), profit)
    return Decimal(month.get("recorded_profit", 0)) + Decimal(month.get("realized_pnl", 0))


@dataclass(frozen=True)
class UserReads:
    """What one user's evaluation reads: the month's figures, the stored trading goals (the missing ones are
    not there yet) and the alert preferences (for the alerts it may raise)."""

    month: MonthFigures
    goals: dict[TradingGoalType, TradingGoal]
    preferences: PreferenceRead


def read_user(user_id: str, moment: datetime) -> UserReads:
    """The open positions (one Query), then in one BatchGetItem (one per 100 keys) their cached prices, the
    cash, the month's item, the three trading goals and the preferences. The portfolio value is valued as
    ``/portfolio/current`` does; the month's start value is stored by its first evaluation, when the value
    is known and not 0 (an UpdateItem, that once a month); the month's realized profit."""
    table, system = _table(), get_settings().system_table_name
    month_id = month_of(moment.date())
    positions = position_store.open_positions(table, user_id)
    reads = trading_store.read_for_evaluation(table, system, user_id, {p.symbol for p in positions}, month_id)
    value = value_portfolio(positions, reads.prices, reads.cash, moment).total_value
    start = reads.start_value
    if start is None and value > 0:
        start = trading_store.set_start_value(table, user_id, month_id, value)
    figures = MonthFigures(portfolio_value=value, start_value=start, income=reads.income)
    return UserReads(figures, reads.goals, reads.preferences)


@dataclass(frozen=True)
class Evaluation:
    goals: list[TradingGoal]
    alerts: int
    skipped: list[str]


def evaluate_trading_goals(
    user_id: str,
    moment: datetime,
    month: MonthFigures,
    *,
    stored: dict[TradingGoalType, TradingGoal] | None = None,
    preferences: PreferenceRead | None = None,
    one_by_one: bool = False,
) -> Evaluation:
    """Updates the three goals (``stored``: as the caller read them; else read here), writes today's history
    row of each (a rerun replaces it) and raises an alert for each status change into achieved / at risk /
    behind, all in one transaction; an alert raised by an earlier run of the same day is not raised again.
    The alerts are released with the owner's ``preferences`` when the caller read them."""
    day = moment.date()
    writes: list[dict[str, Any]] = []
    raised: list[NewAlert] = []
    evaluated: list[TradingGoal] = []
    skipped: list[str] = []
    goals = _with_defaults(user_id, trading_store.goals(_table(), user_id) if stored is None else stored)
    for goal in sorted(goals.values(), key=lambda g: g.goal_type.value):
        value = month.current(goal.goal_type)
        if value is None:
            logger.info("Monthly return skipped: the month's start value is unknown or 0", extra={"user": user_id})
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
    known = {user_id: preferences} if preferences is not None else None
    alert_service.publish([w.alert for w in alert_writes], moment, preferences=known, one_by_one=one_by_one)
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
