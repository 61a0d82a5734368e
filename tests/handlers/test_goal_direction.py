"""Issue 22 (r2) through the handlers: the direction rule on create, from a template and on PATCH; and the
tracking status by pace wherever a goal is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost.data import goals as goal_store
from goalpost.data.client import client
from goalpost.data.codec import serialize
from goalpost.data.goals import goal_item
from goalpost.domain.goals import Goal
from goalpost.services.goal_writes import table
from tests.handlers.conftest import Api

SAVINGS = {"name": "Emergency Fund", "type": "savings", "target_amount": 10000, "current_amount": 1000}
DEBT = {"name": "Car loan", "type": "debt", "target_amount": 0, "current_amount": 8500}


@pytest.mark.parametrize(
    "body",
    [
        {**SAVINGS, "current_amount": 10000},  # complete when created
        {**SAVINGS, "current_amount": 12000},
        {**SAVINGS, "start_amount": 10000},  # target not above start
        {**SAVINGS, "start_amount": 20000, "current_amount": 0},
        {**DEBT, "target_amount": 8500},  # a debt whose target is its balance
        {**DEBT, "target_amount": 9000},
        {**DEBT, "current_amount": 0},  # nothing to pay off
        {**DEBT, "start_amount": 8500, "current_amount": 0},  # already paid when created
    ],
)
def test_a_goal_that_cannot_move_toward_its_target_is_422_and_stores_nothing(api: Api, body: dict[str, Any]) -> None:
    reply = api.post("/goals", body)
    assert reply.status == 422, reply.body
    assert isinstance(reply.body["detail"], str)
    assert "target_amount" in reply.body["detail"]
    assert api.get("/goals").body == []


def test_a_debt_free_template_without_debts_is_refused(api: Api) -> None:
    reply = api.post(
        "/goals/from-template",
        {"template_id": "debt_free", "budget": {"total_income": 5000, "monthly_expenses": 3000, "debts": []}},
    )
    assert reply.status == 422, reply.body
    assert "start_amount" in reply.body["detail"]
    assert api.get("/goals").body == []


def test_a_patch_that_breaks_the_direction_is_400_and_changes_nothing(api: Api) -> None:
    debt = api.post("/goals", DEBT).body
    path = f"/goals/{debt['id']}"
    for target in (8500, 9999):
        reply = api.patch(path, {"target_amount": target})
        assert reply.status == 400, reply.body
        assert "start_amount" in reply.body["detail"]
        assert api.get(path).body == debt
    # a target moved to the amount is reached by the change, not by construction: allowed
    saving = api.post("/goals", SAVINGS).body
    reached = api.patch(f"/goals/{saving['id']}", {"target_amount": 1000}).body
    assert reached["tracking_status"] == "achieved"


def test_an_increasing_goal_started_above_zero_keeps_its_start(api: Api) -> None:
    goal = api.post("/goals", {**SAVINGS, "start_amount": 500}).body
    assert api.patch(f"/goals/{goal['id']}", {"target_amount": 500}).status == 400
    assert api.patch(f"/goals/{goal['id']}", {"target_amount": 501}).status == 200


def stored_goal(goal_id: str) -> Goal:
    goal = goal_store.get(table(), "alice", goal_id)
    assert goal is not None
    return goal


def backdate(goal_id: str, days: int) -> None:
    """Moves the goal's creation ``days`` back, as if it had been running that long."""
    goal = stored_goal(goal_id)
    goal.created_at -= timedelta(days=days)
    client().put_item(TableName=table(), Item=serialize(goal_item(goal)))


def test_a_new_goal_is_on_track_everywhere_it_is_shown(api: Api) -> None:
    deadline = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
    goal = api.post("/goals", {**SAVINGS, "current_amount": 0, "deadline": deadline}).body
    assert goal["tracking_status"] == "on_track"
    summary = api.get(f"/goals/{goal['id']}/progress").body
    assert (summary["tracking_status"], summary["on_track"]) == ("on_track", True)


@pytest.mark.parametrize(
    ("amount", "expected", "on_track"),
    [(4500, "on_track", True), (4400, "at_risk", False), (3500, "at_risk", False), (3400, "behind", False)],
)
def test_tracking_status_is_by_pace_in_the_goal_summary_list_and_dashboard(
    api: Api, amount: int, expected: str, on_track: bool
) -> None:
    deadline = (datetime.now(UTC) + timedelta(days=100)).date().isoformat()
    goal_id = api.post("/goals", {**SAVINGS, "current_amount": amount, "deadline": deadline}).body["id"]
    backdate(goal_id, 100)  # half the time gone: 0.9 x 50 % is on track, 0.7 x 50 % at risk
    summary = api.get(f"/goals/{goal_id}/progress").body
    assert (summary["tracking_status"], summary["on_track"]) == (expected, on_track)
    assert api.get(f"/goals/{goal_id}").body["tracking_status"] == expected
    assert [g["tracking_status"] for g in api.get("/goals").body] == [expected]
    (shown,) = api.get("/goals/dashboard").body["goals"]
    assert (shown["tracking_status"], shown["progress"]["tracking_status"]) == (expected, expected)
