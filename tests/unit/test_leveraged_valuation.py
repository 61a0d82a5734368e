"""Leveraged positions in the portfolio (r2): a position counts by its capital, the margin
``quantity * entry / leverage``, plus its unrealized P&L; ``notional_value`` is the exposure and in no total.
The registry's holdings carry the leverage, and those stored before they did read as 1x."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.data import holdings as holding_codec
from goalpost.domain.portfolio import CachedPrice, value_portfolio
from goalpost.domain.positions import Position, Side, gross_pnl

NOW = datetime(2026, 11, 21, 14, 32, 10, tzinfo=UTC)
# Small enough that products and sums are exact in Decimal's 28 digits; a division by the leverage may not be.
amounts = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000000"), places=4)
leverages = st.integers(min_value=1, max_value=125)
ROUNDING = Decimal("1E-12")


def position(symbol: str, quantity: Decimal, entry: Decimal, side: Side = Side.LONG, leverage: int = 1) -> Position:
    return Position.opened("u", symbol, quantity, entry, NOW, side=side, leverage=leverage)


def price(symbol: str, value: Decimal, age: timedelta = timedelta(0)) -> CachedPrice:
    return CachedPrice(symbol=symbol, price=value, updated_at=NOW - age, source="binance")


@given(side=st.sampled_from(Side), leverage=leverages, quantity=amounts, entry=amounts, now=amounts)
def test_a_position_counts_by_its_margin_plus_its_unrealized_pnl(
    side: Side, leverage: int, quantity: Decimal, entry: Decimal, now: Decimal
) -> None:
    [row] = value_portfolio(
        [position("BTCUSDT", quantity, entry, side, leverage)], {"BTCUSDT": price("BTCUSDT", now)}, Decimal(0), NOW
    ).positions
    assert row.cost_basis == quantity * entry / leverage
    assert row.unrealized_gain_loss == gross_pnl(side, entry, now, quantity)
    assert abs(row.current_value - row.cost_basis - row.unrealized_gain_loss) < ROUNDING
    assert row.notional_value == quantity * now
    if leverage == 1 and side == Side.LONG:
        assert row.current_value == quantity * now


@given(
    rows=st.lists(st.tuples(st.sampled_from(Side), leverages, amounts, amounts), min_size=1, max_size=6),
    now=amounts,
    cash=st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_the_total_is_cash_plus_margins_plus_pnl_and_never_the_exposure(
    rows: list[tuple[Side, int, Decimal, Decimal]], now: Decimal, cash: Decimal
) -> None:
    positions = [position("ETHUSDT", quantity, entry, side, leverage) for side, leverage, quantity, entry in rows]
    value = value_portfolio(positions, {"ETHUSDT": price("ETHUSDT", now)}, cash, NOW)
    brute = sum(
        (
            p.quantity * p.entry_price / p.leverage + gross_pnl(p.side, p.entry_price, now, p.quantity)
            for p in positions
        ),
        Decimal(0),
    )
    assert abs(value.investment_value - brute) < ROUNDING
    assert value.total_value == value.investment_value + cash
    assert sum((h.notional_value for h in value.positions), Decimal(0)) == sum(p.quantity for p in positions) * now


def test_a_10x_long_is_worth_its_margin_not_its_exposure() -> None:
    # 0.5 BTC at 50,000 with 10x: 2,500 of margin; at 51,000 it has made 500.
    value = value_portfolio(
        [position("BTCUSDT", Decimal("0.5"), Decimal(50000), leverage=10)],
        {"BTCUSDT": price("BTCUSDT", Decimal(51000))},
        Decimal(1000),
        NOW,
    )
    [row] = value.positions
    assert (row.cost_basis, row.current_value, row.unrealized_gain_loss, row.notional_value) == (2500, 3000, 500, 25500)
    assert row.unrealized_gain_loss_percent == 20  # of the margin, as the position's pnl_percentage
    assert (value.investment_value, value.total_value) == (3000, 4000)


def test_a_missing_price_values_at_margin_shows_the_entry_exposure_and_is_not_fresh() -> None:
    value = value_portfolio([position("SOLUSDT", Decimal(10), Decimal(150), Side.SHORT, 5)], {}, Decimal(0), NOW)
    [row] = value.positions
    assert (row.price_missing, row.cost_basis, row.current_value, row.notional_value) == (True, 300, 300, 1500)
    assert (value.price_fresh, value.last_updated) == (False, None)


@given(
    symbol=st.from_regex(r"\A[A-Z0-9.\-/]{1,20}\Z"),
    side=st.sampled_from(Side),
    leverage=leverages,
    quantity=amounts,
    entry=amounts,
)
def test_a_holding_keeps_the_leverage_and_values_as_its_position(
    symbol: str, side: Side, leverage: int, quantity: Decimal, entry: Decimal
) -> None:
    opened = position(symbol, quantity, entry, side, leverage)
    held = holding_codec.decode_holding(holding_codec.encode_holding(opened))
    assert held == holding_codec.held(opened)
    assert held.cost_basis == opened.cost_basis


@pytest.mark.parametrize(("leverage", "stored"), [(1, "BTCUSDT|S|0.5|50000"), (20, "BTCUSDT|S|0.5|50000|20")])
def test_the_leverage_is_a_fifth_field_left_out_at_1x(leverage: int, stored: str) -> None:
    opened = position("BTCUSDT", Decimal("0.5"), Decimal(50000), Side.SHORT, leverage)
    assert holding_codec.encode_holding(opened) == stored


def test_a_holding_stored_before_the_leverage_reads_as_1x() -> None:
    held = holding_codec.decode_holding("AAPL|L|10|150.25")
    assert held == holding_codec.HeldPosition("AAPL", Side.LONG, Decimal(10), Decimal("150.25"), 1)
    assert held.cost_basis == Decimal("1502.50")
