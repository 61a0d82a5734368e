"""The authorization matrix, generated from the OpenAPI document: every operation on another user's object
(by its id in the path) is 404 and leaves that object unchanged; admin-only operations are 403 for everyone
else. Its 401 half runs over HTTP, where the gateway checks tokens (tests/e2e/test_authorization.py). A new
route is covered as soon as it is documented: a user-owned path parameter without a sample below fails."""

from __future__ import annotations

import re
from typing import Any

import pytest

from goalpost.edges.docs import openapi_document
from tests.handlers.conftest import Api

ADMIN_ONLY = {("POST", "/prices/refresh")}
# Path parameters that are not a user's objects: shared catalogues and fixed names.
SHARED_PARAMETERS = {"template_id", "goal_type"}
# A valid body per write operation, so that only ownership can decide the answer.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/goals/{goal_id}"): {"name": "taken over"},
    ("POST", "/goals/{goal_id}/progress"): {"value": 1},
    ("POST", "/goals/{goal_id}/milestones"): {"amount": 1, "description": "m"},
    ("PATCH", "/goals/{goal_id}/milestones/{milestone_id}"): {"amount": 1},
    ("POST", "/goals/{goal_id}/funding"): {"account_id": "b-acct", "allocation_percent": 1},
    ("PATCH", "/goals/{goal_id}/funding/{account_id}"): {"allocation_percent": 1},
    ("PATCH", "/positions/{position_id}"): {"take_profit": 200},
    ("POST", "/positions/{position_id}/close"): {"exit_price": 101},
    ("POST", "/positions/{position_id}/fill"): {"entry_price": 101},
    ("POST", "/positions/{position_id}/cancel"): {"failed": True},
    ("PATCH", "/alerts/{alert_id}/read"): {},
}


def operations() -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, methods in openapi_document()["paths"].items() for method in methods]


def owned(path: str) -> list[str]:
    return [name for name in re.findall(r"\{([^}]+)\}", path) if name not in SHARED_PARAMETERS]


@pytest.fixture
def alice(api: Api) -> dict[str, str]:
    """One of each of user A's objects, with the ids the paths take."""
    goal = api.post("/goals", {"name": "A's goal", "type": "savings", "target_amount": 100}).body
    api.post(f"/goals/{goal['id']}/funding", {"account_id": "a-acct", "allocation_percent": 10})
    milestone = api.post(f"/goals/{goal['id']}/milestones", {"amount": 90, "description": "A's"}).body
    api.patch(f"/goals/{goal['id']}", {"current_amount": 60})  # raises alerts for A
    position = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body
    alert = api.get("/alerts").body[0]
    return {
        "goal_id": goal["id"],
        "milestone_id": milestone["id"],
        "account_id": "a-acct",
        "position_id": position["id"],
        "alert_id": alert["id"],
    }


def snapshot(api: Api, ids: dict[str, str]) -> Any:
    """Everything of A's that B's requests could have touched."""
    goal = ids["goal_id"]
    return [
        api.get(f"/goals/{goal}").body,
        api.get(f"/goals/{goal}/funding").body,
        api.get(f"/goals/{goal}/progress/history").body,
        api.get(f"/positions/{ids['position_id']}").body,
        api.get("/alerts").body,
    ]


def test_another_users_objects_are_404_and_unchanged(api: Api, alice: dict[str, str]) -> None:
    before = snapshot(api, alice)
    checked = 0
    for method, path in operations():
        params = owned(path)
        if not params:
            continue
        assert all(name in alice for name in params), f"no sample of A's for {path}: add one to the fixture"
        if method in ("POST", "PATCH", "PUT"):
            assert (method, path) in BODIES or method == "POST", f"no sample body for {method} {path}"
        concrete = path
        for name, value in alice.items():
            concrete = concrete.replace("{" + name + "}", value)
        reply = api.call(method, concrete, user="bob", body=BODIES.get((method, path), {}))
        assert reply.status == 404, (method, path, reply.status, reply.body)
        checked += 1
    assert checked >= 20
    assert snapshot(api, alice) == before


def test_admin_operations_are_403_for_users(api: Api) -> None:
    for method, path in ADMIN_ONLY:
        assert (method, path) in operations()
        assert api.call(method, path, user="bob").status == 403
