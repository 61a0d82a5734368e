"""Goals API: routes only. Each declares its typed input and output and calls one service function."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from goalpost.domain.goals import GoalStatus, GoalType
from goalpost.edges.api import (
    build_resolver,
    current_user,
    idempotent,
    json_response,
    lambda_handler,
    page_response,
    responses,
)
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.schemas.goals import GoalCreate, GoalOut, GoalUpdate
from goalpost.services import goals

router = Router()
TAGS = ["Goals"]
GoalId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/goals", status_code=201, summary="Create a goal", tags=TAGS, responses=responses(201, GoalOut))
def create_goal(goal: Annotated[GoalCreate, Body()]) -> Response[GoalOut]:
    user = current_user(router)
    body = idempotent(router, "create_goal", lambda: GoalOut.of(goals.create_goal(user, goal)).model_dump(mode="json"))
    return json_response(HTTPStatus.CREATED, body)


@router.get("/goals", summary="List goals, newest first", tags=TAGS, responses=responses(200, list[GoalOut]))
def list_goals(
    type: Annotated[GoalType | None, Query()] = None,
    status: Annotated[GoalStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    next_token: NextTokenQuery = None,
) -> Response[list[GoalOut]]:
    found, token = goals.list_goals(
        current_user(router), status=status, goal_type=type, limit=limit, next_token=next_token
    )
    return page_response([GoalOut.of(g).model_dump(mode="json") for g in found], token)


@router.get("/goals/<goal_id>", summary="Get a goal", tags=TAGS, responses=responses(200, GoalOut))
def get_goal(goal_id: GoalId) -> GoalOut:
    return GoalOut.of(goals.get_goal(current_user(router), goal_id))


@router.patch("/goals/<goal_id>", summary="Update a goal", tags=TAGS, responses=responses(200, GoalOut))
def update_goal(goal_id: GoalId, update: Annotated[GoalUpdate, Body()]) -> GoalOut:
    return GoalOut.of(goals.update_goal(current_user(router), goal_id, update))


@router.delete(
    "/goals/<goal_id>",
    status_code=204,
    summary="Delete a goal and everything it owns",
    tags=TAGS,
    responses=responses(204, None, "Deleted"),
)
def delete_goal(goal_id: GoalId) -> Response[None]:
    goals.delete_goal(current_user(router), goal_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


app = build_resolver(router)
handler = lambda_handler(app)
