"""What the served OpenAPI document promises, held against the handlers over moto: the document served is valid
and is the one built, and every route documented with Idempotency-Key replays under it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from openapi_spec_validator import validate

from goalpost.edges.docs import openapi_document
from tests.handlers.conftest import Api

TODAY = datetime.now(UTC).date()


def documented_idempotent() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) of every operation documented with the Idempotency-Key header."""
    return {
        operation["operationId"]: (method.upper(), path)
        for path, methods in openapi_document()["paths"].items()
        for method, operation in methods.items()
        if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }


# A valid body of each such route, and another valid body (the same key with it is a 422). The goal in the path
# is a savings goal of the caller at 0, so this month's budget with savings moves it.
BODIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "create_goal": (
        {"name": "Replayed", "type": "savings", "target_amount": 1000},
        {"name": "Other", "type": "savings", "target_amount": 1000},
    ),
    "create_goal_from_template": (
        {"template_id": "house_down_payment", "parameters": {"home_price": 400000}},
        {"template_id": "house_down_payment", "parameters": {"home_price": 500000}},
    ),
    "sync_from_budget": (
        {"period_year": TODAY.year, "period_month": TODAY.month, "category_totals": {"savings": 700}},
        {"period_year": TODAY.year, "period_month": TODAY.month, "category_totals": {"savings": 800}},
    ),
    "record_progress": ({"contribution_amount": 10}, {"contribution_amount": 20}),
    "add_milestone": ({"amount": 500, "description": "Half"}, {"amount": 250, "description": "Quarter"}),
    "link_account": (
        {"account_id": "checking", "allocation_percent": 10},
        {"account_id": "checking", "allocation_percent": 20},
    ),
    "open_position": (
        {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000},
        {"symbol": "BTCUSDT", "quantity": 1, "entry_price": 50000},
    ),
    "record_profit": ({}, {}),  # its request is the query (QUERIES)
}
# The routes whose request is their query string: a valid one, and another (the same key with it is a 422).
QUERIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {"record_profit": ({"profit": 150}, {"profit": 99})}


def test_the_served_document_is_valid_and_the_one_built(api: Api) -> None:
    served = api.get("/openapi.json", user=None)
    assert served.status == 200
    validate(served.body)
    assert served.body == json.loads(json.dumps(openapi_document()))


def test_every_documented_idempotent_route_has_a_replay_case() -> None:
    assert set(BODIES) == set(documented_idempotent())


@pytest.mark.parametrize("operation_id", sorted(documented_idempotent()))
def test_a_documented_idempotency_key_replays_the_first_response(api: Api, operation_id: str) -> None:
    goal = api.post("/goals", {"name": "Budgeted", "type": "savings", "target_amount": 1000, "current_amount": 0})
    assert goal.status == 201, goal.body
    method, template = documented_idempotent()[operation_id]
    path = template.format(goal_id=goal.body["id"])
    query, other_query = QUERIES.get(operation_id, ({}, {}))
    body, other_body = (None, None) if query else BODIES[operation_id]

    first = api.call(method, path, body=body, query=query, headers={"Idempotency-Key": "replay-1"})
    assert 200 <= first.status < 300, first.body
    again = api.call(method, path, body=body, query=query, headers={"Idempotency-Key": "replay-1"})
    assert (again.status, again.body) == (first.status, first.body)
    # Without the key's replay the same request does something else (a new object, a conflict, nothing to move):
    # so the equal answer above was the first one replayed, not the request run again.
    anew = api.call(method, path, body=body, query=query, headers={"Idempotency-Key": "replay-2"})
    assert anew.body != first.body
    reused = api.call(method, path, body=other_body, query=other_query, headers={"Idempotency-Key": "replay-1"})
    assert reused.status == 422, reused.body
