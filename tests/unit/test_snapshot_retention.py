"""How long a snapshot is kept: by the coarsest bucket it is the last recorded slot of (pure rule), so a
bucket whose closing slot is never recorded keeps its point without a second item."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from goalpost.data.holdings import HeldPosition
from goalpost.data.registry import Owner
from goalpost.data.snapshots import snapshot_item
from goalpost.domain.charts import KEEP_MARGIN, Tier
from goalpost.domain.positions import Side
from goalpost.services.snapshots import _due_at, kept_tier
from goalpost.settings import Settings


def always(_: datetime) -> bool:
    return True


def never(_: datetime) -> bool:
    return False


def at(hour: int, minute: int, day: int = 6, month: int = 7) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("slot", "tier"),
    [
        (at(10, 5), Tier.FIVE_MINUTES),
        (at(10, 25), Tier.THIRTY_MINUTES),
        (at(10, 55), Tier.HOURLY),
        (at(11, 55), Tier.THREE_HOURS),
        (at(23, 55), Tier.DAILY),
    ],
)
def test_a_portfolio_recorded_every_slot_keeps_each_slot_by_the_tiers_it_closes(slot: datetime, tier: Tier) -> None:
    assert kept_tier(slot, always) is tier


def test_a_slot_no_later_slot_of_its_buckets_follows_is_kept_by_the_coarsest_but_not_forever() -> None:
    assert kept_tier(at(10, 5), never) is Tier.THREE_HOURS
    assert kept_tier(at(22, 5), never) is Tier.THREE_HOURS  # the day's last slot is always recorded
    # A slot followed in its hour (not in its half hour) is its half hour's point only.
    assert kept_tier(at(10, 5), lambda slot: slot == at(10, 40)) is Tier.THIRTY_MINUTES


def stocks_owner() -> Owner:
    return Owner("stocks", Decimal(0), {"p": HeldPosition("AAPL", Side.LONG, Decimal(1), Decimal(1))})


def crypto_owner() -> Owner:
    return Owner("crypto", Decimal(0), {"p": HeldPosition("BTCUSDT", Side.LONG, Decimal(1), Decimal(1))})


def test_the_last_slot_before_the_us_close_keeps_the_three_hour_bucket_the_close_cuts() -> None:
    """In summer the US session ends at 20:00 UTC, inside the 18:00-21:00 bucket, whose closing slot (20:55) a
    stocks portfolio never records: 20:00 is that bucket's point, so it is kept as long as the 3-hour tier."""
    routes = Settings().price_routes
    assert kept_tier(at(20, 0), _due_at(stocks_owner(), routes)) is Tier.THREE_HOURS
    assert kept_tier(at(19, 55), _due_at(stocks_owner(), routes)) is Tier.HOURLY
    assert kept_tier(at(20, 0), _due_at(crypto_owner(), routes)) is Tier.FIVE_MINUTES
    # A snapshot asked for at night: nothing follows it before the day's last slot.
    assert kept_tier(at(2, 5), _due_at(stocks_owner(), routes)) is Tier.THREE_HOURS


def test_the_item_expires_after_its_tier_keeps_it_and_the_daily_never() -> None:
    snapshot = {"total_value": Decimal(1), "cash_balance": Decimal(1), "investment_value": 0, "positions": []}
    slot = at(20, 0)
    item = snapshot_item("u", slot, snapshot, Tier.THREE_HOURS)
    assert item["expires_at"] == int((slot + Tier.THREE_HOURS.keep + KEEP_MARGIN).timestamp())  # type: ignore[operator]
    assert "expires_at" not in snapshot_item("u", at(23, 55), snapshot, Tier.DAILY)
    assert snapshot_item("u", slot, snapshot)["expires_at"] == int(
        (slot + Tier.FIVE_MINUTES.keep + KEEP_MARGIN).timestamp()  # type: ignore[operator]
    )
