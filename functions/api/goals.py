"""Goals API: the goal itself, its lifecycle, the dashboard, templates and budget sync.
Routes only: each declares its typed input and output and calls one service function."""

from __future__ import annotations

from decimal import Decimal
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from goalpost.domain.clock import utc_now
from goalpost.domain.goals import GoalStatus, GoalType
from goalpost.domain.money import MAX_AMOUNT
from goalpost.edges.api import (
    Caller,
    build_resolver,
    idempotent,
    lambda_handler,
    page_response,
    responses,
)
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.schemas.goals import DashboardOut, GoalCreate, GoalOut, GoalUpdate
from goalpost.schemas.plans import BudgetSnapshotIn, FromTemplateIn, TemplateOut
from goalpost.schemas.progress import ProgressEntryOut, SyncResultOut
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
from goalpost.services import end_of_day, goals, plans, trading
from goalpost.services.goals import GoalDraft

router = Router()
TAGS = ["Goals"]
PLAN_TAGS = ["Goal templates and budget"]
GoalId = Annotated[str, Path(min_length=1, max_length=64)]
TemplateId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/goals", status_code=201, summary="Create a goal", tags=TAGS, responses=responses(201, GoalOut))
@idempotent("create_goal")
def create_goal(user: Caller, goal: Annotated[GoalCreate, Body()]) -> GoalOut:
    return GoalOut.of(goals.create_goal(user, GoalDraft.of(goal)))


