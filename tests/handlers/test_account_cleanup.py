"""Issue 25: disconnecting an account is one transaction whatever it holds. The account (its sealed keys), its
key's claim and its cash go at once, with a tombstone; its positions stay and read unlinked at once, and the
goal-cleanup job's worker unlinks them in storage afterwards (``account_id`` null, ``source`` kept), then
removes the tombstone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import keys
from goalpost.data.batches import batch_write
from goalpost.data.codec import serialize
from goalpost.data.positions import position_item
from goalpost.domain.positions import Position, PositionSource, PositionStatus
from infra.local.aws import dynamodb_requests
from tests.handlers.conftest import Api
from tests.handlers.test_accounts_api import connected, exchange  # noqa: F401 (exchange: a fixture)
from tests.handlers.test_goal_cleanup import deliver, run_cleanup

pytestmark = pytest.mark.usefixtures("exchange")

TABLE = "test-data"
NOW = datetime.now(UTC).replace(microsecond=0)


def linked_positions(
    user: str, account_id: str, count: int, *, status: PositionStatus = PositionStatus.CLOSED
) -> list[str]:
    """``count`` positions of ``account_id`` as its sync leaves them (``source`` exchange), written straight to the
    table; their ids."""
    positions = []
    for n in range(count):
        position = Position.opened(
            user, f"SYM{n}", Decimal(1), Decimal(100), NOW - timedelta(hours=1), account_id=account_id
        )
        position.source = PositionSource.EXCHANGE
        position.status = status
        positions.append(position)
    batch_write(TABLE, [{"PutRequest": {"Item": serialize(position_item(p))}} for p in positions])
    return [p.id for p in positions]


def stored_position(user: str, position_id: str) -> dict[str, Any]:
    item = goalpost_aws.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": keys.user_pk(user)}, "sk": {"S": keys.position_sk(position_id)}}
    )["Item"]
    return dict(item)


def tombstones(user: str) -> list[str]:
    reply = goalpost_aws.client("dynamodb").query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user_pk(user)}, ":prefix": {"S": "DELETED_ACCOUNT#"}},
    )
    return [item["sk"]["S"] for item in reply["Items"]]


def work(user: str, account_id: str) -> dict[str, Any]:
    """One delivery of the cleanup message of ``account_id`` to the worker."""
    return deliver({"user_id": user, "account_id": account_id})


def test_disconnecting_costs_the_same_whatever_the_account_holds(api: Api, market: Any) -> None:
    """The read of the account and one transaction: no request per position (they were unlinked one
    UpdateItem each, 505 requests for 500)."""

    def cost(positions: int) -> dict[str, int]:
        account = connected(api, market.exchange, user="disconnecter")
        linked_positions("disconnecter", account["id"], positions)
        with dynamodb_requests() as counted:
            reply = api.delete(f"/accounts/{account['id']}", user="disconnecter")
        assert reply.status == 204, reply.body
        return dict(counted)

    assert cost(0) == cost(7) == cost(120) == {"GetItem": 1, "TransactWriteItems": 1}


def test_a_disconnected_accounts_positions_read_unlinked_at_once(api: Api, market: Any) -> None:
    account = connected(api, market.exchange)
    kept = connected(api, market.exchange)
    [closed] = linked_positions("alice", account["id"], 1)
    [pending] = linked_positions("alice", account["id"], 1, status=PositionStatus.PENDING)
    body = {"symbol": "BTCUSDT", "quantity": 1, "entry_price": 50000, "stop_loss": 49000}
    opened = api.post("/positions", {**body, "account_id": account["id"]}).body["id"]
    to_close = api.post("/positions", {**body, "account_id": account["id"]}).body["id"]
    other = api.post("/positions", {**body, "account_id": kept["id"]}).body["id"]

    assert api.delete(f"/accounts/{account['id']}").status == 204

    for position_id in (closed, pending, opened, to_close):
        assert api.get(f"/positions/{position_id}").body["account_id"] is None, position_id
    assert api.get(f"/positions/{closed}").body["source"] == "exchange"  # kept
    listed = {p["id"]: p["account_id"] for p in api.get("/positions").body}
    assert listed == {closed: None, pending: None, opened: None, to_close: None, other: kept["id"]}
    assert api.get("/positions", query={"account_id": account["id"]}).body == []
    assert [p["id"] for p in api.get("/positions", query={"account_id": kept["id"]}).body] == [other]
    # What the position routes answer, unlinked too; nothing links a position to the account any more.
    assert api.patch(f"/positions/{opened}", {"stop_loss": 48000}).body["account_id"] is None
    assert api.post(f"/positions/{pending}/cancel", {}).body["account_id"] is None
    closing = api.post(f"/positions/{to_close}/close", {"exit_price": 51000})
    assert (closing.status, closing.body["account_id"]) == (200, None), closing.body
    assert api.post("/positions", {**body, "account_id": account["id"]}).status == 404
    # The close was written unlinked (its account's condition refused it linked); the rest wait for the job.
    closed_item = stored_position("alice", to_close)
    assert not {"account_id", "gsi8pk", "gsi8sk"} & set(closed_item)
    assert closed_item["source"] == {"S": "manual"}
    assert stored_position("alice", opened)["account_id"] == {"S": account["id"]}
    assert tombstones("alice") == [keys.deleted_account_sk(account["id"])]


def test_the_cleanup_unlinks_every_position_of_the_account_then_its_tombstone(api: Api, market: Any) -> None:
    account = connected(api, market.exchange)
    kept = connected(api, market.exchange)
    gone_ids = linked_positions("alice", account["id"], 40) + linked_positions(
        "alice", account["id"], 3, status=PositionStatus.OPEN
    )
    kept_ids = linked_positions("alice", kept["id"], 5)
    bobs = connected(api, market.exchange, user="bob")
    bob_ids = linked_positions("bob", bobs["id"], 2)
    assert api.delete(f"/accounts/{account['id']}").status == 204

    summary = run_cleanup()
    assert (summary["accounts"], summary["worker"]["failed"]) == (1, 0)
    for position_id in gone_ids:
        item = stored_position("alice", position_id)
        assert not {"account_id", "gsi8pk", "gsi8sk"} & set(item), item
        assert item["source"] == {"S": "exchange"}
    for user, position_id, account_id in [("alice", p, kept["id"]) for p in kept_ids] + [
        ("bob", p, bobs["id"]) for p in bob_ids
    ]:
        assert stored_position(user, position_id)["account_id"] == {"S": account_id}
    assert tombstones("alice") == []
    assert run_cleanup()["accounts"] == 0  # nothing is left to queue
    assert {p["account_id"] for p in api.get("/positions").body} == {None, kept["id"]}


def test_the_worker_is_harmless_redelivered_or_run_three_at_once(api: Api, market: Any) -> None:
    account = connected(api, market.exchange)
    ids = linked_positions("alice", account["id"], 30)
    assert api.delete(f"/accounts/{account['id']}").status == 204
    replies: list[dict[str, Any]] = []
    start = threading.Barrier(3)

    def worker() -> None:
        start.wait()
        replies.append(work("alice", account["id"]))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [{"batchItemFailures": []}] * 3
    assert work("alice", account["id"]) == {"batchItemFailures": []}  # redelivered after it finished
    assert all("account_id" not in stored_position("alice", p) for p in ids)
    assert tombstones("alice") == []


def test_a_position_linked_to_another_account_meanwhile_stays_linked(api: Api, market: Any) -> None:
    account = connected(api, market.exchange)
    other = connected(api, market.exchange)
    [moved, left] = linked_positions("alice", account["id"], 2)
    assert api.delete(f"/accounts/{account['id']}").status == 204
    # Linked to the other account since, as a write conditional on that account would (the index keys with it).
    goalpost_aws.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"pk": {"S": keys.user_pk("alice")}, "sk": {"S": keys.position_sk(moved)}},
        UpdateExpression="SET account_id = :account, gsi8pk = :index",
        ExpressionAttributeValues={
            ":account": {"S": other["id"]},
            ":index": {"S": keys.positions_by_account_pk("alice", other["id"])},
        },
    )
    run_cleanup()
    assert stored_position("alice", moved)["account_id"] == {"S": other["id"]}
    assert "account_id" not in stored_position("alice", left)
    assert api.get(f"/positions/{moved}").body["account_id"] == other["id"]


def test_a_message_for_an_account_that_still_exists_touches_nothing(api: Api, market: Any) -> None:
    """Only a tombstone, written by the disconnect's own transaction, lets the worker unlink anything."""
    account = connected(api, market.exchange)
    ids = linked_positions("alice", account["id"], 3)
    assert work("alice", account["id"]) == {"batchItemFailures": []}
    assert all(stored_position("alice", p)["account_id"] == {"S": account["id"]} for p in ids)
    assert {p["account_id"] for p in api.get("/positions").body} == {account["id"]}
