"""The snapshots in the cost model: the schedule's slots and what each writes and keeps, priced on the
snapshots table's provisioned capacity (named prices, the declared capacity and pace): these pin the figures
docs/cost.md states, so a changed design or assumption shows here."""

from __future__ import annotations

import pytest

from goalpost import declaration
from tests.bench import cost

SNAPSHOT = {
    "shards": 64,
    "read_units_per_user": 0.0164,
    "write_units_per_item": 0.375,  # a quarter of its group's snapshots item and an eighth of its totals item
    "worker_ms_per_message": 60_000,
    "memory_mb": 1769,
    "bytes_per_snapshot": 200,
    "items_per_snapshot": 0.25,
}


def line(lines: list[cost.Line], starts: str) -> cost.Line:
    (found,) = [each for each in lines if each.what.startswith(starts)]
    return found


def test_a_provisioned_write_costs_the_unit_hour_over_the_writes_it_carries() -> None:
    # $0.00065 a unit-hour, 3,600 writes an hour at most, 90 % target utilisation while writing 80 % of the time.
    assert cost.snapshot_write_unit_price() == pytest.approx(0.00065 / 3600 / (0.9 * 0.8))
    assert cost.snapshot_write_unit_price() < cost.price("write_unit") / 2  # under half of on-demand's


def test_every_slot_writes_its_shares_of_its_groups_items_whatever_tiers_it_closes() -> None:
    crypto, stocks = cost.snapshot_plan("crypto"), cost.snapshot_plan("stocks")
    assert crypto["slots"] == crypto["item_writes"] == 30 * 288  # every 5 minutes, always
    assert stocks["item_writes"] == stocks["slots"]
    assert 1_700 < stocks["slots"] < 1_750  # while the US session trades, and each day's last slot
    writes = line(cost.snapshot_lines(SNAPSHOT, "crypto"), "snapshots: DynamoDB writes")
    assert writes.quantity == 30 * 288 * 0.375
    assert writes.unit_price == cost.snapshot_write_unit_price()


def test_the_items_kept_are_each_slots_by_its_kept_tier() -> None:
    """Crypto: 2 days of 5-minute slots, 8 of half hours, 31 of hours, 92 of 3 hours (each with a day of
    margin), and a year of days; a slot is counted once, in its coarsest tier."""
    kept = cost.snapshot_plan("crypto")["kept_copies"]
    expected = 3 * 288 * 5 / 6 + 9 * 48 / 2 + 32 * 24 * 2 / 3 + 93 * 8 * 7 / 8 + 365
    assert kept == pytest.approx(expected, abs=12)
    storage = line(cost.storage_lines(SNAPSHOT, "crypto"), "storage")
    # A member's bytes of its group's two items, and a quarter of an item's overhead (an eighth of each).
    assert storage.quantity == pytest.approx(kept * (200 + 100 / 4) / 1e9)


def test_the_snapshot_workers_at_their_pace_fit_the_declared_concurrency() -> None:
    paced = declaration.SNAPSHOT_WRITE_UNITS_PER_USER / declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND  # a user's
    snapshot = cost.workers("snapshot", 300, paced, 16, utilisation=declaration.SNAPSHOT_WRITE_SPREAD)
    assert snapshot["workers_needed"] == 16
    assert snapshot["fits"]
