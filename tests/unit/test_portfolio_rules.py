"""Portfolio valuation, snapshot tiers, chart buckets and drawdown: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.charts import (
    Point,
    Tier,
    Timeframe,
    bucket_points,
    expires_at,
    max_drawdown_percent,
    slot_of,
    tiers_closed_by,
    window,
)
from goalpost.domain.portfolio import CachedPrice, value_portfolio
from goalpost.domain.positions import Position, Side

NOW = datetime(2026, 11, 21, 14, 32, 10, tzinfo=UTC)


def position(symbol: str, quantity: str, entry: str, side: Side = Side.LONG) -> Position:
    return Position.opened("u", symbol, Decimal(quantity), Decimal(entry), NOW, side=side)


def price(symbol: str, value: str, age: timedelta = timedelta(0)) -> CachedPrice:
    return CachedPrice(symbol=symbol, price=Decimal(value), updated_at=NOW - age, source="alpaca")


def test_positions_are_aggregated_per_symbol_and_side() -> None:
    positions = [
        position("AAPL", "60", "140"),
        position("AAPL", "40", "170"),
        position("AAPL", "10", "180", Side.SHORT),
        position("MSFT", "5", "300"),
    ]
    value = value_portfolio(positions, {"AAPL": price("AAPL", "175", timedelta(minutes=1))}, Decimal("5000.50"), NOW)
    rows = {(h.ticker, h.side): h for h in value.positions}
    long_aapl = rows[("AAPL", Side.LONG)]
    assert (long_aapl.shares, long_aapl.cost_basis, long_aapl.current_value) == (100, 15200, 17500)
    assert long_aapl.unrealized_gain_loss == 2300
    assert round(long_aapl.unrealized_gain_loss_percent, 2) == Decimal("15.13")
    short_aapl = rows[("AAPL", Side.SHORT)]
    assert (short_aapl.cost_basis, short_aapl.current_value, short_aapl.unrealized_gain_loss) == (1800, 1850, 50)
    msft = rows[("MSFT", Side.LONG)]
    assert (msft.price_missing, msft.current_value, msft.price_per_share) == (True, 1500, None)
    assert value.investment_value == 17500 + 1850 + 1500
    assert value.total_value == value.investment_value + Decimal("5000.50")
    assert value.last_updated == NOW - timedelta(minutes=1)
    # r2: MSFT has no price, so the portfolio is not fresh even though the one price used is.
    assert value.price_fresh is False


def test_a_stale_price_makes_the_portfolio_not_fresh() -> None:
    prices = {"A": price("A", "1", timedelta(minutes=1)), "B": price("B", "2", timedelta(minutes=5))}
    value = value_portfolio([position("A", "1", "1"), position("B", "1", "1")], prices, Decimal(0), NOW)
    assert value.price_fresh is False
    assert value.last_updated == NOW - timedelta(minutes=5)
    empty = value_portfolio([], {}, Decimal(10), NOW)
    assert (empty.total_value, empty.last_updated, empty.price_fresh) == (10, None, True)


@pytest.mark.parametrize(
    ("slot", "tiers", "keep_days"),
    [
        ("10:50", ["5M"], 2),
        ("10:25", ["5M", "30M"], 8),
        ("10:55", ["5M", "30M", "1H"], 31),
        ("11:55", ["5M", "30M", "1H", "3H"], 92),
        ("23:55", ["5M", "30M", "1H", "3H", "1D"], None),
    ],
)
def test_slots_close_tiers_and_are_kept_as_long_as_their_coarsest(
    slot: str, tiers: list[str], keep_days: int | None
) -> None:
    hour, minute = map(int, slot.split(":"))
    moment = NOW.replace(hour=hour, minute=minute, second=0)
    assert [t.label for t in tiers_closed_by(moment)] == tiers
    expiry = expires_at(moment)
    assert (expiry is None) if keep_days is None else expiry >= moment + timedelta(days=keep_days)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_every_slot_is_five_minutes_and_the_5m_tier_always_applies(moment: datetime) -> None:
    slot = slot_of(moment.replace(tzinfo=UTC))
    assert slot <= moment.replace(tzinfo=UTC) < slot + timedelta(minutes=5)
    assert slot.minute % 5 == 0
    assert slot.second == 0
    assert tiers_closed_by(slot)[0] == Tier.FIVE_MINUTES


def test_a_bucket_shows_its_last_snapshot_stamped_with_its_start() -> None:
    points = [Point(NOW.replace(hour=10, minute=m, second=0), Decimal(m)) for m in (5, 20, 35, 55)]
    points.append(Point(NOW.replace(hour=9, minute=55, second=0), Decimal(1)))
    hourly = bucket_points(points, timedelta(hours=1))
    assert [(p.timestamp.hour, p.timestamp.minute, p.value) for p in hourly] == [(9, 0, 1), (10, 0, 55)]
    half = bucket_points(points, timedelta(minutes=30))
    assert [(p.timestamp.minute, p.value) for p in half] == [(30, 1), (0, 20), (30, 55)]


def test_windows_of_each_timeframe() -> None:
    assert window(Timeframe.ONE_DAY, NOW).start == NOW - timedelta(hours=24)
    assert window(Timeframe.ONE_WEEK, NOW).tier == Tier.THIRTY_MINUTES
    assert window(Timeframe.ONE_MONTH, NOW).tier == Tier.HOURLY
    assert window(Timeframe.THREE_MONTHS, NOW).tier == Tier.THREE_HOURS
    assert window(Timeframe.YEAR_TO_DATE, NOW).start == datetime(2026, 1, 1, tzinfo=UTC)
    assert window(Timeframe.ALL, NOW).start is None
    assert window(Timeframe.ONE_YEAR, NOW).tier == Tier.DAILY


def test_max_drawdown_examples() -> None:
    assert max_drawdown_percent([]) is None
    assert max_drawdown_percent([Decimal(100), Decimal(120), Decimal(90), Decimal(130)]) == 25
    assert max_drawdown_percent([Decimal(1), Decimal(2), Decimal(3)]) == 0


@given(st.lists(st.decimals(min_value=1, max_value=10**9, places=2), min_size=1, max_size=40))
def test_drawdown_is_the_worst_fall_from_an_earlier_peak(values: list[Decimal]) -> None:
    drawdown = max_drawdown_percent(values)
    assert drawdown is not None
    assert 0 <= drawdown < 100
    brute = max(
        ((max(values[: j + 1]) - values[j]) / max(values[: j + 1]) * 100 for j in range(len(values))), default=0
    )
    assert drawdown == brute
    assert max_drawdown_percent(sorted(values)) == 0
