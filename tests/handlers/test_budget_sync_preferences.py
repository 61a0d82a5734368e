"""Issue 25: a budget sync that raises an alert costs 3 requests. Its one Query of the active goals' index
partition brings the owner's alert preferences too (the PREFS item is in that partition, after the goals); the
release's write checks that they still stand as read (or that there are still none), and a refusal reads them
from the table and releases with those, putting the item back in the index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import goals as goal_store
from goalpost.data import keys
from goalpost.data import preferences as preference_store
from goalpost.domain.goals import GoalStatus
from infra.local.aws import dynamodb_requests
from tests.handlers.conftest import Api

TABLE = "test-data"
NOW = datetime.now(UTC)


def budget(savings: int) -> dict[str, Any]:
    return {"period_year": NOW.year, "period_month": NOW.month, "category_totals": {"savings": savings}}


def synced(api: Api, user: str, savings: int) -> dict[str, int]:
    """POST /goals/sync-from-budget moving the user's goal to ``savings``; its DynamoDB requests."""
    with dynamodb_requests() as counted:
        reply = api.post("/goals/sync-from-budget", budget(savings), user=user)
    assert reply.status == 200, reply.body
    assert len(reply.body["updated"]) == 1, reply.body
    return dict(counted)


def savings_goal(api: Api, user: str) -> None:
    reply = api.post("/goals", {"name": "Savings", "type": "savings", "target_amount": 1000}, user=user)
    assert reply.status == 201, reply.body


def prefs_item(user: str) -> dict[str, Any]:
    item = goalpost_aws.client("dynamodb").get_item(TableName=TABLE, Key=preference_store.prefs_key(user))
    return dict(item.get("Item", {}))


def unread(api: Api, user: str) -> int:
    return len(api.get("/alerts", query={"unread": "true"}, user=user).body)


THREE = {"Query": 1, "TransactWriteItems": 2}


def test_the_active_goals_index_status_is_the_goals_own() -> None:
    assert GoalStatus.ACTIVE.value == preference_store.ACTIVE_GOALS


def test_a_sync_raising_an_alert_costs_three_with_preferences_stored_or_not(api: Api) -> None:
    savings_goal(api, "defaults")
    assert synced(api, "defaults", 300) == THREE  # 30 % at once: milestone_25, significant_progress
    assert prefs_item("defaults") == {}  # nothing stored for the check

    savings_goal(api, "chooser")
    assert api.patch("/alerts/preferences", {"in_app_enabled": False}, user="chooser").status == 200
    assert synced(api, "chooser", 300) == THREE
    alerts = api.get("/alerts", user="chooser").body
    assert {a["alert_type"] for a in alerts} == {"milestone_25", "significant_progress"}
    assert all(a["delivered_at"] for a in alerts)
    assert unread(api, "chooser") == 0  # released with the stored preferences: in-app off


def test_preferences_stored_before_the_index_held_them_are_read_and_indexed(api: Api) -> None:
    """A PREFS item written before its index keys were: the release's check is refused, the preferences are read
    from the table (the alert honours them) and the item is indexed, so that the next sync costs 3."""
    savings_goal(api, "older")
    goalpost_aws.client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            **preference_store.prefs_key("older"),
            "in_app_enabled": {"BOOL": False},
            "sent_day": {"S": "2020-01-01"},
            "sent_count": {"N": "1"},
        },
    )
    assert synced(api, "older", 300) == {"Query": 1, "TransactWriteItems": 3, "GetItem": 1}
    assert unread(api, "older") == 0
    stored = prefs_item("older")
    assert (stored["gsi1pk"]["S"], stored["gsi1sk"]["S"]) == (keys.goals_by_status_pk("older", "active"), "PREFS")
    assert stored["in_app_enabled"] == {"BOOL": False}  # the rest untouched
    assert synced(api, "older", 600) == THREE
    assert unread(api, "older") == 0


def test_a_change_of_preferences_after_the_sync_read_them_is_honoured(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index may lag a change of the preferences: here the change lands between the sync's Query and its
    release, whose check of ``prefs_version`` is then refused; the alert goes out under the new preferences."""
    savings_goal(api, "changer")
    assert api.patch("/alerts/preferences", {"max_alerts_per_day": 7}, user="changer").status == 200
    read = goal_store.active_with_preferences

    def read_then_changed(table: str, user_id: str) -> goal_store.ActiveGoals:
        active = read(table, user_id)
        assert active.preferences[0].in_app_enabled
        assert api.patch("/alerts/preferences", {"in_app_enabled": False}, user=user_id).status == 200
        return active

    monkeypatch.setattr(goal_store, "active_with_preferences", read_then_changed)
    counts = synced(api, "changer", 300)
    assert unread(api, "changer") == 0
    # The PATCH's own requests are counted too; the sync's refused release read them again.
    assert counts["GetItem"] >= 1


def test_a_sync_that_moves_nothing_checks_nothing(api: Api) -> None:
    savings_goal(api, "still")
    synced(api, "still", 300)
    with dynamodb_requests() as counted:
        assert api.post("/goals/sync-from-budget", budget(300), user="still").status == 200
    assert dict(counted) == {"Query": 1, "PutItem": 1}  # the snapshot alone
