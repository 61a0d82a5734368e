"""Alerts core, the system function and the job entry points, over moto."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.edges.api import NO_SUCH_ROUTE
from goalpost.services import alerts as alert_service
from tests.handlers.conftest import Api


def raise_alerts(user: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        alert = alert_service.raise_alert(
            user, NewAlert(AlertType.MILESTONE_REACHED, title=f"t{n}", message="m", goal_id="g", period=str(n))
        )
        assert alert is not None
        ids.append(alert.id)
    return ids


def unread_count(user: str) -> int:
    return alert_service.unread_count(user)


def test_an_alert_is_stored_and_published_once(api: Api, publishes: Any) -> None:
    raised = NewAlert(AlertType.GOAL_COMPLETED, title="Done", message="m", goal_id="g1")
    first = alert_service.raise_alert("alice", raised)
    again = alert_service.raise_alert("alice", raised)
    assert first is not None
    assert again is None
    assert len(api.get("/alerts").body) == 1
    assert len(publishes.all()) == 1
    assert publishes.all()[0].attributes == {
        "channel": "event",
        "user_id": "alice",
        "alert_type": "goal_completed",
        "severity": "info",
        "alert_id": first.id,
    }
    assert unread_count("alice") == 1


def test_list_filters_and_marks_read(api: Api) -> None:
    ids = raise_alerts("alice", 3)
    alert_service.raise_alert("alice", NewAlert(AlertType.OFF_TRACK, title="t", message="m", goal_id="g"))
    listed = api.get("/alerts").body
    assert len(listed) == 4
    assert [a["id"] for a in listed[1:]] == list(reversed(ids))  # newest first
    assert [a["alert_type"] for a in api.get("/alerts", query={"type": "off_track"}).body] == ["off_track"]
    read = api.patch(f"/alerts/{ids[0]}/read")
    assert read.status == 200
    assert read.body["read_at"] is not None
    again = api.patch(f"/alerts/{ids[0]}/read")
    assert again.status == 200
    assert again.body["read_at"] == read.body["read_at"]
    unread = api.get("/alerts", query={"unread": "true"}).body
    assert ids[0] not in [a["id"] for a in unread]
    assert len(unread) == 3
    assert [a["id"] for a in api.get("/alerts", query={"unread": "false"}).body] == [ids[0]]
    both = api.get("/alerts", query={"unread": "true", "type": "milestone_reached"}).body
    assert len(both) == 2
    assert unread_count("alice") == 3


def test_alerts_paginate_and_stay_private(api: Api) -> None:
    ids = raise_alerts("alice", 5)
    first = api.get("/alerts", query={"limit": 2})
    token = first.headers["x-next-token"]
    second = api.get("/alerts", query={"limit": 2, "next_token": token})
    assert [a["id"] for a in first.body + second.body] == list(reversed(ids))[:4]
    assert api.get("/alerts", user="bob").body == []
    assert api.patch(f"/alerts/{ids[0]}/read", user="bob").status == 404
    assert api.get("/alerts", query={"limit": 2, "next_token": token}, user="bob").status == 422
    assert api.patch("/alerts/nope/read").status == 404
    assert api.get("/alerts", query={"type": "bogus"}).status == 422
    assert unread_count("alice") == 5


def test_health_is_public_and_versioned(api: Api) -> None:
    reply = api.get("/health", user=None)
    assert reply.status == 200
    assert reply.body["status"] == "ok"
    assert reply.body["version"]


def test_openapi_documents_every_route_with_errors(api: Api) -> None:
    document = api.get("/openapi.json", user=None).body
    paths = document["paths"]
    assert {"/goals", "/goals/{goal_id}", "/alerts", "/alerts/{alert_id}/read", "/health"} <= set(paths)
    create = paths["/goals"]["post"]
    assert {"201", "422", "401"} <= set(create["responses"])
    assert paths["/health"]["get"]["security"] == []
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_unknown_routes_are_404_json(api: Api) -> None:
    reply = api.get("/nothing-here")
    assert reply.status == 404
    assert reply.body == {"detail": NO_SUCH_ROUTE}
    assert api.call("PUT", "/goals").status == 404


@pytest.mark.parametrize("job", ["price_update", "snapshot", "position_monitor", "end_of_day_goals", "deliver_alerts"])
def test_jobs_run_as_of_their_schedule_time(api: Api, job: str) -> None:
    from goalpost import declaration
    from infra.local.scheduler import scheduled_event

    when = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    summary = api.run_job(job, scheduled_event(declaration.JOBS_BY_NAME[job], when))
    assert summary["job"] == job
    assert summary["scheduled_time"] == "2026-11-30T23:59:00+00:00"


def seed_alerts(user: str, count: int, *, read_every: int) -> list[tuple[str, str, bool]]:
    """``count`` alerts written straight to the table (two types, taking turns), every ``read_every``-th one
    read; returns (id, type, read) newest first."""
    from datetime import timedelta

    from goalpost.data.alerts import alert_item
    from goalpost.data.batches import batch_write
    from goalpost.data.codec import serialize
    from goalpost.domain.alerts import SEVERITY, Alert
    from goalpost.domain.ids import new_id

    now = datetime.now(UTC)
    alerts = []
    for n in range(count):
        created = now - timedelta(minutes=count - n)
        kind = (AlertType.MILESTONE_25, AlertType.OFF_TRACK)[n % 2]
        alerts.append(
            Alert(
                id=new_id(int(created.timestamp() * 1000)),
                user_id=user,
                alert_type=kind,
                title=f"t{n}",
                message="m",
                severity=SEVERITY[kind],
                created_at=created,
                delivered_at=created,
                read_at=created if n % read_every == 0 else None,
                channels=["in_app", "event"],
            )
        )
    requests = [{"PutRequest": {"Item": serialize(alert_item(a))}} for a in alerts]
    for start in range(0, len(requests), 25):
        batch_write("test-data", requests[start : start + 25])
    return [(a.id, a.alert_type.value, a.read_at is not None) for a in reversed(alerts)]


def walk_pages(api: Api, path: str, query: dict[str, Any]) -> tuple[list[list[str]], list[int]]:
    """Every page of a list, through X-Next-Token: the ids of each page, and the DynamoDB requests of each."""
    from infra.local.aws import dynamodb_requests

    pages: list[list[str]] = []
    costs: list[int] = []
    token = None
    while True:
        with dynamodb_requests() as counted:
            reply = api.get(path, query={**query, **({"next_token": token} if token else {})})
        assert reply.status == 200, reply.body
        pages.append([item["id"] for item in reply.body])
        costs.append(sum(counted.values()))
        token = reply.headers.get("x-next-token")
        if token is None:
            return pages, costs
        assert len(pages) < 200


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ({"unread": "false"}, lambda kind, read: read),
        ({"unread": "true", "type": "off_track"}, lambda kind, read: not read and kind == "off_track"),
        ({"unread": "true"}, lambda kind, read: not read),
    ],
)
def test_a_sparse_filter_pages_one_query_at_a_time_and_yields_every_match_once(
    api: Api, query: dict[str, str], wanted: Any
) -> None:
    """DynamoDB limits before it filters: each page is one Query over a bounded window, so a page may hold
    fewer than ``limit`` matches (even none) and still carry a token; walking the pages gives every match
    exactly once, newest first."""
    seeded = seed_alerts("alice", 80, read_every=13)
    expected = [alert_id for alert_id, kind, read in seeded if wanted(kind, read)]
    pages, costs = walk_pages(api, "/alerts", {**query, "limit": "2"})
    assert [alert_id for page in pages for alert_id in page] == expected
    assert all(len(page) <= 2 for page in pages)
    assert set(costs) == {1}, costs  # one Query a page
    if "unread" in query and query["unread"] == "false":
        assert any(len(page) < 2 for page in pages[:-1])  # sparse: short pages that still go on


def test_cleared_quiet_hours_stay_cleared(api: Api) -> None:
    """Clearing the quiet hours was lost on the next read (the stored attribute was removed, so the default
    22:00 came back): an alert at night was deferred although the user had turned quiet hours off."""
    assert api.patch("/alerts/preferences", {"quiet_hours_start": None}).status == 200
    assert api.get("/alerts/preferences").body["quiet_hours_start"] is None
    assert api.patch("/alerts/preferences", {"quiet_hours_start": "23:00"}).body["quiet_hours_start"] == "23:00"
    assert api.get("/alerts/preferences").body["quiet_hours_start"] == "23:00"
