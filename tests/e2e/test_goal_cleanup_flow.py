"""Issue 25, over HTTP: a deleted goal is gone for every route at once, and its children go with the goal-cleanup
job (POST /_local/jobs/goal_cleanup runs the coordinator, then its worker on what it queued)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Client, HttpReply

pytestmark = pytest.mark.e2e


def ok(reply: HttpReply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.text)
    return reply.json if reply.text else None


def goal_with_children(http: Client, token: str, name: str, entries: int, links: int) -> str:
    goal = ok(
        http.request("POST", "/goals", {"name": name, "type": "savings", "target_amount": 1000}, token=token), 201
    )
    path = f"/goals/{goal['id']}"
    for n in range(links):
        ok(
            http.request("POST", f"{path}/funding", {"account_id": f"acct-{n}", "allocation_percent": 5}, token=token),
            201,
        )
    for n in range(entries):
        ok(http.request("POST", f"{path}/progress", {"contribution_amount": n + 1}, token=token), 201)
    ok(http.request("POST", f"{path}/milestones", {"amount": 900, "description": "Nearly"}, token=token), 201)
    return str(goal["id"])


def test_a_deleted_goal_is_gone_at_once_and_its_children_after_the_cleanup_job(http: Client) -> None:
    token = http.token("cleanup-flow")
    gone = goal_with_children(http, token, "Gone", entries=30, links=4)
    kept = goal_with_children(http, token, "Kept", entries=3, links=1)

    assert http.request("DELETE", f"/goals/{gone}", token=token).status == 204
    for sub in ("", "/progress", "/progress/history", "/milestones", "/milestones/progress", "/funding"):
        assert http.request("GET", f"/goals/{gone}{sub}", token=token).status == 404, sub
    assert [g["id"] for g in ok(http.request("GET", "/goals", token=token))] == [kept]
    assert [g["id"] for g in ok(http.request("GET", "/goals/dashboard", token=token))["goals"]] == [kept]
    assert http.request("DELETE", f"/goals/{gone}", token=token).status == 404

    summary = ok(http.request("POST", "/_local/jobs/goal_cleanup", {}))
    assert summary["goals"] >= 1
    assert summary["worker"]["messages"] == summary["messages"]
    assert summary["worker"]["failed"] == 0
    # The tombstone goes only once every child is gone: nothing is left to queue.
    assert ok(http.request("POST", "/_local/jobs/goal_cleanup", {}))["goals"] == 0
    assert len(ok(http.request("GET", f"/goals/{kept}/progress/history", token=token))) == 3
    assert len(ok(http.request("GET", f"/goals/{kept}/funding", token=token))) == 1
