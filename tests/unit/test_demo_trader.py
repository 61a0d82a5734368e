"""The demo's bot (``infra.local.demo_trader``): every trade leaves the simulated account as Binance would keep
it (positions that are their fills, realized P&L and an exit order type on each close, the wallet moved by
P&L less commissions, order and trade ids increasing), and the thread trades the exchange until stopped."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from infra.local.demo_trader import MAX_OPEN_POSITIONS, DemoTrader, commission, next_trade
from infra.local.exchange_accounts import Account, parse_account, with_history
from infra.local.market import SimulatedMarket

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PRICES = {"BTCUSDT": Decimal("65000.00"), "ETHUSDT": Decimal("3500.00"), "SOLUSDT": Decimal("150.00")}


KEY = "bot-key"
# A bot's account as the demo starts one: USDT in the wallet and a BTCUSDT long built in two buys.
START = {
    "provider": "binance_futures",
    "api_key": KEY,
    "api_secret": "bot-secret",
    "cash": "10000",
    "positions": [{"symbol": "BTCUSDT", "side": "LONG", "quantity": "0.04", "entry_price": "63700", "leverage": 5}],
    "fills": [
        {
            "order_id": "4051236001",
            "symbol": "BTCUSDT",
            "side": "BUY",
            "quantity": "0.02",
            "price": "63050",
            "fee": "0.630500",
            "time": "2026-12-02T06:00:00Z",
            "order_type": "MARKET",
        },
        {
            "order_id": "4051236002",
            "symbol": "BTCUSDT",
            "side": "BUY",
            "quantity": "0.02",
            "price": "64350",
            "fee": "0.643500",
            "time": "2026-12-03T06:00:00Z",
            "order_type": "MARKET",
        },
    ],
}


def demo_account() -> Account:
    return parse_account(START, None)


def net_quantities(account: Account) -> dict[str, Decimal]:
    """Each symbol's signed quantity as its fills add up (BUY +, SELL -)."""
    held: dict[str, Decimal] = {}
    for fill in account.fills:
        held[fill.symbol] = held.get(fill.symbol, Decimal(0)) + (
            fill.quantity if fill.side == "BUY" else -fill.quantity
        )
    return {symbol: amount for symbol, amount in held.items() if amount != 0}


def assert_consistent(before: Account, after: Account) -> None:
    assert net_quantities(after) == {h.symbol: h.quantity if h.side == "LONG" else -h.quantity for h in after.positions}
    new = after.fills[len(before.fills) :]
    assert len(new) == 1
    fill = new[0]
    assert after.fills[: len(before.fills)] == before.fills
    assert fill.time > before.fills[-1].time
    assert int(fill.order_id) > max(int(f.order_id) for f in before.fills)
    assert fill.fee == commission(fill.price, fill.quantity)
    assert fill.realized_pnl is not None
    assert after.cash == before.cash + fill.realized_pnl - fill.fee
    # The P&L given is the one the simulator (and Binance) derives from the fills: (exit - entry) x qty by side.
    derived = with_history([replace(f, realized_pnl=None) for f in after.fills])
    assert [f.realized_pnl for f in derived] == [f.realized_pnl for f in after.fills]
    if fill.opening:
        assert fill.order_type == "MARKET"
        assert fill.realized_pnl == 0
        opened = next(h for h in after.positions if h.symbol == fill.symbol)
        assert (opened.quantity, opened.entry_price) == (fill.quantity, fill.price)
    else:
        closed = next(h for h in before.positions if h.symbol == fill.symbol)
        direction = 1 if closed.side == "LONG" else -1
        assert fill.realized_pnl == (fill.price - closed.entry_price) * closed.quantity * direction
        assert fill.order_type == ("TAKE_PROFIT_MARKET" if fill.realized_pnl > 0 else "STOP_MARKET")
        assert fill.symbol not in {h.symbol for h in after.positions}


