"""The one-off copy of the snapshots stored in the data table to the snapshots table (over moto): the
snapshots only, each added to its group's snapshots and totals items, resumable page by page, and idempotent;
and the snapshots stored one a user in the snapshots table regrouped and deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import snapshots as snapshot_store
from goalpost.data.batches import batch_write
from goalpost.data.snapshot_migration import PROGRESS_PK, copied_item, migrate_segment
from goalpost.domain.charts import SLOT, bucket_start
from tests.handlers.conftest import Api

DATA, SNAPSHOTS, SYSTEM = "test-data", "test-snapshots", "test-system"
DAY_CLOSE = bucket_start(datetime.now(UTC), timedelta(days=1)) - SLOT  # yesterday's 23:55


def stored_before(user: str, slot: datetime, total: int) -> dict[str, Any]:
    """A snapshot as the data table held it: its daily tier index keys, a packed holding."""
    return {
        "pk": {"S": f"USER#{user}#SNAP"},
        "sk": {"S": slot.isoformat()},
        "entity": {"S": "snapshot"},
        "total_value": {"N": str(total)},
        "cash_balance": {"N": "10"},
        "investment_value": {"N": str(total - 10)},
        "positions": {"L": [{"S": f"AAPL|LONG|1|100|{total - 10}|{total - 10}|0"}]},
        "recorded_at": {"S": slot.isoformat()},
        "gsi4pk": {"S": f"USER#{user}#SNAP#1D"},
        "gsi4sk": {"S": slot.isoformat()},
    }


def seed_data_table() -> None:
    items = [stored_before("alice", DAY_CLOSE - timedelta(days=day), 1000 + day) for day in range(5)]
    items += [stored_before("bob", DAY_CLOSE, 50), stored_before("bob", DAY_CLOSE - SLOT, 40)]
    open_bucket = {
        "pk": {"S": "USER#alice#SNAP#1H#OPEN"},
        "sk": {"S": DAY_CLOSE.isoformat()},
        "entity": {"S": "snapshot_bucket"},
        "total_value": {"N": "1"},
    }
    goal = {"pk": {"S": "USER#alice"}, "sk": {"S": "GOAL#g"}, "entity": {"S": "goal"}}
    batch_write(DATA, [{"PutRequest": {"Item": item}} for item in [*items, open_bucket, goal]])


def snapshots_table() -> list[tuple[str, str, bytes]]:
    """The snapshots the groups' snapshots items hold: (group, slot, stored snapshot) each."""
    return [
        (item["pk"]["S"], item["sk"]["S"], value["B"])
        for item in scanned()
        if item["pk"]["S"].startswith(snapshot_store.SNAPSHOTS_PREFIX)
        for name, value in item.items()
        if name.startswith("s") and name != "sk"
    ]


def per_user_items() -> list[dict[str, Any]]:
    return [item for item in scanned() if "entity" in item]


def totals_items() -> list[dict[str, Any]]:
    return [item for item in scanned() if item["pk"]["S"].startswith(snapshot_store.TOTALS_PREFIX)]


def scanned() -> list[dict[str, Any]]:
    return goalpost_aws.client("dynamodb").scan(TableName=SNAPSHOTS)["Items"]


def test_the_stored_snapshots_are_copied_page_by_page_and_read_as_before(api: Api) -> None:
    seed_data_table()
    first = migrate_segment(page_size=4, max_pages=1)  # stopped after one page
    assert first["done"] is False
    assert 0 < len(snapshots_table()) <= 4
    assert migrate_segment(page_size=4) == {"segment": 0, "segments": 1, "copied": 7, "done": True}
    assert len(snapshots_table()) == 7
    assert per_user_items() == []

    listed = api.get("/portfolio/snapshots", user="alice").body
    assert [s["total_value"] for s in listed] == [1000, 1001, 1002, 1003, 1004]
    assert listed[0]["positions"][0] == {
        "ticker": "AAPL",
        "side": "LONG",
        "shares": 1,
        "cost_basis": 100,
        "current_value": 990,
        "price_per_share": 990,
        "price_missing": False,
    }
    chart = api.get("/portfolio/performance", query={"timeframe": "ALL"}, user="alice").body
    assert [p["value"] for p in chart["data_points"]] == [1004, 1003, 1002, 1001, 1000]


