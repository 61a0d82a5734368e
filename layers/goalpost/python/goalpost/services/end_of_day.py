"""The end-of-day evaluation of one user (the end_of_day_goals job's worker, and manual-snapshot).

The business date is the schedule's time, never the wall clock, so a late or retried run evaluates the right
day. Everything a run writes is keyed by (user, date) or guarded per (goal, alert, period): a rerun of the same
day, or a rerun after a crash half way, writes no second history row and raises no second alert."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from goalpost.data import goals as goal_store
from goalpost.data.preferences import PreferenceRead
from goalpost.domain.alerts import NewAlert
from goalpost.domain.goal_checks import deadline_alert, on_track_alert, reminder_alert, suggested_adjustment_alert
from goalpost.domain.goals import Goal, GoalStatus, GoalType
from goalpost.domain.progress import ProgressEntry, ProgressSource, is_on_track, record
from goalpost.domain.trading import MonthFigures, TradingGoalType
from goalpost.observability import metrics
from goalpost.services import trading
from goalpost.services.goal_writes import change_goals
from goalpost.services.job_messages import parse_batch
from goalpost.settings import get_settings

USERS_AT_ONCE = 8

# Personal goals of these types follow the same figures as the trading goals (entries with source calculated).
CALCULATED = {
    GoalType.PORTFOLIO_VALUE: TradingGoalType.PORTFOLIO_VALUE,
    GoalType.MONTHLY_RETURN: TradingGoalType.MONTHLY_RETURN,
    GoalType.MONTHLY_INCOME: TradingGoalType.MONTHLY_INCOME,
}
# Goals of these types that carry the tag follow the portfolio's total value (what GET /portfolio/current shows).
FOLLOWS_PORTFOLIO_TAG = "auto:portfolio"
FOLLOWS_PORTFOLIO = frozenset(
    {
        GoalType.NET_WORTH,
        GoalType.NET_WORTH_TARGET,
        GoalType.INVESTMENT,
        GoalType.INVESTMENT_TARGET,
        GoalType.PORTFOLIO_VALUE,
    }
)


def calculated_kind(goal: Goal) -> TradingGoalType | None:
    """Which of the month's figures the goal follows, if any."""
    if goal.type in FOLLOWS_PORTFOLIO and FOLLOWS_PORTFOLIO_TAG in goal.tags:
        return TradingGoalType.PORTFOLIO_VALUE
    return CALCULATED.get(goal.type)


def evaluate_user(
    user_id: str, moment: datetime, *, one_by_one: bool = False, every_price: bool = True
) -> dict[str, Any]:
    """One user's evaluation (manual-snapshot, and the job's worker with ``one_by_one``: each alert released
    on its own, and without ``every_price``): what it needs by key is one read (``trading.read_user``; with
    ``every_price`` the open positions too, so that a request costs 3: that read, the active goals' Query,
    the trading goals' write), then the trading goals, then the personal goals."""
    reads = trading.read_user(user_id, moment, every_price=every_price)
    month = reads.month
    evaluation = trading.evaluate_trading_goals(
        user_id, moment, month, stored=reads.goals, preferences=reads.preferences, one_by_one=one_by_one
    )
    personal = evaluate_personal_goals(user_id, moment, month, preferences=reads.preferences, one_by_one=one_by_one)
    return {
        "trading_goals": len(evaluation.goals),
        "trading_alerts": evaluation.alerts,
        "skipped": evaluation.skipped,
        **personal,
    }


def evaluate_personal_goals(
    user_id: str,
    moment: datetime,
    month: MonthFigures,
    *,
    preferences: PreferenceRead | None = None,
    one_by_one: bool = False,
) -> dict[str, Any]:
    """Every active goal: the calculated ones move to today's figures (once per run: a retry of the run after
    the figures moved records no second entry); then the deadline, on-track, reminder and month-end adjustment checks,
    each alert once per goal and period, in the goal's own transaction."""
    today = moment.date()
    active = goal_store.list_all(get_settings().data_table_name, user_id, GoalStatus.ACTIVE)

    def calculate(goal: Goal) -> list[ProgressEntry]:
        kind = calculated_kind(goal)
        value = None if kind is None else month.current(kind)
        if value is None or value == goal.current_amount or value < 0 or goal.calculated_at == moment:
            return []
        goal.calculated_at = moment
        return [
            record(
                goal,
                value=value,
                period_date=today,
                now=moment,
                source=ProgressSource.CALCULATED,
                contribution=value - goal.current_amount,
            )
        ]

    def checks(goal: Goal) -> list[NewAlert]:
        found = [
            deadline_alert(goal, today),
            on_track_alert(goal, is_on_track(goal, today), today),
            reminder_alert(goal, today),
            suggested_adjustment_alert(goal, today),
        ]
        return [alert for alert in found if alert is not None]

    changed = change_goals(
        user_id, active, calculate, moment, extra=checks, preferences=preferences, one_by_one=one_by_one
    )
    entries = sum(len(c.entries) for c in changed.values())
    metrics.add_metric(name="GoalsEvaluated", unit="Count", value=len(active))
    return {"personal_goals": len(active), "calculated_entries": entries}


def handle_message(body: str) -> dict[str, Any]:
    """Worker: one queued batch of users, each evaluated as of the batch's moment (idempotent per user and
    date, so SQS redelivering a batch after a crash half way through changes nothing twice)."""
    moment, users = parse_batch(body)
    # Each user's evaluation is its own requests, mostly waiting on DynamoDB: a few at a time.
    # Every user of the day: the positions first, so that only their own price items are read.
    with ThreadPoolExecutor(max_workers=USERS_AT_ONCE) as pool:
        results = list(pool.map(lambda user: evaluate_user(user[0], moment, one_by_one=True, every_price=False), users))
    return {"users": len(results), "alerts": sum(r["trading_alerts"] for r in results)}
