"""Mass assignment: no write operation accepts a field the server owns. Generated from the OpenAPI document:
every operation with a JSON body gets a valid body plus one server-owned field at a time, and must answer 422
and store nothing."""

from __future__ import annotations

import re
from typing import Any

from goalpost.edges.docs import openapi_document
from tests.handlers.conftest import Api
from tests.handlers.test_goals_api import stored_items

SERVER_OWNED = (
    "id",
    "user_id",
    "created_at",
    "updated_at",
    "completed_at",
    "version",
    "allocation_total",
    "percent_complete",
    "tracking_status",
    "realized_pnl",
    "pnl_usd",
    "exit_reason",
    "read_at",
    "delivered_at",
    "key_hint",
    "last_synced_at",
    "last_error",
)
# A valid body per write operation (the matrix's bodies, plus the creating ones).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/goals"): {"name": "n", "type": "savings", "target_amount": 5},
    ("PATCH", "/goals/{goal_id}"): {"name": "m"},
    ("POST", "/goals/{goal_id}/progress"): {"value": 1},
    ("POST", "/goals/{goal_id}/milestones"): {"amount": 1, "description": "m"},
    ("PATCH", "/goals/{goal_id}/milestones/{milestone_id}"): {"description": "n"},
    ("POST", "/goals/{goal_id}/funding"): {"account_id": "acct", "allocation_percent": 1},
    ("PATCH", "/goals/{goal_id}/funding/{account_id}"): {"allocation_percent": 2},
    ("POST", "/goals/from-template"): {"template_id": "retirement_target", "parameters": {"target_income": 1000}},
    ("POST", "/goals/preview"): {"name": "n", "type": "savings", "target_amount": 5},
    ("POST", "/goals/sync-from-budget"): {"period_year": 2026, "period_month": 1},
    ("PUT", "/portfolio/cash"): {"cash_balance": 1},
    ("POST", "/positions"): {"symbol": "AAPL", "quantity": 1, "entry_price": 100},
    ("PATCH", "/positions/{position_id}"): {"take_profit": 200},
    ("POST", "/positions/{position_id}/close"): {"exit_price": 101},
    ("POST", "/positions/{position_id}/fill"): {"entry_price": 101},
    ("POST", "/positions/{position_id}/cancel"): {"failed": True},
    ("PATCH", "/alerts/preferences"): {"timezone": "UTC"},
    ("POST", "/accounts"): {"provider": "alpaca", "api_key": "key", "api_secret": "secret"},
}


def test_no_write_operation_takes_a_server_owned_field(api: Api) -> None:
    goal = api.post("/goals", {"name": "g", "type": "savings", "target_amount": 100}).body
    api.post(f"/goals/{goal['id']}/funding", {"account_id": "acct", "allocation_percent": 1})
    milestone = api.post(f"/goals/{goal['id']}/milestones", {"amount": 50, "description": "m"}).body
    position = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body
    ids = {"goal_id": goal["id"], "milestone_id": milestone["id"], "account_id": "acct", "position_id": position["id"]}
    before = [stored_items("test-data", pk) for pk in ("USER#alice", f"USER#alice#GOAL#{goal['id']}")]
    checked = 0
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            if "requestBody" not in operation:
                continue
            key = (method.upper(), path)
            assert key in BODIES, f"no sample body for {key}: add one"
            concrete = re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], path)
            for field in SERVER_OWNED:
                reply = api.call(method.upper(), concrete, body={**BODIES[key], field: "forged"})
                assert reply.status == 422, (key, field, reply.status)
                checked += 1
    after = [stored_items("test-data", pk) for pk in ("USER#alice", f"USER#alice#GOAL#{goal['id']}")]
    assert after == before
    assert checked >= 12 * len(SERVER_OWNED)
