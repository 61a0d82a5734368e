"""Goals CRUD through the goals function, over moto."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from goalpost import aws as goalpost_aws
from goalpost.data import keys
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

SAVINGS = {"name": "Emergency Fund", "type": "savings", "target_amount": 10000, "current_amount": 2500}
DEBT = {"name": "Car loan", "goal_type": "debt", "target_amount": 0, "current_amount": 8500}


def stored_items(table: str, pk: str) -> list[dict[str, Any]]:
    response = goalpost_aws.client("dynamodb").query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )
    return response["Items"]


def test_create_returns_the_goal_with_derived_fields(api: Api) -> None:
    reply = api.post(
        "/goals",
        {
            **SAVINGS,
            "deadline": "2099-06-01",
            "tags": ["category:savings"],
            "milestones": [{"amount": 5000, "description": "half"}, {"amount": 2000, "description": "first"}],
        },
    )
    assert reply.status == 201
    goal = reply.body
    assert goal["type"] == "savings"
    assert goal["start_amount"] == 0
    assert goal["percent_complete"] == 25.0
    assert goal["tracking_status"] == "on_track"  # r2: by pace; a new goal is expected nowhere yet
    assert goal["status"] == "active"
    assert goal["deadline"] == "2099-06-01T00:00:00+00:00"
    assert goal["completed_at"] is None
    assert [m["amount"] for m in goal["milestones"]] == [2000, 5000]
    assert [m["reached"] for m in goal["milestones"]] == [True, False]  # already reached when added
    assert api.get(f"/goals/{goal['id']}").body == goal


def test_debt_goals_start_where_they_are(api: Api) -> None:
    goal = api.post("/goals", DEBT).body
    assert goal["type"] == "debt"
    assert goal["start_amount"] == 8500
    assert goal["percent_complete"] == 0
    updated = api.patch(f"/goals/{goal['id']}", {"current_amount": 4250}).body
    assert updated["percent_complete"] == 50.0


def test_money_keeps_its_decimal_value(api: Api) -> None:
    goal = api.post("/goals", {**SAVINGS, "target_amount": 0.3, "current_amount": 0.1}).body
    assert goal["current_amount"] == 0.1
    assert goal["percent_complete"] == 33.33
    raw = stored_items("test-data", keys.user_pk("alice"))[0]
    assert raw["current_amount"] == {"N": "0.1"}


def test_bad_input_is_422_and_stores_nothing(api: Api) -> None:
    for body in (
        {**SAVINGS, "target_amount": 0},
        {**SAVINGS, "user_id": "mallory"},
        {**SAVINGS, "current_amount": "lots"},
        {**SAVINGS, "deadline": "2001-01-01"},
        {**SAVINGS, "surprise": True},
        {"name": "no type"},
        [SAVINGS],
    ):
        reply = api.post("/goals", body)
        assert reply.status == 422, body
        assert "detail" in reply.body
    assert api.post("/goals", raw_body="{not json").status == 422
    assert api.post("/goals", raw_body='{"name": "x", "type": "savings", "target_amount": NaN}').status == 422
    assert api.get("/goals").body == []


def test_other_users_goals_are_invisible(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    path = f"/goals/{goal['id']}"
    assert api.get(path, user="bob").status == 404
    assert api.patch(path, {"name": "mine now"}, user="bob").status == 404
    assert api.delete(path, user="bob").status == 404
    assert api.get("/goals", user="bob").body == []
    assert api.get(path).body["name"] == "Emergency Fund"


def test_routes_need_a_user(api: Api) -> None:
    reply = api.get("/goals", user=None)
    assert reply.status == 401
    assert reply.body == {"detail": "Unauthorized"}


def test_patch_updates_every_field(api: Api) -> None:
    goal = api.post("/goals", {**SAVINGS, "description": "old", "deadline": "2099-01-01"}).body
    reply = api.patch(
        f"/goals/{goal['id']}",
        {
            "name": "Rainy day",
            "description": None,
            "target_amount": 5000,
            "current_amount": 3000,
            "deadline": "2001-01-01",
            "tags": ["a", "b"],
            "status": "paused",
        },
    )
    assert reply.status == 200
    updated = reply.body
    assert updated["name"] == "Rainy day"
    assert updated["description"] is None
    assert updated["target_amount"] == 5000
    assert updated["percent_complete"] == 60.0
    assert updated["deadline"] == "2001-01-01T00:00:00+00:00"  # a past deadline is fine on update
    assert updated["tags"] == ["a", "b"]
    assert updated["status"] == "paused"
    assert updated["updated_at"] > goal["updated_at"]
    assert api.get(f"/goals/{goal['id']}").body == updated


def test_failed_patch_saves_nothing(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    path = f"/goals/{goal['id']}"
    assert api.patch(path, {"target_amount": 0}).status == 422
    assert api.patch(path, {"name": None}).status == 422
    assert api.patch(path, {"current_amount": -1}).status == 422
    assert api.patch(path, {"type": "debt"}).status == 422
    assert api.get(path).body == goal


def test_lifecycle_rules(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    path = f"/goals/{goal['id']}"
    completed = api.patch(path, {"status": "completed"}).body
    assert completed["completed_at"] is not None
    reply = api.patch(path, {"status": "active"})
    assert reply.status == 409
    assert "completed" in reply.body["detail"]
    assert api.patch(path, {"status": "completed"}).status == 200  # not a change
    abandoned = api.post("/goals", SAVINGS).body
    api.patch(f"/goals/{abandoned['id']}", {"status": "abandoned"})
    assert api.patch(f"/goals/{abandoned['id']}", {"status": "completed"}).status == 409


def test_amount_changes_record_progress_and_raise_alerts_once(api: Api, publishes: Any) -> None:
    goal = api.post("/goals", {**SAVINGS, "milestones": [{"amount": 5000, "description": "half"}]}).body
    path = f"/goals/{goal['id']}"
    assert publishes.all() == []
    api.patch(path, {"current_amount": 10000})
    api.patch(path, {"current_amount": 9000})
    api.patch(path, {"current_amount": 10500})
    entries = stored_items("test-data", keys.goal_children_pk("alice", goal["id"]))
    assert len(entries) == 3
    assert {e["source"]["S"] for e in entries} == {"manual"}
    alerts = api.get("/alerts").body
    types = sorted(a["alert_type"] for a in alerts)
    # r2: the first PATCH moves the goal most of its way in one step: significant_progress, once this month
    assert types == ["goal_completed", "milestone_50", "milestone_75", "milestone_reached", "significant_progress"]
    events = publishes.all()
    assert sorted(p.attributes["alert_type"] for p in events) == types
    for event in events:
        assert event.attributes["channel"] == "event"
        assert event.attributes["user_id"] == "alice"
        assert event.attributes["severity"] == "info"
        assert event.topic.endswith(":test-alerts")
        assert json.loads(event.message)["goal_id"] == goal["id"]
    completed = next(a for a in alerts if a["alert_type"] == "goal_completed")
    assert completed["delivered_at"] is not None
    assert completed["channels"] == ["in_app", "event"]


def test_concurrent_updates_lose_nothing_and_alert_once(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    path = f"/goals/{goal['id']}"
    updates = [
        {"name": "renamed"},
        {"description": "desc"},
        {"tags": ["x"]},
        {"deadline": "2099-02-02"},
        {"current_amount": 10000},
        {"current_amount": 10000},
        {"target_amount": 9000},
        {"status": "paused"},
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda body: api.patch(path, body), updates))
    assert {r.status for r in replies} == {200}
    final = api.get(path).body
    assert (final["name"], final["description"], final["tags"]) == ("renamed", "desc", ["x"])
    assert final["deadline"].startswith("2099-02-02")
    assert (final["current_amount"], final["target_amount"], final["status"]) == (10000, 9000, "paused")
    completed = [a for a in api.get("/alerts").body if a["alert_type"] == "goal_completed"]
    assert len(completed) == 1


def test_delete_takes_everything_the_goal_owns(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    path = f"/goals/{goal['id']}"
    api.patch(path, {"current_amount": 3000})
    reply = api.delete(path)
    assert reply.status == 204
    assert reply.body == ""
    assert api.get(path).status == 404
    assert api.delete(path).status == 404
    # Its progress entry goes with the goal-cleanup job (tests/handlers/test_goal_cleanup.py).
    JobRunner(registry, retry_after_seconds=0).run("goal_cleanup")
    assert stored_items("test-data", keys.goal_children_pk("alice", goal["id"])) == []


def test_pagination_walks_every_goal_newest_first(api: Api) -> None:
    created = [api.post("/goals", {**SAVINGS, "name": f"goal {n}"}).body["id"] for n in range(7)]
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query: dict[str, Any] = {"limit": 3, **({"next_token": token} if token else {})}
        reply = api.get("/goals", query=query)
        assert reply.status == 200
        seen += [g["id"] for g in reply.body]
        pages += 1
        token = reply.headers.get("x-next-token")
        if not token:
            break
    assert seen == list(reversed(created))
    assert pages == 3
    exact = api.get("/goals", query={"limit": 7})
    assert len(exact.body) == 7
    assert "x-next-token" not in exact.headers  # no next page means no token


def test_pagination_rejects_bad_limits_and_foreign_tokens(api: Api) -> None:
    for n in range(3):
        api.post("/goals", {**SAVINGS, "name": f"goal {n}"})
    token = api.get("/goals", query={"limit": 1}).headers["x-next-token"]
    assert api.get("/goals", query={"limit": 1, "next_token": token}, user="bob").status == 422
    assert api.get("/goals", query={"next_token": "garbage"}).status == 422
    for limit in (0, 101, "ten"):
        assert api.get("/goals", query={"limit": limit}).status == 422


def test_filters_by_status_and_type(api: Api) -> None:
    savings = api.post("/goals", SAVINGS).body
    debt = api.post("/goals", DEBT).body
    paused = api.post("/goals", {**SAVINGS, "status": "paused"}).body
    assert [g["id"] for g in api.get("/goals", query={"type": "debt"}).body] == [debt["id"]]
    assert [g["id"] for g in api.get("/goals", query={"status": "paused"}).body] == [paused["id"]]
    both = api.get("/goals", query={"status": "active", "type": "savings"}).body
    assert [g["id"] for g in both] == [savings["id"]]
    api.patch(f"/goals/{savings['id']}", {"status": "abandoned"})
    assert api.get("/goals", query={"status": "active", "type": "savings"}).body == []
    assert api.get("/goals", query={"status": "nope"}).status == 422


def test_idempotency_key_replays_the_first_response(api: Api) -> None:
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/goals", SAVINGS, headers=headers)
    again = api.post("/goals", SAVINGS, headers=headers)
    assert first.status == again.status == 201
    assert again.body == first.body
    assert len(api.get("/goals").body) == 1
    changed = api.post("/goals", {**SAVINGS, "name": "other"}, headers=headers)
    assert changed.status == 422
    other_user = api.post("/goals", SAVINGS, headers=headers, user="bob")
    assert other_user.status == 201
    assert other_user.body["id"] != first.body["id"]
    assert api.post("/goals", SAVINGS, headers={"Idempotency-Key": "x" * 300}).status == 422


def test_failed_create_does_not_burn_the_key(api: Api) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    assert api.post("/goals", {**SAVINGS, "target_amount": 0}, headers=headers).status == 422
    assert api.post("/goals", SAVINGS, headers=headers).status == 201


def test_unexpected_failures_are_a_generic_500(api: Api, caplog: Any) -> None:
    goalpost_aws.client("dynamodb").delete_table(TableName="test-data")
    reply = api.get("/goals")
    assert reply.status == 500
    assert reply.body["detail"] == "Internal server error"
    assert reply.body["request_id"]
    assert "Traceback" not in json.dumps(reply.body)
