"""The account sync's decisions (``domain.account_sync``), pure: what changes for each way an exchange's
positions and fills can differ from Goalpost's open positions, and the fill arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.account_sync import Close, Create, Increase, account_cash, average_price, fill_key, reconcile, take
from goalpost.domain.accounts import ExchangePosition, Fill, FillSide
from goalpost.domain.positions import ExitReason, Position, Side

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def fill(fill_id: str, side: FillSide, quantity: str, price: str, minutes: float, **extra: object) -> Fill:
    return Fill(
        id=fill_id,
        order_id=str(extra.pop("order_id", fill_id)),
        symbol=str(extra.pop("symbol", "BTCUSDT")),
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        fee=Decimal(str(extra.pop("fee", "0"))),
        time=at(minutes),
        realized_pnl=extra.pop("realized_pnl", None),  # type: ignore[arg-type]
    )


def held(quantity: str, entry: str, side: Side = Side.LONG, symbol: str = "BTCUSDT") -> ExchangePosition:
    return ExchangePosition(symbol, side, Decimal(quantity), Decimal(entry), 1)


def opened(quantity: str, entry: str, side: Side = Side.LONG, symbol: str = "BTCUSDT") -> Position:
    return Position.opened("u", symbol, Decimal(quantity), Decimal(entry), at(0), side=side, account_id="a")


def always(reason: ExitReason):  # type: ignore[no-untyped-def]
    return lambda _fill: reason


def test_what_the_exchange_holds_and_goalpost_does_not_is_created_from_its_latest_fills() -> None:
    fills = [fill("1", FillSide.BUY, "1", "100", 1, fee="0.1"), fill("2", FillSide.BUY, "1", "110", 2, fee="0.2")]
    plan = reconcile([], [held("1", "110")], fills, always(ExitReason.MANUAL), at(5))
    [create] = plan.changes
    assert isinstance(create, Create)
    # Only the fill that makes up the quantity held now built it; the older one is history.
    assert (create.quantity, create.entry_price, create.entry_time, create.fees) == (1, 110, at(2), Decimal("0.2"))
    assert create.fill_ids == {"BTCUSDT:2"}
    assert plan.absorbed == {"BTCUSDT:1"}


def test_a_position_gone_from_the_exchange_closes_at_its_fills_weighted_price() -> None:
    fills = [
        fill("1", FillSide.SELL, "0.4", "120", 1, fee="0.1", realized_pnl=Decimal(8)),
        fill("2", FillSide.SELL, "0.6", "125", 2, fee="0.2", realized_pnl=Decimal(15)),
    ]
    plan = reconcile([opened("1", "100")], [], fills, always(ExitReason.TP_HIT), at(5))
    [close] = plan.changes
    assert isinstance(close, Close)
    assert not close.partial
    assert (close.exit.price, close.exit.fees, close.exit.realized_pnl, close.exit.time) == (
        Decimal(123),
        Decimal("0.3"),
        Decimal(23),
        at(2),
    )
    assert close.reason == ExitReason.TP_HIT


def test_a_smaller_quantity_is_a_partial_close_and_a_larger_one_an_increase() -> None:
    partial = reconcile(
        [opened("1", "100")],
        [held("0.25", "100")],
        [fill("1", FillSide.SELL, "0.75", "90", 1)],
        always(ExitReason.SL_HIT),
        at(5),
    )
    [close] = partial.changes
    assert isinstance(close, Close)
    assert close.partial
    assert close.quantity == Decimal("0.75")
    grown = reconcile(
        [opened("1", "100")],
        [held("3", "999")],
        [fill("1", FillSide.BUY, "2", "130", 1)],
        always(ExitReason.MANUAL),
        at(5),
    )
    [increase] = grown.changes
    assert isinstance(increase, Increase)
    assert (increase.quantity, increase.entry_price) == (3, 120)  # (100 + 2 x 130) / 3
    # Without the fills that added it, the exchange's own average entry stands.
    unseen = reconcile([opened("1", "100")], [held("3", "115")], [], always(ExitReason.MANUAL), at(5))
    assert [(c.quantity, c.entry_price) for c in unseen.changes if isinstance(c, Increase)] == [(3, 115)]


def test_a_close_and_reopen_between_syncs_closes_then_creates() -> None:
    fills = [fill("1", FillSide.SELL, "1", "105", 1), fill("2", FillSide.BUY, "2", "104", 2)]
    plan = reconcile([opened("1", "100")], [held("2", "104")], fills, always(ExitReason.TP_HIT), at(5))
    close, create = plan.changes
    assert isinstance(close, Close)
    assert not close.partial
    assert close.exit.price == 105
    assert isinstance(create, Create)
    assert (create.quantity, create.entry_time) == (2, at(2))


def test_a_flip_from_long_to_short_closes_the_long_with_the_fills_that_opened_the_short() -> None:
    fills = [fill("1", FillSide.SELL, "3", "100", 1, fee="0.3", realized_pnl=Decimal(10))]
    plan = reconcile([opened("1", "90")], [held("2", "100", Side.SHORT)], fills, always(ExitReason.MANUAL), at(5))
    close, create = plan.changes
    assert isinstance(close, Close)
    assert close.quantity == 1
    assert close.exit.price == 100
    # The fill's P&L is all the close's (Binance reports it on the closing part); its fee is shared by quantity.
    assert (close.exit.realized_pnl, close.exit.fees) == (10, Decimal("0.1"))
    assert isinstance(create, Create)
    assert create.side == Side.SHORT
    assert create.quantity == 2
    assert (create.fees, create.entry_time, create.fill_ids) == (Decimal("0.2"), at(1), {"BTCUSDT:1"})


def test_a_close_whose_fills_show_in_part_waits_for_the_rest_a_while() -> None:
    shown = [fill("1", FillSide.SELL, "0.25", "51000", 1)]
    waiting = reconcile([opened("0.5", "50000")], [], shown, always(ExitReason.TP_HIT), at(5))
    assert (waiting.changes, waiting.waiting) == ([], ["BTCUSDT"])
    # Long after the last fill shown, the close takes what is shown.
    late = reconcile([opened("0.5", "50000")], [], shown, always(ExitReason.TP_HIT), at(30))
    [close] = late.changes
    assert isinstance(close, Close)
    assert close.quantity == Decimal("0.5")
    assert close.exit.price == 51000


def test_a_close_without_fills_waits_and_keeps_the_symbols_fills_unapplied() -> None:
    fills = [fill("9", FillSide.BUY, "1", "100", -1)]  # before the position: would be absorbed otherwise
    plan = reconcile([opened("1", "100")], [], fills, always(ExitReason.MANUAL), at(5))
    assert (plan.changes, plan.waiting, plan.absorbed) == ([], ["BTCUSDT"], set())


def test_a_matched_position_changes_nothing_and_absorbs_its_own_entry_fill() -> None:
    plan = reconcile(
        [opened("1", "100")],
        [held("1", "100")],
        [fill("1", FillSide.BUY, "1", "100", -2)],
        always(ExitReason.MANUAL),
        at(5),
    )
    assert (plan.changes, plan.absorbed) == ([], {"BTCUSDT:1"})


def test_fill_keys_tell_the_same_trade_id_of_two_symbols_apart() -> None:
    assert fill_key(fill("7", FillSide.BUY, "1", "1", 0)) != fill_key(
        fill("7", FillSide.BUY, "1", "1", 0, symbol="ETHUSDT")
    )


def test_binance_cash_is_the_wallet_less_the_margin_and_alpaca_cash_is_as_reported() -> None:
    positions = [ExchangePosition("BTCUSDT", Side.LONG, Decimal("0.5"), Decimal(50000), 10)]
    assert account_cash(Decimal(10000), positions, margin_based=True) == 7500
    assert account_cash(Decimal(10000), positions, margin_based=False) == 10000


amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)


@given(st.lists(st.tuples(amounts, prices), min_size=1, max_size=8), st.data())
def test_taking_part_of_some_fills_prices_it_between_them_and_prorates_fees(
    parts: list[tuple[Decimal, Decimal]], data: st.DataObject
) -> None:
    fills = [
        fill(str(n), FillSide.SELL, str(q), str(p), n, fee=str(q / 100), realized_pnl=q)
        for n, (q, p) in enumerate(parts)
    ]
    total = sum((q for q, _ in parts), Decimal(0))
    wanted = data.draw(st.decimals(min_value=Decimal("0.001"), max_value=total * 2, places=3))
    taken = take(fills, wanted)
    assert taken is not None
    assert taken.quantity == min(wanted, total)
    assert min(p for _, p in parts) <= taken.price <= max(p for _, p in parts)
    # Fees and the provider's P&L are shared by quantity: each fill here has fee = quantity / 100, P&L = quantity.
    assert abs(taken.fees - taken.quantity / 100) < Decimal("1e-20")
    assert taken.realized_pnl is not None
    assert abs(taken.realized_pnl - taken.quantity) < Decimal("1e-20")


@given(prices, amounts)
def test_an_average_price_is_exact_to_ten_places(price: Decimal, quantity: Decimal) -> None:
    assert average_price(price * quantity, quantity) == price
