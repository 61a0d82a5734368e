"""The snapshot writers on a provisioned table: paced to the capacity, a throttled batch waited for and sent
again, a batch's unprocessed items retried, over moto."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data import snapshots as snapshot_store
from goalpost.data.client import client
from goalpost.domain.charts import slot_of
from infra.local.aws import LocalAws

SNAPSHOTS = "test-snapshots"
SLOT = slot_of(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))


def items(count: int) -> list[dict[str, Any]]:
    snapshot = {"total_value": Decimal(5), "cash_balance": Decimal(5), "investment_value": 0, "positions": []}
    return [snapshot_store.snapshot_item(f"user-{n}", SLOT, snapshot) for n in range(count)]


def groups(count: int) -> int:
    """The totals groups of ``items(count)``' users: one totals item each, written after the snapshots."""
    return len({snapshot_store.totals_pk(f"user-{n}") for n in range(count)})


def stored(count: int) -> int:
    return sum(snapshot_store.latest_snapshot(SNAPSHOTS, f"user-{n}") is not None for n in range(count))


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The writers' pauses, recorded instead of slept, on a clock that stands still."""
    recorded: list[float] = []
    monkeypatch.setattr(snapshot_store, "_sleep", recorded.append)
    monkeypatch.setattr(snapshot_store, "_clock", lambda: 0.0)
    return recorded


def test_a_throttled_batch_is_sent_again_after_a_pause(aws: LocalAws, pauses: list[float], monkeypatch: Any) -> None:
    dynamodb = client()
    original = dynamodb.batch_write_item
    refusals = [ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchWriteItem")] * 2

    def throttled(**request: Any) -> Any:
        if refusals:
            raise refusals.pop()
        return original(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", throttled)
    assert snapshot_store.put_snapshots(SNAPSHOTS, items(3)) == 3  # two refused, the third written
    assert stored(3) == 3
    assert len(pauses) == 2
    assert 0 < pauses[0] <= pauses[1]


def test_other_errors_are_not_retried(aws: LocalAws, pauses: list[float], monkeypatch: Any) -> None:
    def refused(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "ValidationException"}}, "BatchWriteItem")

    monkeypatch.setattr(client(), "batch_write_item", refused)
    with pytest.raises(ClientError):
        snapshot_store.put_snapshots(SNAPSHOTS, items(1))
    assert pauses == []


def test_unprocessed_items_are_sent_again(aws: LocalAws, pauses: list[float], monkeypatch: Any) -> None:
    dynamodb = client()
    original = dynamodb.batch_write_item
    calls: list[int] = []

    def partly(**request: Any) -> Any:
        calls.append(len(request["RequestItems"][SNAPSHOTS]))
        if len(calls) == 1:  # the first call leaves its last item unprocessed
            (table, writes), *_ = request["RequestItems"].items()
            original(RequestItems={table: writes[:-1]})
            return {"UnprocessedItems": {table: writes[-1:]}}
        return original(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", partly)
    assert snapshot_store.put_snapshots(SNAPSHOTS, items(4)) == 2
    assert calls == [4 + groups(4), 1]
    assert stored(4) == 4


def test_the_writers_keep_to_their_pace(aws: LocalAws, pauses: list[float]) -> None:
    """60 snapshots and their 60 groups' totals items, a write unit each, at 40 units a second: the first
    second's worth goes at once, then each batch of 25 waits for its units: 50 of 40 (0.25 s), 75 (0.875 s),
    100 (1.5 s), 120 (2 s), each measured from the start (the clock stands still and the pauses are recorded,
    not slept)."""
    assert groups(60) == 60
    snapshot_store.put_snapshots(SNAPSHOTS, items(60), units_per_second=40)
    assert stored(60) == 60
    assert pauses == [pytest.approx(0.25), pytest.approx(0.875), pytest.approx(1.5), pytest.approx(2.0)]


def test_the_pace_lets_a_seconds_worth_go_at_once_then_spreads_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(snapshot_store, "_sleep", sleep)
    monkeypatch.setattr(snapshot_store, "_clock", lambda: clock[0])
    pace = snapshot_store.Pace(100)
    pace.take(100)
    assert waits == []
    pace.take(50)
    assert waits == [pytest.approx(0.5)]
    clock[0] += 10  # idle: the allowance refills to a second's worth, no more
    pace.take(150)
    assert waits[-1] == pytest.approx(0.5)


def test_a_groups_totals_item_holds_its_members_totals_kept_as_long_as_the_longest(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written whole (the worker's shard): every member's total, the latest expiry, none when one member's
    snapshot is kept forever. Merged (a copy of stored snapshots, in pieces): the same, member by member."""
    monkeypatch.setattr(snapshot_store, "totals_pk", lambda user_id: "TOTALS#0#0")
    snapshot = {"total_value": Decimal(5), "cash_balance": Decimal(5), "investment_value": 0, "positions": []}

    def with_expiry(user: str, expiry: int | None, total: int = 5) -> dict[str, Any]:
        item = snapshot_store.snapshot_item(user, SLOT, {**snapshot, "total_value": Decimal(total)})
        item.pop("expires_at", None)
        return item if expiry is None else {**item, "expires_at": expiry}

    def totals() -> dict[str, Any]:
        found = client().get_item(TableName=SNAPSHOTS, Key={"pk": {"S": "TOTALS#0#0"}, "sk": {"S": SLOT.isoformat()}})
        return found["Item"]

    snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry("a", 100, 1), with_expiry("b", 300, 2)])
    tag = snapshot_store.member_tag
    assert (totals()[tag("a")]["N"], totals()[tag("b")]["N"], totals()["expires_at"]["N"]) == ("1", "2", "300")
    snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry("a", 100), with_expiry("b", None)])
    assert "expires_at" not in totals()

    client().delete_item(TableName=SNAPSHOTS, Key={"pk": {"S": "TOTALS#0#0"}, "sk": {"S": SLOT.isoformat()}})
    for user, expiry, kept in (("a", 100, "100"), ("b", 50, "100"), ("c", 200, "200")):
        snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry(user, expiry)], merge_totals=True)
        assert totals()["expires_at"]["N"] == kept
    for user in ("d", "e"):  # d is kept forever: a later member's expiry does not bring one back
        snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry(user, None if user == "d" else 300)], merge_totals=True)
        assert "expires_at" not in totals()
    assert {name for name in totals() if name.startswith("t")} == {tag(user) for user in "abcde"}


def test_a_users_totals_group_is_in_its_registry_shard_and_never_moves() -> None:
    """The worker writes a group's item whole from one registry shard, so a group's members are all in one
    shard; and the stored totals are found again only while a user's group and tag stay what they were."""
    for n in range(200):
        user = f"user-{n}"
        assert snapshot_store.totals_pk(user).split("#")[1] == str(keys.shard_of(user, keys.USER_SHARDS))
    assert (snapshot_store.totals_pk("alice"), snapshot_store.member_tag("alice")) == (
        "TOTALS#7#1737",
        "t7f0e00af1a1f",
    )
