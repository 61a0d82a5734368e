"""The route building blocks of goalpost.edges.api: what the resolver reads from a route, and what a resolver
keeps of the routers it includes."""

from __future__ import annotations

import inspect
import json
from types import SimpleNamespace
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.request import Request

from goalpost.domain.errors import ProviderUnavailable
from goalpost.edges.api import ApiRouter, Caller, IdempotencyKey, build_resolver, idempotent
from goalpost.schemas.goals import GoalCreate, GoalOut


def test_an_idempotent_route_shows_the_resolver_its_own_parameters_and_the_header() -> None:
    def create_goal(user: Caller, goal: Annotated[GoalCreate, Body()]) -> GoalOut:
        raise AssertionError("not called")

    seen = inspect.signature(idempotent("create_goal", GoalOut.of)(create_goal))
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


def test_a_provider_fault_answers_502_with_its_wait_rounded_up_to_whole_seconds() -> None:
    router = ApiRouter()

    @router.get("/slow", summary="Slow")
    def slow() -> None:
        raise ProviderUnavailable("binance_futures: HTTP 429", retry_after_seconds=1.2)

    @router.get("/down", summary="Down")
    def down() -> None:
        raise ProviderUnavailable("binance_futures: HTTP 500")

    app = build_resolver(router)

    def get(path: str) -> dict[str, Any]:
        event = {
            "version": "2.0",
            "routeKey": f"GET {path}",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {},
            "requestContext": {"http": {"method": "GET", "path": path}, "requestId": "r", "stage": "$default"},
            "isBase64Encoded": False,
        }
        return app.resolve(event, SimpleNamespace())  # type: ignore[arg-type]

    slowed = get("/slow")
    assert (slowed["statusCode"], slowed["headers"]["Retry-After"]) == (502, "2")
    assert json.loads(slowed["body"]) == {"detail": "binance_futures: HTTP 429"}
    stopped = get("/down")
    assert stopped["statusCode"] == 502
    assert "Retry-After" not in stopped["headers"]
