"""Contention the server can resolve is resolved inside the request; what it cannot resolve within its bound is
a 409 with Retry-After. The rival writes here are real requests, made at the moment a write is about to land
(a botocore hook on the write itself), so each lost race is certain rather than a matter of timing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost import retry
from tests.handlers.conftest import Api

SAVINGS = {"name": "Fund", "type": "savings", "target_amount": 100_000}


@contextmanager
def rival_before(operation: str, times: int, rival: Callable[[], Any]) -> Iterator[list[int]]:
    """Runs ``rival`` (another request) just before each of the next ``times`` ``operation`` calls lands."""
    events = goalpost_aws.client("dynamodb").meta.events
    made = [0]
    busy = [False]

    def interfere(**_: Any) -> None:
        if made[0] < times and not busy[0]:
            busy[0] = True  # the rival's own writes pass untouched
            try:
                rival()
                made[0] += 1
            finally:
                busy[0] = False

    events.register(f"before-call.dynamodb.{operation}", interfere)
    try:
        yield made
    finally:
        events.unregister(f"before-call.dynamodb.{operation}", interfere)


def test_a_contribution_that_loses_races_is_retried_and_loses_nothing(api: Api) -> None:
    goal_id = api.post("/goals", SAVINGS).body["id"]

    def rival() -> None:
        assert api.post(f"/goals/{goal_id}/progress", {"contribution_amount": 1}).status == 201

    with rival_before("TransactWriteItems", 5, rival) as made:
        reply = api.post(f"/goals/{goal_id}/progress", {"contribution_amount": 100})
    assert made[0] == 5
    assert reply.status == 201, reply.body
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == 105


def test_contention_past_the_bound_is_409_with_retry_after(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "ATTEMPTS", 3)
    goal_id = api.post("/goals", SAVINGS).body["id"]

    def rival() -> None:
        api.post(f"/goals/{goal_id}/progress", {"contribution_amount": 1})

    with rival_before("TransactWriteItems", 100, rival):
        reply = api.post(f"/goals/{goal_id}/progress", {"contribution_amount": 100})
    assert reply.status == 409
    assert reply.headers["retry-after"] == "1"
    assert "try again" in reply.body["detail"]
    # Nothing of the refused request was written: only the rivals' contributions count.
    history = api.get(f"/goals/{goal_id}/progress/history").body
    assert Decimal(str(api.get(f"/goals/{goal_id}").body["current_amount"])) == len(history)


def test_concurrent_contributions_lose_nothing_and_a_refusal_says_when_to_retry(api: Api) -> None:
    """24 contributions to one goal at once: each is accepted, or (only once its retries ran out of time, which
    depends on how loaded the machine is) refused with Retry-After; the goal holds exactly what was accepted.
    That retries resolve the races is proven without timing by the rival tests above."""
    goal_id = api.post("/goals", SAVINGS).body["id"]
    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(
            pool.map(
                lambda n: (n + 1, api.post(f"/goals/{goal_id}/progress", {"contribution_amount": n + 1})), range(24)
            )
        )
    accepted = [amount for amount, reply in replies if reply.status == 201]
    refused = [reply for _, reply in replies if reply.status != 201]
    assert all(r.status == 409 and r.headers.get("retry-after") == "1" for r in refused), [r.body for r in refused]
    assert accepted
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == sum(accepted)
    assert len(api.get(f"/goals/{goal_id}/progress/history", query={"limit": 100}).body) == len(accepted)


def test_deleting_a_position_closed_meanwhile_deletes_it_closed(api: Api) -> None:
    """A DELETE that lost the race to a close answered 409 "changed meanwhile"; it deletes what it finds."""
    position = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body

    def close() -> None:
        assert api.post(f"/positions/{position['id']}/close", {"exit_price": 110}).status == 200

    with rival_before("TransactWriteItems", 1, close) as made:
        reply = api.delete(f"/positions/{position['id']}")
    assert (made[0], reply.status) == (1, 204)
    assert api.get(f"/positions/{position['id']}").status == 404
    # The close counted in the aggregates and the delete took it out again.
    assert api.get("/performance").body["total_trades"] == 0


def test_deleting_a_position_deleted_meanwhile_is_404(api: Api) -> None:
    position = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body

    def delete() -> None:
        assert api.delete(f"/positions/{position['id']}").status == 204

    with rival_before("TransactWriteItems", 1, delete):
        assert api.delete(f"/positions/{position['id']}").status == 404
