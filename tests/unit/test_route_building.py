"""The route building blocks of goalpost.edges.api: what the resolver reads from a route, and what a resolver
keeps of the routers it includes."""

from __future__ import annotations

import inspect
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.request import Request

from goalpost.edges.api import ApiRouter, Caller, IdempotencyKey, build_resolver, idempotent
from goalpost.schemas.goals import GoalCreate, GoalOut


def test_an_idempotent_route_shows_the_resolver_its_own_parameters_and_the_header() -> None:
    def create_goal(user: Caller, goal: Annotated[GoalCreate, Body()]) -> GoalOut:
        raise AssertionError("not called")

    seen = inspect.signature(idempotent("create_goal")(create_goal))
    assert list(seen.parameters) == ["idempotency_request", "user", "goal", "idempotency_key"]
    assert seen.parameters["idempotency_request"].annotation is Request
    assert seen.parameters["user"].annotation == Caller
    assert seen.parameters["idempotency_key"].annotation == IdempotencyKey
    assert seen.parameters["idempotency_key"].default is None
    assert seen.return_annotation is GoalOut


def test_an_api_router_documents_the_answer_its_route_returns() -> None:
    router = ApiRouter("Goals")

    @router.get("/goals", summary="List")
    def list_goals() -> Response[list[GoalOut]]:
        raise AssertionError("not called")

    @router.delete("/goals/<goal_id>", status_code=204, summary="Delete", tags=["Own"])
    def delete_goal(goal_id: str) -> Response[None]:
        raise AssertionError("not called")

    paths = build_resolver(router).get_openapi_schema().model_dump(by_alias=True, exclude_none=True)["paths"]
    listed, deleted = paths["/goals"]["get"], paths["/goals/{goal_id}"]["delete"]
    assert listed["tags"] == ["Goals"]
    assert listed["responses"][200]["content"]["application/json"]["schema"]["type"] == "array"
    assert {404, 409, 422} <= set(listed["responses"])
    assert deleted["tags"] == ["Own"]
    assert deleted["responses"][204]["description"] == "Success"  # the status code the route declares


def test_a_router_included_elsewhere_brings_no_request_state_along() -> None:
    """The local server includes one router in a resolver per execution environment: a request under way in
    one must leave nothing in the next."""
    router = ApiRouter()
    busy = APIGatewayHttpResolver()
    busy.include_router(router)
    busy.append_context(_request="another environment's request")
    assert build_resolver(router).context == {}
