"""Goals API: the goal itself, its lifecycle and the dashboard; the function also serves the goal templates and
budget sync (``goal_plans``) and the trading goals (``trading_goals``), whose routes live under /goals too.
Routes only: each declares its typed input and output and calls one service function."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from functions.api import goal_plans, trading_goals
from goalpost.domain.goals import GoalStatus, GoalType
from goalpost.edges.api import ApiRouter, Caller, build_resolver, idempotent, lambda_handler, page_response, responses
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.schemas.goals import DashboardOut, GoalCreate, GoalOut, GoalUpdate
from goalpost.services import goals

router = ApiRouter("Goals")
GoalId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/goals", status_code=201, summary="Create a goal")
@idempotent("create_goal", GoalOut.of)
def create_goal(user: Caller, goal: Annotated[GoalCreate, Body()]) -> GoalOut:
    return GoalOut.of(goals.create_goal(user, goal.draft()))


@router.get("/goals", summary="List goals, newest first")
def list_goals(
    user: Caller,
    type: Annotated[GoalType | None, Query()] = None,
    status: Annotated[GoalStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    next_token: NextTokenQuery = None,
) -> Response[list[GoalOut]]:
    found, token = goals.list_goals(user, status=status, goal_type=type, limit=limit, next_token=next_token)
    return page_response([GoalOut.of(g) for g in found], token)


@router.get("/goals/dashboard", summary="Every goal with its progress summary, and the unread alert count")
def get_dashboard(user: Caller) -> DashboardOut:
    board = goals.dashboard(user)
    return DashboardOut.build(board.goals, board.unread_alerts)


@router.get("/goals/<goal_id>", summary="Get a goal")
def get_goal(user: Caller, goal_id: GoalId) -> GoalOut:
    return GoalOut.of(goals.get_goal(user, goal_id))


@router.patch("/goals/<goal_id>", summary="Update a goal")
def update_goal(user: Caller, goal_id: GoalId, update: Annotated[GoalUpdate, Body()]) -> GoalOut:
    return GoalOut.of(goals.update_goal(user, goal_id, update.changes()))


@router.delete(
    "/goals/<goal_id>",
    status_code=204,
    summary="Delete a goal with its milestones, funding links and progress entries",
    responses=responses(204, None, "Deleted"),
)
def delete_goal(user: Caller, goal_id: GoalId) -> Response[None]:
    goals.delete_goal(user, goal_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


def _lifecycle_route(action: str, status: GoalStatus, summary: str) -> None:
    @router.post(f"/goals/<goal_id>/{action}", summary=summary, operation_id=f"{action}_goal")
    def move(user: Caller, goal_id: GoalId) -> GoalOut:
        return GoalOut.of(goals.set_status(user, goal_id, status))


for _action, _status, _summary in (
    ("pause", GoalStatus.PAUSED, "Pause an active goal"),
    ("resume", GoalStatus.ACTIVE, "Resume a paused goal"),
    ("complete", GoalStatus.COMPLETED, "Complete an active goal (sets completed_at)"),
    ("abandon", GoalStatus.ABANDONED, "Abandon an active or paused goal"),
):
    _lifecycle_route(_action, _status, _summary)


# Everything under /goals is this function's: the goal routes and the two other families that live there.
routers = (router, goal_plans.router, trading_goals.router)
app = build_resolver(*routers)
handler = lambda_handler(app)
