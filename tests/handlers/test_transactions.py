"""The transaction builder over moto: one item is a plain conditional write, more are one TransactWriteItems,
a refusal names the roles whose condition failed (wherever their items stand), at most ``TRANSACTION_LIMIT``
items, and contention is retried inside it (injected through botocore's ``before-call`` hooks, as moto never
answers with it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from goalpost import aws as goalpost_aws
from goalpost.data.client import client
from goalpost.data.codec import key
from goalpost.data.transactions import (
    TRANSACTION_LIMIT,
    Transaction,
    TransactionContended,
    TransactionRefused,
    TransactionTooLarge,
)
from goalpost.domain.positions import PositionStatus
from infra.local.aws import LocalAws
from tests.handlers.conftest import Api

TABLE = "test-data"


def put_new(sk: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": TABLE,
            "Item": {"pk": {"S": "TX"}, "sk": {"S": sk}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def check_exists(sk: str) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": TABLE, "Key": key("TX", sk), "ConditionExpression": "attribute_exists(pk)"}}


def stored(sk: str) -> bool:
    return "Item" in client().get_item(TableName=TABLE, Key=key("TX", sk), ConsistentRead=True)


@pytest.fixture
def calls(aws: LocalAws) -> Iterator[Counter[str]]:
    """The DynamoDB operations called, by name (each call once, whatever the SDK retries)."""
    made: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        made[model.name] += 1

    events = goalpost_aws.client("dynamodb").meta.events
    events.register("before-parameter-build.dynamodb", count)
    yield made
    events.unregister("before-parameter-build.dynamodb", count)


def answer_first(operation: str, answers: list[dict[str, Any]]) -> Any:
    """Answers the first ``len(answers)`` calls of ``operation`` with these errors; the rest reach moto."""
    left = list(answers)

    def answer(**_: Any) -> Any:
        if left:
            return (AWSResponse("", 400, {}, None), left.pop(0))
        return None

    goalpost_aws.client("dynamodb").meta.events.register(f"before-call.dynamodb.{operation}", answer)
    return lambda: goalpost_aws.client("dynamodb").meta.events.unregister(f"before-call.dynamodb.{operation}", answer)


def cancelled(*codes: str) -> dict[str, Any]:
    return {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
        "CancellationReasons": [{"Code": code} for code in codes],
    }


def test_one_item_is_a_plain_conditional_write(calls: Counter[str]) -> None:
    Transaction().add(put_new("A"), role="a").write()
    assert stored("A")
    assert calls["PutItem"] == 1
    assert calls["TransactWriteItems"] == 0
    with pytest.raises(TransactionRefused) as refused:
        Transaction().add(put_new("A"), role="a").write()
    assert refused.value.failed_roles == frozenset({"a"})


def test_a_condition_check_alone_is_checked(calls: Counter[str]) -> None:
    with pytest.raises(TransactionRefused) as refused:
        Transaction().add(check_exists("MISSING"), role="exists").write()
    assert refused.value.failed_roles == frozenset({"exists"})


def test_several_items_are_one_transaction_all_or_nothing(calls: Counter[str]) -> None:
    Transaction().add(put_new("A"), role="a").add(put_new("B"), role="b").write()
    assert stored("A")
    assert stored("B")
    assert calls["TransactWriteItems"] == 1
    assert calls["PutItem"] == 0
    with pytest.raises(TransactionRefused) as refused:
        Transaction().add(put_new("C"), role="c").add(put_new("B"), role="b").write()
    assert refused.value.failed_roles == frozenset({"b"})
    assert not stored("C")


def test_an_empty_transaction_writes_nothing(calls: Counter[str]) -> None:
    Transaction().write()
    assert sum(calls.values()) == 0


def test_adding_an_item_in_front_still_names_the_same_failed_role(aws: LocalAws) -> None:
    """The issue's "done when": failures map by role, not by position."""
    Transaction().add(put_new("TAKEN"), role="setup").add(put_new("REGISTERED"), role="setup").write()
    plain = Transaction().add(put_new("TAKEN"), role="position").add(put_new("FREE"), role="count")
    with pytest.raises(TransactionRefused) as refused:
        plain.write()
    assert refused.value.failed_roles == frozenset({"position"})
    in_front = (
        Transaction()
        .add(check_exists("REGISTERED"), role="registry")
        .add(put_new("TAKEN"), role="position")
        .add(put_new("FREE"), role="count")
    )
    with pytest.raises(TransactionRefused) as refused:
        in_front.write()
    assert refused.value.failed_roles == frozenset({"position"})


def test_writing_unless_refused_by_a_role_answers_only_for_that_role(aws: LocalAws) -> None:
    Transaction().add(put_new("TAKEN"), role="setup").write()
    assert Transaction().add(put_new("NEW"), role="a").write_unless_refused_by("a")
    taken_and_other = Transaction().add(put_new("TAKEN"), role="a").add(put_new("OTHER"), role="b")
    assert not taken_and_other.write_unless_refused_by("a")
    assert not stored("OTHER")
    with pytest.raises(TransactionRefused) as refused:
        taken_and_other.write_unless_refused_by("b")
    assert refused.value.failed_roles == frozenset({"a"})


