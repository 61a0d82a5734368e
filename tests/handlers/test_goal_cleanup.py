"""Issue 25: deleting a goal is one transaction whatever it holds. The goal, its milestones and its place in the
owner's goal count go at once, with a tombstone; the goal-cleanup job then queues each tombstone and its worker
removes the goal's progress entries and funding links, page by page, then the tombstone."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.data import batches, keys
from goalpost.data import deleted_goals as deleted_goal_store
from goalpost.data.batches import batch_write
from goalpost.data.codec import serialize
from goalpost.data.goals import progress_item
from goalpost.domain.progress import ProgressEntry, ProgressSource
from infra.local.event_sources import sqs_event
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

TABLE = "test-data"
NOW = datetime.now(UTC).replace(microsecond=0)
JOB = declaration.JOBS_BY_NAME["goal_cleanup"]


def goal_with_children(api: Api, user: str, *, entries: int, links: int, **fields: Any) -> str:
    """A goal created through the API with ``entries`` progress entries and ``links`` funding links written
    straight to its children partition; its id."""
    body = {"name": "Parent", "type": "savings", "target_amount": 10000, **fields}
    goal_id = str(api.post("/goals", body, user=user).body["id"])
    children = [
        progress_item(
            user,
            ProgressEntry(
                id=f"01ENTRY{n:019d}",
                goal_id=goal_id,
                period_date=(NOW - timedelta(days=n)).date(),
                value_at_period=Decimal(n),
                contribution_amount=Decimal(1),
                progress_percent=Decimal(0),
                on_track=True,
                source=ProgressSource.MANUAL,
                recorded_at=NOW,
            ),
        )
        for n in range(entries)
    ]
    children += [
        {
            "pk": keys.goal_children_pk(user, goal_id),
            "sk": keys.funding_sk(f"acct-{n:03d}"),
            "entity": "funding",
            "account_id": f"acct-{n:03d}",
            "allocation_percent": Decimal(1),
        }
        for n in range(links)
    ]
    batch_write(TABLE, [{"PutRequest": {"Item": serialize(child)}} for child in children])
    return goal_id


def stored(pk: str) -> list[dict[str, Any]]:
    pages = goalpost_aws.client("dynamodb").get_paginator("query")
    request = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
    }
    return [item for page in pages.paginate(**request) for item in page["Items"]]


def children(user: str, goal_id: str) -> int:
    return len(stored(keys.goal_children_pk(user, goal_id)))


def tombstones(user: str) -> list[str]:
    return [item["sk"]["S"] for item in stored(keys.user_pk(user)) if item["sk"]["S"].startswith("DELETED_GOAL#")]


def goal_count(user: str) -> int:
    [profile] = [item for item in stored(keys.user_pk(user)) if item["sk"]["S"] == keys.PROFILE_SK]
    return int(profile["goal_count"]["N"])


def run_cleanup() -> dict[str, Any]:
    """POST /_local/jobs/goal_cleanup: the coordinator, then its worker on what it queued."""
    summary: dict[str, Any] = JobRunner(registry, retry_after_seconds=0).run("goal_cleanup", NOW)
    return summary


def work(user: str, goal_id: str) -> dict[str, Any]:
    """One delivery of the cleanup message of ``goal_id`` to the worker, as its SQS event source hands it."""
    return deliver({"user_id": user, "goal_id": goal_id})


def deliver(message: dict[str, str]) -> dict[str, Any]:
    """One delivery of a cleanup ``message`` to the worker, as its SQS event source hands it."""
    assert JOB.worker is not None
    assert JOB.queue is not None
    body = json.dumps(message)
    event = sqs_event(
        f"arn:aws:sqs:us-east-1:123456789012:test-{JOB.queue.key}",
        [{"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": body}],
    )
    result: dict[str, Any] = registry.invoke(JOB.worker, event)
    return result


def test_everything_under_a_deleted_goal_is_gone_for_every_route_at_once(api: Api) -> None:
    milestones = [{"amount": 2000, "description": "first"}]
    goal_id = goal_with_children(api, "alice", entries=30, links=3, milestones=milestones)
    api.post(f"/goals/{goal_id}/funding", {"account_id": "real", "allocation_percent": 10})
    api.post(f"/goals/{goal_id}/progress", {"value": 100})
    kept = goal_with_children(api, "alice", entries=2, links=1)
    milestone_id = api.get(f"/goals/{goal_id}/milestones").body[0]["id"]
    assert goal_count("alice") == 2

    assert api.delete(f"/goals/{goal_id}").status == 204

    base = f"/goals/{goal_id}"
    for method, path, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "again"}),
        ("POST", "/pause", None),
        ("POST", "/complete", None),
        ("GET", "/progress", None),
        ("POST", "/progress", {"value": 1}),
        ("GET", "/progress/history", None),
        ("GET", "/milestones", None),
        ("POST", "/milestones", {"amount": 1, "description": "m"}),
        ("PATCH", f"/milestones/{milestone_id}", {"amount": 3}),
        ("DELETE", f"/milestones/{milestone_id}", None),
        ("GET", "/milestones/progress", None),
        ("GET", "/funding", None),
        ("POST", "/funding", {"account_id": "new", "allocation_percent": 1}),
        ("PATCH", "/funding/real", {"allocation_percent": 2}),
        ("DELETE", "/funding/real", None),
        ("DELETE", "", None),
    ):
        reply = api.call(method, base + path, body=body)
        assert reply.status == 404, (method, path, reply.status, reply.body)
    for query in ({}, {"status": "active"}, {"type": "savings"}, {"status": "active", "type": "savings"}):
        assert [g["id"] for g in api.get("/goals", query=query).body] == [kept], query
    assert [g["id"] for g in api.get("/goals/dashboard").body["goals"]] == [kept]
    assert goal_count("alice") == 1  # released in the delete's own transaction
    # The children wait for the cleanup, invisible; the refused writes above added none.
    assert children("alice", goal_id) == 30 + 3 + 1 + 1
    assert tombstones("alice") == [keys.deleted_goal_sk(goal_id)]


def test_the_cleanup_removes_every_child_of_deleted_goals_and_nothing_else(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of 40 keys: the children take several Query pages and several batches of 25 each.
    monkeypatch.setattr(deleted_goal_store, "CHILDREN_PAGE", 40)
    gone = goal_with_children(api, "alice", entries=130, links=24)
    also_gone = goal_with_children(api, "alice", entries=3, links=0)
    kept = goal_with_children(api, "alice", entries=50, links=2)
    bobs = goal_with_children(api, "bob", entries=40, links=1)
    for goal_id in (gone, also_gone):
        assert api.delete(f"/goals/{goal_id}").status == 204
    calls: list[int] = []
    original = batches.batch_write
    monkeypatch.setattr(batches, "batch_write", lambda *a, **k: calls.append(1) or original(*a, **k))

    summary = run_cleanup()

    assert (summary["goals"], summary["messages"]) == (2, 2)
    assert (summary["worker"]["messages"], summary["worker"]["failed"]) == (2, 0)
    assert len(calls) > 3  # page after page
    assert (children("alice", gone), children("alice", also_gone)) == (0, 0)
    assert tombstones("alice") == []
    assert (children("alice", kept), children("bob", bobs)) == (52, 41)
    assert len(api.get(f"/goals/{kept}/progress/history", query={"limit": 100}).body) == 50
    assert len(api.get(f"/goals/{bobs}/funding", user="bob").body) == 1
    # Nothing is left to queue.
    assert run_cleanup()["messages"] == 0


def test_a_redelivered_or_concurrent_message_is_harmless(api: Api) -> None:
    goal_id = goal_with_children(api, "alice", entries=60, links=5)
    kept = goal_with_children(api, "alice", entries=4, links=1)
    assert api.delete(f"/goals/{goal_id}").status == 204

    results: list[dict[str, Any]] = []
    runs = [threading.Thread(target=lambda: results.append(work("alice", goal_id))) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert results == [{"batchItemFailures": []}] * 3
    assert work("alice", goal_id) == {"batchItemFailures": []}  # delivered again after it finished
    assert (children("alice", goal_id), tombstones("alice")) == (0, [])
    assert children("alice", kept) == 5


def test_a_cleanup_cut_short_is_finished_by_the_next_delivery(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deleted_goal_store, "CHILDREN_PAGE", 30)
    goal_id = goal_with_children(api, "alice", entries=100, links=0)
    assert api.delete(f"/goals/{goal_id}").status == 204
    original = batches.batch_write
    done: list[int] = []

    def fail_after_one_page(*args: Any, **kwargs: Any) -> int:
        if done:
            raise RuntimeError("the worker's time ran out")
        done.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(batches, "batch_write", fail_after_one_page)
    assert work("alice", goal_id) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert children("alice", goal_id) == 70
    assert tombstones("alice") == [keys.deleted_goal_sk(goal_id)]  # kept until the children are gone

    monkeypatch.setattr(batches, "batch_write", original)
    assert run_cleanup()["worker"]["failed"] == 0
    assert (children("alice", goal_id), tombstones("alice")) == (0, [])


def test_a_message_for_a_goal_that_still_exists_touches_nothing(api: Api) -> None:
    """Only a tombstone, written by the delete's own transaction, lets the worker delete anything."""
    goal_id = goal_with_children(api, "alice", entries=5, links=1)
    assert work("alice", goal_id) == {"batchItemFailures": []}
    assert children("alice", goal_id) == 6
    assert len(api.get(f"/goals/{goal_id}/progress/history").body) == 5


def test_a_goal_left_marked_by_the_earlier_two_step_delete_is_deleted_and_cleaned(api: Api) -> None:
    """Before the tombstone, a delete marked the goal ``deleting`` first; one it left half-way stays invisible,
    and deleting it again deletes it and its children like any goal."""
    goal_id = goal_with_children(api, "alice", entries=10, links=1)
    goalpost_aws.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"pk": {"S": keys.user_pk("alice")}, "sk": {"S": keys.goal_sk(goal_id)}},
        UpdateExpression="SET deleting = :true REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk",
        ExpressionAttributeValues={":true": {"BOOL": True}},
    )
    assert api.get(f"/goals/{goal_id}").status == 404
    assert api.get("/goals").body == []
    assert api.post(f"/goals/{goal_id}/progress", {"value": 1}).status == 404
    assert api.delete(f"/goals/{goal_id}").status == 204
    run_cleanup()
    assert (children("alice", goal_id), tombstones("alice"), goal_count("alice")) == (0, [], 0)
