"""Trading goals: status, history, targets, recorded profit, and the evaluation of one user's three goals."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from goalpost import retry
from goalpost.data import idempotency
from goalpost.data import positions as position_store
from goalpost.data import snapshots as snapshot_store
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
    START_LOOKBACK,
    MonthFigures,
    TradingGoal,
    TradingGoalType,
    alert_period,
    evaluate,
    month_of,
    month_start,
    status_text,
    variance_percent,
)
from goalpost.observability import logger
from goalpost.services import alerts as alert_service
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


def current_goals(user_id: str, now: datetime | None = None) -> list[TradingGoal]:
    """The three goals, sorted by type; the ones never used yet are created with their default targets (the
    answer is what was written, not read again). The monthly income is the month's as it stands (its item,
    which every close and record-profit moves): one Query and one GetItem."""
    moment = now or utc_now()
    goals = _with_defaults(user_id, trading_store.goals(_table(), user_id))
    income = trading_store.month_income(_table(), user_id, month_of(moment.date()))
    stored = goals[TradingGoalType.MONTHLY_INCOME]
    if income != stored.current_value:
        goals[TradingGoalType.MONTHLY_INCOME] = evaluate(stored, income, moment)[0]
    return sorted(goals.values(), key=lambda g: g.goal_type.value)


def history(user_id: str, goal_type: TradingGoalType, days: int, today: date | None = None) -> list[dict[str, Any]]:
    since = (today or utc_now().date()) - timedelta(days=days - 1)
    return trading_store.history(_table(), user_id, goal_type, since)


def _valued(
    user_id: str, moment: datetime, *, every_price: bool = False
) -> tuple[Decimal, trading_store.EvaluationReads]:
    """The portfolio value now (valued as ``/portfolio/current`` values it) and what the trading goals need by
    key: the open positions (one Query), then in one BatchGetItem their prices, the cash, the month's item,
    the three trading goals and the preferences (``keys.PRICE_SHARDS`` keeps any portfolio's prices in it).
    ``every_price``: one request instead of two, the open positions as the profile holds them (written in
    the transactions that open and close them) read with every price item: ~140 read units at 10,000
    symbols where a small portfolio's own prices cost ~10, so for a request, not a job."""
    table, system, month_id = _table(), get_settings().system_table_name, month_of(moment.date())
    if every_price:
        reads = trading_store.read_for_evaluation(table, system, user_id, None, month_id)
        value = value_portfolio(reads.holdings, reads.prices, reads.cash, moment).total_value
        return value, reads
    positions = position_store.open_positions(table, user_id)
    reads = trading_store.read_for_evaluation(table, system, user_id, {p.symbol for p in positions}, month_id)
    return value_portfolio(positions, reads.prices, reads.cash, moment).total_value, reads


def set_targets(user_id: str, updates: dict[TradingGoalType, Decimal], now: datetime | None = None) -> None:
    """New targets (progress and status follow at once, the monthly income's from the month's income as it
    stands), logged with the portfolio value at the change (valued live, as ``/portfolio/current`` does: the
    log records what the portfolio was worth when the targets moved); the goals are read with the valuation
    (``_valued``: 2 requests), then one transaction for the changes, the log entry and the status alerts the
    changes raise (as an evaluation raises them), which also creates goals never used yet. A lost race reads
    the goals again (one Query)."""
    if not updates:
        raise BusinessRuleError("At least one target must be provided")
    moment = now or utc_now()
    value, reads = _valued(user_id, moment)
    value_now = round2(value)
    stored = reads.goals
    for _ in retry.attempts(CREATE_ATTEMPTS):
        goals = {t: stored.get(t) or TradingGoal.default(t) for t in TradingGoalType}
        factors = []
        writes = []
        raised: list[NewAlert] = []
        for goal_type in TradingGoalType:
            old = goals[goal_type]
            if goal_type in updates:
                target = updates[goal_type]
                factors.append(target / old.target_value if old.target_value else Decimal(1))
                current = reads.income if goal_type == TradingGoalType.MONTHLY_INCOME else old.current_value
                goal, alert = evaluate(old.model_copy(update={"target_value": target}), current, moment)
                if alert:
                    raised.append(_status_alert(goal, moment.date()))
            elif goal_type in stored:
                continue
            else:
                goal = old
            writes.append(_goal_write(user_id, goal, stored.get(goal_type)))
        entry = {
            "changed_at": moment,
            "portfolio_value": value_now,
            "adjustment_factor": (sum(factors, ZERO) / len(factors)).quantize(Decimal("0.0001")),
            "reason": TARGETS_REASON,
            "updates": {f"{t.value}_target": v for t, v in updates.items()},
        }
        writes.append(trading_store.targets_change(_table(), user_id, moment, new_id(), entry))
        written = trading_store.transact(writes, [alert_service.prepare(user_id, a, moment) for a in raised])
        if written is not None:
            preferences = {user_id: reads.preferences}
            alert_service.publish([w.alert for w in written], moment, preferences=preferences)
            return
        stored = trading_store.goals(_table(), user_id)
    raise ConcurrentModification("The trading goals are being changed by another request; try again")


def _goal_write(user_id: str, goal: TradingGoal, seen: TradingGoal | None) -> dict[str, Any]:
    """The write of a goal: created if it was never used; the monthly income's only if it is still as read
    (every close and record-profit moves it); the others as they are."""
    if goal.goal_type == TradingGoalType.MONTHLY_INCOME or seen is None:
        return trading_store.income_goal_put(_table(), user_id, goal, seen)
    return trading_store.goal_put(_table(), user_id, goal)


def target_changes(user_id: str, *, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return trading_store.targets_page(_table(), user_id, limit=limit, next_token=next_token)


INCOME_ATTEMPTS = 5  # each lost race is lost to a write that moved the goal: the next read sees it


def record_profit(user_id: str, profit: Decimal, now: datetime | None = None) -> Decimal:
    """Adds to this month's recorded profit and moves the monthly income goal with it (``income_moved``);
    returns the month to date (recorded + realized P&L)."""
    return income_moved(user_id, now, profit=profit)


def income_moved(
    user_id: str,
    now: datetime | None = None,
    *,
    profit: Decimal | None = None,
    known: trading_store.IncomeReads | None = None,
) -> Decimal:
    """The monthly income goal moved to the month's income as it stands (plus ``profit``, recorded in the same
    transaction, only if the month is still as read): its status, and the status alert the change raises
    (once per status and month). Called by record-profit and after every close (its P&L is already in the
    month's item; ``known``: what the close read before, with its P&L added). ``GET /goals/status`` reads the
    income itself, so the goal is written only when its status changes (a goal never used is its default,
    'behind', until then), and only if it is still as read. One BatchGetItem (none with ``known``), then one
    transaction when anything changes. Returns the month's income."""
    moment = now or utc_now()
    month_id = month_of(moment.date())
    for _ in retry.attempts(INCOME_ATTEMPTS):
        reads = known or trading_store.read_income(_table(), user_id, month_id)[0]
        known = None  # a lost race reads again
        income = reads.income + (profit or ZERO)
        seen = reads.goal
        # A goal never used is its default (what its first read creates): written only once its status differs.
        base = seen or TradingGoal.default(TradingGoalType.MONTHLY_INCOME)
        updated, alert = evaluate(base, income, moment)
        writes = [] if profit is None else [trading_store.profit_add(_table(), user_id, month_id, profit, reads)]
        if updated.status != base.status:
            writes.append(trading_store.income_goal_put(_table(), user_id, updated, seen))
        if not writes:
            return income
        raised = [alert_service.prepare(user_id, _status_alert(updated, moment.date()), moment)] if alert else []
        if profit is not None:  # record-profit answers the profit and the month to date (see routes)
            idempotency.answer((profit, income))
        written = trading_store.transact(writes, raised)
        if written is not None:
            alert_service.publish([w.alert for w in written], moment, preferences={user_id: reads.preferences})
            return income
    raise ConcurrentModification("The monthly income is being changed by other requests; try again")


def count_closes(user_id: str, known: trading_store.IncomeReads | None = None) -> None:
    """``income_moved`` after closes that are already written: a failure here must not fail them (the caller
    would answer an error for a close that was made), so it is logged, and the evening's evaluation moves the
    goal and raises its alert (once) instead."""
    try:
        income_moved(user_id, known=known)
    except (ConcurrentModification, ClientError):
        logger.warning("The monthly income goal was not moved after a close", extra={"user": user_id}, exc_info=True)


def after_close(reads: trading_store.IncomeReads, pnl: Decimal) -> trading_store.IncomeReads:
    """What ``income_moved`` reads after a close, from what the close read before it (its P&L added)."""
    return replace(reads, realized_pnl=(reads.realized_pnl or ZERO) + pnl)


@dataclass(frozen=True)
class UserReads:
    """What one user's evaluation reads: the month's figures, the stored trading goals (the missing ones are
    not there yet) and the alert preferences (for the alerts it may raise)."""

    month: MonthFigures
    goals: dict[TradingGoalType, TradingGoal]
    preferences: PreferenceRead


def read_user(user_id: str, moment: datetime, *, every_price: bool = False) -> UserReads:
    """The open positions, then in one BatchGetItem their cached prices, the cash, the month's item, the three
    trading goals and the preferences (``_valued``; ``every_price``: all in that one read). The month's start
    value is stored by its first evaluation, when the value is known and not 0 (an UpdateItem, that once a
    month): the last snapshot at or before 00:00 UTC on the 1st (within 24 hours before it: one Query, that
    once a month), else the value now; the month's realized profit."""
    table, month_id = _table(), month_of(moment.date())
    value, reads = _valued(user_id, moment, every_price=every_price)
    start = reads.start_value
    if start is None:
        began = month_start(moment)
        snapshots = get_settings().snapshots_table_name
        before = snapshot_store.value_at_or_before(snapshots, user_id, began, began - START_LOOKBACK)
        candidate = value if before is None or before <= 0 else before
        if candidate > 0:
            start = trading_store.set_start_value(table, user_id, month_id, candidate)
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
    behind, all in one transaction; an alert raised before in its period (the month for the monthly goals,
    the day for the portfolio value) is not raised again.
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
    """The alert of a goal's new status: once per goal, status and period (``alert_period``)."""
    alert_type = STATUS_ALERT[goal.status]
    words = {AlertType.GOAL_ACHIEVED: "achieved", AlertType.GOAL_AT_RISK: "at risk", AlertType.GOAL_BEHIND: "behind"}
    name = goal.goal_type.value.replace("_", " ")
    return NewAlert(
        alert_type,
        title=f"{name.capitalize()} goal {words[alert_type]}",
        message=f"{status_text(goal)}.",
        goal_id=f"trading-{goal.goal_type.value}",
        period=alert_period(goal.goal_type, day),
    )
