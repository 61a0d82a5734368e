"""Trading goals (monthly return, monthly income, portfolio value): routes of the goals-api function
(``functions/api/goals.py`` includes this router, because one function owns /goals). Routes only.

Each route imports its service itself: the goals-api function's first request is a goal list, which needs
neither the trading goals' services nor what they load (positions, snapshots, prices: about a sixth of the
function's cold import)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from goalpost.domain.clock import utc_now
from goalpost.domain.money import MAX_AMOUNT
from goalpost.edges.api import ApiRouter, Caller, idempotent, page_response
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.schemas.trading import (
    HistoryOut,
    HistoryRowOut,
    ManualSnapshotOut,
    RecordProfitOut,
    StatusOut,
    TargetChangeOut,
    TargetsOut,
    TradingGoalOut,
)

router = ApiRouter("Trading goals")
# Digits are bounded like every stored amount: DynamoDB numbers hold 38 significant digits at most.
DIGITS = {"max_digits": 24, "decimal_places": 8, "allow_inf_nan": False}
ReturnTarget = Annotated[Decimal | None, Query(ge=Decimal("0.1"), le=50, **DIGITS)]
IncomeTarget = Annotated[Decimal | None, Query(ge=1, le=1_000_000, **DIGITS)]
ValueTarget = Annotated[Decimal | None, Query(ge=100, le=10_000_000, **DIGITS)]


@router.get("/goals/status", summary="The three trading goals (created with default targets on first use)")
def get_trading_status(user: Caller) -> StatusOut:
    from goalpost.services import trading

    goals_now = trading.current_goals(user)
    return StatusOut(goals=[TradingGoalOut.of(g) for g in goals_now], timestamp=utc_now())


@router.get("/goals/history/<goal_type>", summary="Daily history of one trading goal, newest first")
def get_trading_history(
    user: Caller,
    goal_type: Annotated[str, Path(min_length=1, max_length=50)],
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> HistoryOut:
    from goalpost.services import trading

    kind = trading.goal_type_of(goal_type)
    rows = trading.history(user, kind, days)
    return HistoryOut(goal_type=kind, history=[HistoryRowOut.model_validate(r) for r in rows], days=days)


@router.post("/goals/manual-snapshot", summary="Evaluate the goals now, as the end-of-day job does")
def take_manual_snapshot(user: Caller) -> ManualSnapshotOut:
    from goalpost.services import end_of_day

    moment = utc_now()
    end_of_day.evaluate_user(user, moment)
    return ManualSnapshotOut(timestamp=moment)


@router.put("/goals/targets", summary="Change trading goal targets (at least one)")
def set_targets(
    user: Caller,
    monthly_return_target: ReturnTarget = None,
    monthly_income_target: IncomeTarget = None,
    portfolio_value_target: ValueTarget = None,
) -> TargetsOut:
    from goalpost.services import trading

    updates = trading.target_updates(monthly_return_target, monthly_income_target, portfolio_value_target)
    trading.set_targets(user, updates)
    return TargetsOut(updates={f"{kind.value}_target": value for kind, value in updates.items()})


def profit_recorded(recorded: tuple[Decimal, Decimal]) -> RecordProfitOut:
    """The answer of record-profit: the profit and the month's income to date."""
    profit, month_to_date = recorded
    return RecordProfitOut(profit_recorded=profit, month_to_date=month_to_date)


@router.post("/goals/record-profit", summary="Record a realized profit (negative: a loss) toward this month's income")
@idempotent("record_profit", profit_recorded)
def record_profit(
    user: Caller,
    profit: Annotated[Decimal, Query(ge=-MAX_AMOUNT, le=MAX_AMOUNT, **DIGITS)],
) -> RecordProfitOut:
    from goalpost.services import trading

    return profit_recorded((profit, trading.record_profit(user, profit)))


@router.get("/goals/targets/history", summary="Every target change, newest first")
def list_target_changes(
    user: Caller, limit: LimitQuery = DEFAULT_LIMIT, next_token: NextTokenQuery = None
) -> Response[list[TargetChangeOut]]:
    from goalpost.services import trading

    changes, token = trading.target_changes(user, limit=limit, next_token=next_token)
    return page_response([TargetChangeOut.model_validate(c) for c in changes], token)