def test_at_most_the_limit_of_items() -> None:
    transaction = Transaction().add_all((put_new(f"I{n}") for n in range(TRANSACTION_LIMIT)), role="item")
    assert len(transaction) == TRANSACTION_LIMIT
    assert transaction.room == 0
    with pytest.raises(TransactionTooLarge):
        transaction.add(put_new("ONE-TOO-MANY"), role="item")


@pytest.mark.parametrize("code", ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"])
def test_contention_in_a_transaction_is_retried_not_refused(calls: Counter[str], code: str) -> None:
    release = answer_first("TransactWriteItems", [cancelled("None", code), cancelled(code, "None")])
    try:
        Transaction().add(put_new("A"), role="a").add(put_new("B"), role="b").write()
    finally:
        release()
    assert stored("A")
    assert stored("B")
    assert calls["TransactWriteItems"] == 3


def test_a_conflict_on_a_plain_write_is_retried(calls: Counter[str]) -> None:
    conflict = {"Error": {"Code": "TransactionConflictException", "Message": "in a transaction"}}
    release = answer_first("PutItem", [conflict])
    try:
        Transaction().add(put_new("A"), role="a").write()
    finally:
        release()
    assert stored("A")
    assert calls["PutItem"] == 2


def test_a_condition_failure_beside_a_conflict_is_a_refusal(calls: Counter[str]) -> None:
    release = answer_first("TransactWriteItems", [cancelled("TransactionConflict", "ConditionalCheckFailed")])
    try:
        with pytest.raises(TransactionRefused) as refused:
            Transaction().add(put_new("A"), role="a").add(put_new("B"), role="b").write()
    finally:
        release()
    assert refused.value.failed_roles == frozenset({"b"})
    assert calls["TransactWriteItems"] == 1


def test_contention_past_every_retry_is_reported_as_contention(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> None:
    monkeypatch.setattr("goalpost.retry.ATTEMPTS", 3)
    release = answer_first("TransactWriteItems", [cancelled("TransactionConflict", "None")] * 3)
    try:
        with pytest.raises(TransactionContended) as raised:
            Transaction().add(put_new("A"), role="a").add(put_new("B"), role="b").write()
    finally:
        release()
    assert isinstance(raised.value.__cause__, ClientError)
    assert raised.value.__cause__.response["Error"]["Code"] == "TransactionCanceledException"
    assert not stored("A")


class InFront(Transaction):
    """A transaction with one more (passing) item in front of whatever its writer adds."""

    def __init__(self) -> None:
        super().__init__()
        self.add(
            {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": key("TX", "FRONT"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            role="in_front",
        )


def test_an_item_added_in_front_of_the_position_transactions_keeps_their_errors(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every position transaction gets one more (passing) item in front: the cap still answers 400, and a
    close or delete of a position that is no longer as read is still ``NotOpen`` / False, as without it."""
    from goalpost.data import positions as position_data

    monkeypatch.setattr(position_data, "Transaction", InFront)
    monkeypatch.setattr(position_data, "MAX_OPEN_PER_USER", 2)
    long = {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000}
    assert [api.post("/positions", long).status for _ in range(3)] == [201, 201, 400]
    first, second = (
        position_data.get(TABLE, "alice", p["id"]) for p in api.get("/positions", query={"status": "OPEN"}).body
    )
    assert first is not None
    assert second is not None
    assert api.post(f"/positions/{first.id}/close", {"exit_price": 50100}).status == 200
    closed = first.model_copy(update={"status": PositionStatus.CLOSED, "exit_time": datetime.now(UTC)})
    with pytest.raises(position_data.NotOpen):  # the stale read: the close's own condition refuses it
        position_data.close(TABLE, "test-system", closed, [])
    assert api.delete(f"/positions/{second.id}").status == 204
    assert not position_data.delete(TABLE, "test-system", second)


def test_an_item_added_in_front_of_alerts_still_drops_only_the_ones_raised_before(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alert raised before (a rerun) is dropped and the rest written, wherever the alerts stand."""
    from goalpost.data import alerts as alert_data
    from goalpost.domain.alerts import AlertType, NewAlert
    from goalpost.services.alerts import prepare

    monkeypatch.setattr(alert_data, "Transaction", InFront)
    now = datetime.now(UTC)
    before = NewAlert(AlertType.GOAL_ACHIEVED, title="Achieved", message="Done.", goal_id="g1")
    new = NewAlert(AlertType.GOAL_BEHIND, title="Behind", message="Late.", goal_id="g2")
    assert alert_data.store(TABLE, prepare("alice", before, now))
    assert not alert_data.store(TABLE, prepare("alice", before, now))
    again, first_time = prepare("alice", before, now), prepare("alice", new, now)
    assert alert_data.transact_with_alerts([put_new("ALONG")], [again, first_time]) == [first_time]
    assert stored("ALONG")
    assert alert_data.unread_count(TABLE, "alice") == 2