@router.get("/goals", summary="List goals, newest first", tags=TAGS, responses=responses(200, list[GoalOut]))
def list_goals(
    user: Caller,
    type: Annotated[GoalType | None, Query()] = None,
    status: Annotated[GoalStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    next_token: NextTokenQuery = None,
) -> Response[list[GoalOut]]:
    found, token = goals.list_goals(user, status=status, goal_type=type, limit=limit, next_token=next_token)
    return page_response([GoalOut.of(g).model_dump(mode="json") for g in found], token)


@router.get(
    "/goals/dashboard",
    summary="Every goal with its progress summary, and the unread alert count",
    tags=TAGS,
    responses=responses(200, DashboardOut),
)
def get_dashboard(user: Caller) -> DashboardOut:
    board = goals.dashboard(user)
    return DashboardOut.build(board.goals, board.unread_alerts)


@router.get(
    "/goals/templates", summary="List goal templates", tags=PLAN_TAGS, responses=responses(200, list[TemplateOut])
)
def list_templates(user: Caller) -> list[TemplateOut]:
    return [TemplateOut.of(t) for t in plans.list_templates()]


@router.get(
    "/goals/templates/<template_id>",
    summary="Get a goal template",
    tags=PLAN_TAGS,
    responses=responses(200, TemplateOut),
)
def get_template(user: Caller, template_id: TemplateId) -> TemplateOut:
    return TemplateOut.of(plans.template(template_id))


@router.post(
    "/goals/from-template",
    status_code=201,
    summary="Create a goal from a template (the latest budget snapshot when no budget is sent)",
    tags=PLAN_TAGS,
    responses=responses(201, GoalOut),
)
@idempotent("create_from_template")
def create_goal_from_template(user: Caller, request: Annotated[FromTemplateIn, Body()]) -> GoalOut:
    goal = plans.create_from_template(
        user,
        request.template_id,
        parameters=request.parameters,
        budget=request.budget,
        target_date=request.target_date,
        name=request.name,
    )
    return GoalOut.of(goal)


@router.post(
    "/goals/sync-from-budget",
    summary="Store a budget snapshot and move the goals it measures",
    tags=PLAN_TAGS,
    responses=responses(200, SyncResultOut),
)
@idempotent("sync_from_budget")
def sync_from_budget(user: Caller, snapshot: Annotated[BudgetSnapshotIn, Body()]) -> SyncResultOut:
    entries = plans.sync_from_budget(user, snapshot)
    return SyncResultOut(updated=[ProgressEntryOut.of(e) for e in entries])


TRADING_TAGS = ["Trading goals"]
# Digits are bounded like every stored amount: DynamoDB numbers hold 38 significant digits at most.
DIGITS = {"max_digits": 24, "decimal_places": 8, "allow_inf_nan": False}
ReturnTarget = Annotated[Decimal | None, Query(ge=Decimal("0.1"), le=50, **DIGITS)]
IncomeTarget = Annotated[Decimal | None, Query(ge=1, le=1_000_000, **DIGITS)]
ValueTarget = Annotated[Decimal | None, Query(ge=100, le=10_000_000, **DIGITS)]


@router.get(
    "/goals/status",
    summary="The three trading goals (created with default targets on first use)",
    tags=TRADING_TAGS,
    responses=responses(200, StatusOut),
)
def get_trading_status(user: Caller) -> StatusOut:
    goals_now = trading.current_goals(user)
    return StatusOut(goals=[TradingGoalOut.of(g) for g in goals_now], timestamp=utc_now())


@router.get(
    "/goals/history/<goal_type>",
    summary="Daily history of one trading goal, newest first",
    tags=TRADING_TAGS,
    responses=responses(200, HistoryOut),
)
def get_trading_history(
    user: Caller,
    goal_type: Annotated[str, Path(min_length=1, max_length=50)],
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> HistoryOut:
    kind = trading.goal_type_of(goal_type)
    rows = trading.history(user, kind, days)
    return HistoryOut(goal_type=kind, history=[HistoryRowOut.model_validate(r) for r in rows], days=days)


@router.post(
    "/goals/manual-snapshot",
    summary="Evaluate the goals now, as the end-of-day job does",
    tags=TRADING_TAGS,
    responses=responses(200, ManualSnapshotOut),
)
def take_manual_snapshot(user: Caller) -> ManualSnapshotOut:
    moment = utc_now()
    end_of_day.evaluate_user(user, moment)
    return ManualSnapshotOut(timestamp=moment)


@router.put(
    "/goals/targets",
    summary="Change trading goal targets (at least one)",
    tags=TRADING_TAGS,
    responses=responses(200, TargetsOut),
)
def set_targets(
    user: Caller,
    monthly_return_target: ReturnTarget = None,
    monthly_income_target: IncomeTarget = None,
    portfolio_value_target: ValueTarget = None,
) -> TargetsOut:
    updates = trading.target_updates(monthly_return_target, monthly_income_target, portfolio_value_target)
    trading.set_targets(user, updates)
    return TargetsOut(updates={f"{kind.value}_target": value for kind, value in updates.items()})


@router.post(
    "/goals/record-profit",
    summary="Record a realized profit (negative: a loss) toward this month's income",
    tags=TRADING_TAGS,
    responses=responses(200, RecordProfitOut),
)
def record_profit(
    user: Caller,
    profit: Annotated[Decimal, Query(ge=-MAX_AMOUNT, le=MAX_AMOUNT, **DIGITS)],
) -> RecordProfitOut:
    month_to_date = trading.record_profit(user, profit)
    return RecordProfitOut(profit_recorded=profit, month_to_date=month_to_date)


@router.get(
    "/goals/targets/history",
    summary="Every target change, newest first",
    tags=TRADING_TAGS,
    responses=responses(200, list[TargetChangeOut]),
)
def list_target_changes(
    user: Caller, limit: LimitQuery = DEFAULT_LIMIT, next_token: NextTokenQuery = None
) -> Response[list[TargetChangeOut]]:
    changes, token = trading.target_changes(user, limit=limit, next_token=next_token)
    return page_response([TargetChangeOut.model_validate(c).model_dump(mode="json") for c in changes], token)


@router.get("/goals/<goal_id>", summary="Get a goal", tags=TAGS, responses=responses(200, GoalOut))
def get_goal(user: Caller, goal_id: GoalId) -> GoalOut:
    return GoalOut.of(goals.get_goal(user, goal_id))


@router.patch("/goals/<goal_id>", summary="Update a goal", tags=TAGS, responses=responses(200, GoalOut))
def update_goal(user: Caller, goal_id: GoalId, update: Annotated[GoalUpdate, Body()]) -> GoalOut:
    return GoalOut.of(goals.update_goal(user, goal_id, update))


@router.delete(
    "/goals/<goal_id>",
    status_code=204,
    summary="Delete a goal with its milestones, funding links and progress entries",
    tags=TAGS,
    responses=responses(204, None, "Deleted"),
)
def delete_goal(user: Caller, goal_id: GoalId) -> Response[None]:
    goals.delete_goal(user, goal_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


def _lifecycle_route(action: str, status: GoalStatus, summary: str) -> None:
    @router.post(
        f"/goals/<goal_id>/{action}",
        summary=summary,
        tags=TAGS,
        operation_id=f"{action}_goal",
        responses=responses(200, GoalOut),
    )
    def move(user: Caller, goal_id: GoalId) -> GoalOut:
        return GoalOut.of(goals.set_status(user, goal_id, status))


for _action, _status, _summary in (
    ("pause", GoalStatus.PAUSED, "Pause an active goal"),
    ("resume", GoalStatus.ACTIVE, "Resume a paused goal"),
    ("complete", GoalStatus.COMPLETED, "Complete an active goal (sets completed_at)"),
    ("abandon", GoalStatus.ABANDONED, "Abandon an active or paused goal"),
):
    _lifecycle_route(_action, _status, _summary)


app = build_resolver(router)
handler = lambda_handler(app)