def test_running_again_copies_nothing_more_and_starting_over_writes_the_same_items(api: Api) -> None:
    seed_data_table()
    assert migrate_segment(page_size=3)["done"] is True
    before = sorted(snapshots_table())
    with_progress = migrate_segment(page_size=3)  # a finished segment is not read again
    assert with_progress == {"segment": 0, "segments": 1, "copied": 7, "done": True}
    dynamodb = goalpost_aws.client("dynamodb")
    dynamodb.delete_item(TableName=SYSTEM, Key={"pk": {"S": PROGRESS_PK}, "sk": {"S": "SEGMENT#0/1"}})
    assert migrate_segment(page_size=3)["copied"] == 7  # from the start: the same items again
    assert sorted(snapshots_table()) == before
    assert len(totals_items()) == 7  # alice's five slots and bob's two: they are in different groups


def test_segments_split_the_copy(api: Api) -> None:
    seed_data_table()
    runs = [migrate_segment(segment, 2) for segment in range(2)]
    assert all(run["done"] for run in runs)
    assert sum(run["copied"] for run in runs) == 7
    assert len(snapshots_table()) == 7


def test_a_groups_totals_gather_from_every_page_and_keep_the_latest_expiry(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """alice and bob in one group: bob's two slots arrive on other pages than alice's day close, and the
    totals item of that slot holds both, kept forever (as the seeded snapshots are); bob's other slot only his.
    Their snapshots gather the same way."""
    monkeypatch.setattr(snapshot_store, "_group", lambda user_id: "0#0")
    seed_data_table()
    assert migrate_segment(page_size=2)["done"] is True
    by_slot = {item["sk"]["S"]: item for item in totals_items()}
    assert len(by_slot) == 6
    close = by_slot[DAY_CLOSE.isoformat()]
    alice, bob = snapshot_store.member_tag("alice"), snapshot_store.member_tag("bob")
    assert (close[alice]["N"], close[bob]["N"]) == ("1000", "50")
    assert "expires_at" not in close
    before_close = by_slot[(DAY_CLOSE - SLOT).isoformat()]
    assert before_close[bob]["N"] == "40"
    assert alice not in before_close
    chart = api.get("/portfolio/performance", query={"timeframe": "ALL"}, user="bob").body
    assert [p["value"] for p in chart["data_points"]] == [50]
    assert [s["total_value"] for s in api.get("/portfolio/snapshots", user="bob").body] == [50, 40]
    assert len(api.get("/portfolio/snapshots", user="alice").body) == 5
    assert len({(group, slot) for group, slot, _ in snapshots_table()}) == 6


def test_regroup_moves_the_snapshots_stored_one_a_user_into_their_groups(api: Api) -> None:
    """Snapshots a version before the groups wrote to the snapshots table, one item a user and slot: each is
    added to its groups (its snapshot and its total) and then deleted, page by page; the list and the charts
    read them."""
    items = [copied_item(stored_before("alice", DAY_CLOSE - timedelta(days=day), 1000 + day)) for day in range(3)]
    batch_write(SNAPSHOTS, [{"PutRequest": {"Item": item}} for item in items])
    assert migrate_segment(regroup=True, page_size=2)["copied"] == 3
    assert per_user_items() == []
    assert len(snapshots_table()) == 3
    assert len(totals_items()) == 3
    chart = api.get("/portfolio/performance", query={"timeframe": "ALL"}, user="alice").body
    assert [p["value"] for p in chart["data_points"]] == [1002, 1001, 1000]
    listed = api.get("/portfolio/snapshots", user="alice").body
    assert [s["total_value"] for s in listed] == [1000, 1001, 1002]
    assert listed[0]["positions"][0]["current_value"] == 990
    # The copy's own progress: the data table's is untouched.
    assert migrate_segment()["copied"] == 0
