"""Idempotency-Key over the handlers: the record is written in the route's own transaction, so a retry, a
concurrent twin and the key reused with another body are all told apart by it (see goalpost.data.idempotency).
Every route's replay is checked in test_openapi_contract.py; what it costs, in test_request_counts.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import idempotency
from goalpost.settings import get_settings
from tests.handlers.conftest import Api, Reply

SAVINGS = {"name": "Rainy day", "type": "savings", "target_amount": 1000}
KEY_REUSED = "Idempotency-Key was already used with a different request body"


def at_once(calls: int, call: Any) -> list[Reply]:
    """``calls`` calls of ``call(n)``, each on its own thread, released together."""
    barrier = threading.Barrier(calls)

    def run(n: int) -> Reply:
        barrier.wait()
        return call(n)

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(run, range(calls)))


def records() -> list[dict[str, Any]]:
    dynamodb = goalpost_aws.client("dynamodb")
    return list(dynamodb.scan(TableName=get_settings().idempotency_table_name)["Items"])


def test_concurrent_requests_with_one_key_create_one_goal_and_answer_alike(api: Api) -> None:
    headers = {"Idempotency-Key": "twins"}
    replies = at_once(6, lambda _: api.post("/goals", SAVINGS, headers=headers))
    assert {reply.status for reply in replies} == {201}
    assert all(reply.body == replies[0].body for reply in replies)
    assert [goal["id"] for goal in api.get("/goals").body] == [replies[0].body["id"]]
    assert api.post("/goals", SAVINGS, headers=headers).body == replies[0].body


def test_concurrent_requests_with_one_key_and_two_bodies_create_one_goal(api: Api) -> None:
    headers = {"Idempotency-Key": "mixed"}
    bodies = [SAVINGS, {**SAVINGS, "name": "Other"}]
    replies = at_once(6, lambda n: api.post("/goals", bodies[n % 2], headers=headers))
    created = [reply for reply in replies if reply.status == 201]
    assert created
    assert all(reply.body == created[0].body for reply in created)
    assert {reply.body["detail"] for reply in replies if reply.status != 201} <= {KEY_REUSED}
    assert len(api.get("/goals").body) == 1


def test_a_retry_answers_the_first_response_even_where_the_route_would_now_refuse(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    headers = {"Idempotency-Key": "progress-once"}
    first = api.post(f"/goals/{goal['id']}/progress", {"contribution_amount": 10}, headers=headers)
    assert first.status == 201
    assert api.post(f"/goals/{goal['id']}/complete").status == 200  # no amount may change any more
    again = api.post(f"/goals/{goal['id']}/progress", {"contribution_amount": 10}, headers=headers)
    assert (again.status, again.body) == (first.status, first.body)
    other = api.post(f"/goals/{goal['id']}/progress", {"contribution_amount": 11}, headers=headers)
    assert (other.status, other.body["detail"]) == (422, KEY_REUSED)
    assert api.post(f"/goals/{goal['id']}/progress", {"contribution_amount": 10}).status == 409  # without the key


def test_keys_are_per_user_and_per_path(api: Api) -> None:
    headers = {"Idempotency-Key": "shared"}
    mine = api.post("/goals", SAVINGS, headers=headers)
    theirs = api.post("/goals", SAVINGS, headers=headers, user="bob")
    assert theirs.status == 201
    assert theirs.body["id"] != mine.body["id"]
    first, second = (api.post("/goals", SAVINGS).body for _ in range(2))
    entries = [api.post(f"/goals/{g['id']}/progress", {"value": 5}, headers=headers) for g in (first, second)]
    assert [e.status for e in entries] == [201, 201]
    assert entries[0].body["goal_id"] != entries[1].body["goal_id"]


def test_an_expired_record_lets_the_key_act_anew(api: Api) -> None:
    headers = {"Idempotency-Key": "old"}
    first = api.post("/goals", SAVINGS, headers=headers).body
    dynamodb = goalpost_aws.client("dynamodb")
    for record in records():  # DynamoDB deletes expired items late: the record is still there, but past its TTL
        dynamodb.update_item(
            TableName=get_settings().idempotency_table_name,
            Key={"id": record["id"]},
            UpdateExpression="SET expiration = :past",
            ExpressionAttributeValues={":past": {"N": "1000"}},
        )
    anew = api.post("/goals", {**SAVINGS, "name": "Other"}, headers=headers)
    assert anew.status == 201
    assert anew.body["id"] != first["id"]
    assert api.post("/goals", {**SAVINGS, "name": "Other"}, headers=headers).body == anew.body


def test_a_refused_request_stores_no_record(api: Api) -> None:
    goal = api.post("/goals", SAVINGS).body
    headers = {"Idempotency-Key": "refused"}
    assert api.post(f"/goals/{goal['id']}/funding", {"account_id": "a", "allocation_percent": 120}).status == 422
    assert api.post(f"/goals/{goal['id']}/funding", {"account_id": "a", "allocation_percent": 60}).status == 201
    over = api.post(f"/goals/{goal['id']}/funding", {"account_id": "b", "allocation_percent": 50}, headers=headers)
    assert over.status == 400
    assert records() == []
    fits = api.post(f"/goals/{goal['id']}/funding", {"account_id": "b", "allocation_percent": 40}, headers=headers)
    assert fits.status == 201


def test_a_request_that_wrote_nothing_stores_its_record_alone_once(aws: Any) -> None:
    def claim(body: Any) -> idempotency.Claim:
        return idempotency.new_claim("alice", "sync_from_budget", "/goals/sync-from-budget", "k", body, dict)

    first = claim({"period_month": 1})
    idempotency.store_alone(first, {"updated": []})
    assert first.written
    assert idempotency.read(first.record_id) == idempotency.Record(first.body_hash, {"updated": []})
    with pytest.raises(idempotency.KeyUsed):
        idempotency.store_alone(claim({"period_month": 2}), {"updated": ["other"]})
    assert idempotency.read(first.record_id) == idempotency.Record(first.body_hash, {"updated": []})
