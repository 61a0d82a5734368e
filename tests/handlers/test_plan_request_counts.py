"""The planning routes cost the same few DynamoDB requests for 5 goals as for 500."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost.data.batches import batch_write
from goalpost.data.codec import serialize
from goalpost.data.goals import goal_item
from infra.local.aws import dynamodb_requests
from tests.handlers.conftest import Api, investment_goals

TABLE = "test-data"
NOW = datetime.now(UTC)


def costs(api: Api, user: str, goal_count: int) -> dict[str, dict[str, int]]:
    """The requests of each planning route for a user with ``goal_count`` goals, every one with a deadline."""
    goals = investment_goals(user, goal_count, NOW, deadline=NOW + timedelta(days=400))
    requests = [{"PutRequest": {"Item": serialize(goal_item(goal))}} for goal in goals]
    for start in range(0, len(requests), 25):
        batch_write(TABLE, requests[start : start + 25])
    budget = {"period_year": NOW.year, "period_month": NOW.month, "monthly_expenses": 4500, "surplus": 2000}
    assert api.post("/goals/sync-from-budget", budget, user=user).status == 200
    calls: dict[str, Callable[[], Any]] = {
        "preview a goal": lambda: api.post(
            "/goals/preview", {"name": "n", "type": "savings", "target_amount": 5}, user=user
        ),
        "preview a template": lambda: api.post("/goals/preview", {"template_id": "emergency_fund_6_months"}, user=user),
        "recommendations": lambda: api.get("/goals/recommendations", user=user),
    }
    measured = {}
    for name, call in calls.items():
        with dynamodb_requests() as counted:
            reply = call()
        assert reply.status == 200, (name, reply.body)
        measured[name] = dict(counted)
    recommended = api.get("/goals/recommendations", user=user).body
    assert len(recommended["goals"]) == goal_count
    return measured


def test_planning_routes_cost_at_most_two_requests_for_5_or_500_goals(api: Api) -> None:
    few = costs(api, "few", 5)
    assert costs(api, "many", 500) == few
    assert few == {
        "preview a goal": {},  # nothing read, nothing stored
        "preview a template": {"Query": 1},  # the latest budget snapshot
        "recommendations": {"Query": 2},  # the snapshot, then the goals
    }