def test_the_start_holds_what_its_fills_bought() -> None:
    account = demo_account()
    assert net_quantities(account) == {"BTCUSDT": account.positions[0].quantity}
    average = sum((f.price * f.quantity for f in account.fills), Decimal(0)) / account.positions[0].quantity
    assert account.positions[0].entry_price == average


@given(seed=st.integers(0, 2**32), steps=st.integers(1, 25))
def test_every_trade_keeps_the_account_consistent(seed: int, steps: int) -> None:
    rng = random.Random(seed)
    account = demo_account()
    prices = dict(PRICES)
    now = NOW
    for _ in range(steps):
        prices = {
            s: (p * Decimal(str(round(rng.uniform(0.97, 1.03), 4)))).quantize(Decimal("0.01"))
            for s, p in prices.items()
        }
        after = next_trade(account, prices, rng, now)
        assert_consistent(account, after)
        assert len(after.positions) <= MAX_OPEN_POSITIONS
        account = after
        now += timedelta(minutes=rng.uniform(2, 5))


def test_closes_take_profit_on_a_gain_and_stop_on_a_loss() -> None:
    account = demo_account()
    entry = account.positions[0].entry_price
    for price, order_type in ((entry + 1000, "TAKE_PROFIT_MARKET"), (entry - 1000, "STOP_MARKET")):
        closed = next_trade(account, {"BTCUSDT": price}, random.Random(1), NOW)  # nothing else to open: it closes
        assert closed.positions == ()
        last = closed.fills[-1]
        assert (last.side, last.order_type) == ("SELL", order_type)
        assert last.realized_pnl == (price - entry) * account.positions[0].quantity


def test_a_flat_account_opens_and_a_full_one_closes() -> None:
    flat = replace(demo_account(), positions=(), fills=())
    opened = next_trade(flat, PRICES, random.Random(7), NOW)
    assert len(opened.positions) == 1
    assert opened.cash == flat.cash - opened.fills[0].fee
    full, rng = opened, random.Random(11)
    while len(full.positions) < MAX_OPEN_POSITIONS:
        full = next_trade(full, PRICES, rng, NOW)
    closed = next_trade(full, {**PRICES, "BNBUSDT": Decimal(600)}, rng, NOW)  # no room for BNBUSDT
    assert len(closed.positions) == MAX_OPEN_POSITIONS - 1
    assert not closed.fills[-1].opening


def test_fills_at_the_same_instant_stay_in_order() -> None:
    account = demo_account()
    rng = random.Random(5)
    first = next_trade(account, PRICES, rng, account.fills[-1].time)
    second = next_trade(first, PRICES, rng, account.fills[-1].time)
    assert [f.sequence for f in second.fills] == list(range(len(second.fills)))
    assert second.fills[-1].time > first.fills[-1].time > account.fills[-1].time


def test_the_trader_trades_the_simulated_exchange_until_stopped() -> None:
    with SimulatedMarket() as market:
        market.exchange.configure(START)
        before = market.exchange.account(KEY)
        assert before is not None
        trader = DemoTrader(market.exchange, KEY, rng=random.Random(2), interval_seconds=(0.01, 0.02))
        trader.start()
        deadline = time.monotonic() + 5
        while (market.exchange.account(KEY) or before).fills == before.fills:
            assert time.monotonic() < deadline, "the trader never traded"
            time.sleep(0.01)
        trader.stop()
        stopped = market.exchange.account(KEY)
        time.sleep(0.1)
        assert market.exchange.account(KEY) is stopped
        assert stopped is not None
        assert net_quantities(stopped) == {
            h.symbol: h.quantity if h.side == "LONG" else -h.quantity for h in stopped.positions
        }


def test_the_trader_leaves_a_key_without_a_binance_account_alone() -> None:
    with SimulatedMarket() as market:
        assert DemoTrader(market.exchange, "nobody").trade() is None
        market.exchange.configure({"provider": "alpaca", "api_key": "alpaca-key", "api_secret": "s"})
        assert DemoTrader(market.exchange, "alpaca-key").trade() is None
