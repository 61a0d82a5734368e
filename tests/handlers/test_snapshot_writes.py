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


def test_a_throttled_write_is_sent_again_after_a_pause(aws: LocalAws, pauses: list[float], monkeypatch: Any) -> None:
    dynamodb = client()
    original = dynamodb.batch_write_item
    refusals = [ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchWriteItem")] * 2

    def throttled(**request: Any) -> Any:
        if refusals:
            raise refusals.pop()
        return original(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", throttled)
    # The snapshots' and the totals' group items: two refused, then each written.
    assert snapshot_store.put_snapshots(SNAPSHOTS, items(1)) == 4
    assert stored(1) == 1
    assert len(pauses) == 2
    assert 0 < pauses[0] <= pauses[1]


def test_other_errors_are_not_retried(aws: LocalAws, pauses: list[float], monkeypatch: Any) -> None:
    def refused(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "ValidationException"}}, "BatchWriteItem")

    monkeypatch.setattr(client(), "batch_write_item", refused)
    with pytest.raises(ClientError):
        snapshot_store.put_snapshots(SNAPSHOTS, items(1))
    assert pauses == []


def test_two_runs_of_a_slot_that_recorded_different_members_add_up(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run asked for now records every portfolio of a group, the scheduled run of the same slot only those
    whose markets trade: whichever comes last, each member keeps its snapshot and its total."""
    monkeypatch.setattr(snapshot_store, "_group", lambda user_id: "0#0")
    every, trading = items(3), items(3)[:1]
    for runs in ((every, trading), (trading, every)):
        for run in runs:
            snapshot_store.put_snapshots(SNAPSHOTS, run)
        assert stored(3) == 3
        assert all(snapshot_store.value_at_or_before(SNAPSHOTS, f"user-{n}", SLOT, SLOT) == 5 for n in range(3))


def test_the_writers_keep_to_their_pace(aws: LocalAws, pauses: list[float]) -> None:
    """20 snapshots in 20 totals groups (and fewer snapshots groups), a write unit an item, at 5 units a
    second: a second's worth goes at once, then each batch waits for its units, the last until all the units
    but the first second's have had their time (the clock stands still and the pauses are recorded, not
    slept)."""
    assert groups(20) == 20
    snapshot_groups = len({snapshot_store.group_pk(f"user-{n}") for n in range(20)})
    snapshot_store.put_snapshots(SNAPSHOTS, items(20), units_per_second=5)
    assert stored(20) == 20
    assert len(pauses) == 2  # a batch of the snapshots' items, then one of the totals'
    assert pauses[-1] == pytest.approx((snapshot_groups + 20 - 5) / 5)


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


def test_a_groups_items_hold_its_members_kept_as_long_as_the_longest(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written whole (the worker's shard): every member's snapshot and total, the latest expiry, none when one
    member's snapshot is kept forever. Merged (stored snapshots regrouped, in pieces): the same, member by
    member."""
    monkeypatch.setattr(snapshot_store, "_group", lambda user_id: "0#0")
    snapshot = {"total_value": Decimal(5), "cash_balance": Decimal(5), "investment_value": 0, "positions": []}

    def with_expiry(user: str, expiry: int | None, total: int = 5) -> dict[str, Any]:
        item = snapshot_store.snapshot_item(user, SLOT, {**snapshot, "total_value": Decimal(total)})
        item.pop("expires_at", None)
        return item if expiry is None else {**item, "expires_at": expiry}

    def stored(prefix: str) -> dict[str, Any]:
        found = client().get_item(TableName=SNAPSHOTS, Key={"pk": {"S": f"{prefix}0#0"}, "sk": {"S": SLOT.isoformat()}})
        return found["Item"]

    def both() -> list[dict[str, Any]]:
        return [stored(snapshot_store.TOTALS_PREFIX), stored(snapshot_store.SNAPSHOTS_PREFIX)]

    snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry("a", 100, 1), with_expiry("b", 300, 2)])
    tag = snapshot_store.member_tag
    totals = stored(snapshot_store.TOTALS_PREFIX)
    assert (totals[tag("a")]["N"], totals[tag("b")]["N"], totals["expires_at"]["N"]) == ("1", "2", "300")
    assert stored(snapshot_store.SNAPSHOTS_PREFIX)["expires_at"]["N"] == "300"
    assert [s["total_value"] for s in (latest("a"), latest("b"))] == [1, 2]
    snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry("a", 100), with_expiry("b", None)])
    assert all("expires_at" not in item for item in both())

    for prefix in (snapshot_store.TOTALS_PREFIX, snapshot_store.SNAPSHOTS_PREFIX):
        client().delete_item(TableName=SNAPSHOTS, Key={"pk": {"S": f"{prefix}0#0"}, "sk": {"S": SLOT.isoformat()}})
    for user, expiry, kept in (("a", 100, "100"), ("b", 50, "100"), ("c", 200, "200")):
        snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry(user, expiry)])
        assert [item["expires_at"]["N"] for item in both()] == [kept, kept]
    for user in ("d", "e"):  # d is kept forever: a later member's expiry does not bring one back
        snapshot_store.put_snapshots(SNAPSHOTS, [with_expiry(user, None if user == "d" else 300)])
        assert all("expires_at" not in item for item in both())
    totals, snapshots = both()
    assert {name for name in totals if name.startswith("t")} == {tag(user) for user in "abcde"}
    assert {name for name in snapshots if name.startswith("s")} - {"sk"} == {
        snapshot_store.member_snapshot(user) for user in "abcde"
    }
    assert all(latest(user)["total_value"] == 5 for user in "abcde")


def latest(user: str) -> dict[str, Any]:
    found = snapshot_store.latest_snapshot(SNAPSHOTS, user)
    assert found is not None
    return found


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
