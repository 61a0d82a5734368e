"""Issue 22 (r2) over HTTP: a milestone edited and deleted, its amount re-checked at once, its alert once; and
the direction rule and the status by pace as a client sees them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import Client, start_server, stop_server
from tests.e2e.test_goals_flow import create_goal, goal_alerts, new_user, ok

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api() -> Iterator[Client]:
    running = start_server("--schedules", "off")
    yield running.client
    stop_server(running)


def test_a_milestone_is_edited_rechecked_and_deleted(api: Client) -> None:
    token = new_user(api, "milestones")
    other = new_user(api, "milestones-other")
    goal = create_goal(api, token, current_amount=1000)
    base = f"/goals/{goal['id']}/milestones"
    milestone = ok(api.request("POST", base, {"amount": 4000, "description": "4k"}, token=token), 201)
    path = f"{base}/{milestone['id']}"

    lowered = ok(api.request("PATCH", path, {"amount": 800, "description": "first"}, token=token))
    assert (lowered["amount"], lowered["description"], lowered["reached"]) == (800, "first", True)
    raised = ok(api.request("PATCH", path, {"amount": 3000}, token=token))
    assert (raised["reached"], raised["reached_date"]) == (False, None)
    ok(api.request("POST", f"/goals/{goal['id']}/progress", {"value": 3500}, token=token), 201)
    ok(api.request("PATCH", path, {"amount": 5000}, token=token))
    ok(api.request("POST", f"/goals/{goal['id']}/progress", {"value": 5500}, token=token), 201)
    assert len(goal_alerts(api, token, "milestone_reached", goal["id"])) == 1

    assert api.request("PATCH", path, {"amount": -5}, token=token).status == 422
    assert api.request("PATCH", path, {"description": "theirs"}, token=other).status == 404
    assert api.request("DELETE", path, token=other).status == 404
    deleted = api.request("DELETE", path, token=token)
    assert (deleted.status, deleted.text) == (204, "")
    assert ok(api.request("GET", base, token=token)) == []
    assert api.request("DELETE", path, token=token).status == 404


def test_direction_and_the_status_by_pace(api: Client) -> None:
    token = new_user(api, "direction")
    complete = api.request(
        "POST", "/goals", {"name": "g", "type": "savings", "target_amount": 5, "current_amount": 5}, token=token
    )
    assert complete.status == 422
    paid = api.request(
        "POST", "/goals", {"name": "d", "type": "debt", "target_amount": 50, "current_amount": 50}, token=token
    )
    assert paid.status == 422
    deadline = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    goal = create_goal(api, token, deadline=deadline)
    summary = ok(api.request("GET", f"/goals/{goal['id']}/progress", token=token))
    assert (goal["tracking_status"], summary["tracking_status"], summary["on_track"]) == ("on_track", "on_track", True)
    debt = create_goal(api, token, type="debt", target_amount=0, current_amount=900)
    assert api.request("PATCH", f"/goals/{debt['id']}", {"target_amount": 900}, token=token).status == 400
