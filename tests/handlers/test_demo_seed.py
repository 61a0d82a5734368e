"""``make run ARGS=--demo``'s seeding (``infra.local.demo.seed``) over moto and the simulated market: the demo
user's connected account is the simulated Binance account, connected through the use case with the production
client, and what the demo's bot trades on it reads back through that client as Binance's would."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from goalpost.domain.accounts import AccountStatus, ApiCredentials, Provider
from goalpost.domain.clock import utc_now
from goalpost.domain.positions import Side
from goalpost.edges.accounts.binance_futures import BinanceFuturesClient
from goalpost.services import accounts
from goalpost.settings import reset_settings
from infra.local.demo import (
    DEMO_ACCOUNT_BUYS,
    DEMO_ACCOUNT_CASH,
    DEMO_ACCOUNT_LABEL,
    DEMO_ACCOUNT_LEVERAGE,
    DEMO_EXCHANGE_KEY,
    DEMO_EXCHANGE_SECRET,
    demo_exchange_account,
    seed,
)
from infra.local.demo_trader import DemoTrader, commission
from infra.local.exchange_accounts import parse_account


def test_the_demo_account_holds_what_its_fills_bought() -> None:
    account = parse_account(demo_exchange_account(utc_now()), None)
    [position] = account.positions
    assert position.quantity == sum((f.quantity for f in account.fills if f.side == "BUY"), Decimal(0))
    assert all(f.symbol == "BTCUSDT" for f in account.fills)
    average = sum((f.price * f.quantity for f in account.fills), Decimal(0)) / position.quantity
    assert position.entry_price == average
    assert all(f.fee == commission(f.price, f.quantity) for f in account.fills)
    assert not account.can_withdraw


@pytest.fixture
def exchange(market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulated exchange, with the account clients pointed at it as ``make run`` points them."""
    monkeypatch.setenv("BINANCE_API_URL", market.url)
    reset_settings()
    return market.exchange


def test_the_demo_connects_its_simulated_binance_account(exchange: Any) -> None:
    seed("demo", exchange)
    [account] = accounts.list_accounts("demo")
    assert account.provider == Provider.BINANCE_FUTURES
    assert account.label == DEMO_ACCOUNT_LABEL
    assert account.key_hint == DEMO_EXCHANGE_KEY[-4:]
    assert account.status == AccountStatus.ACTIVE
    assert accounts.list_accounts("someone-else") == []
    state = BinanceFuturesClient(ApiCredentials(DEMO_EXCHANGE_KEY, DEMO_EXCHANGE_SECRET)).account_state()
    assert state.cash == DEMO_ACCOUNT_CASH
    [position] = state.positions
    quantity = sum((Decimal(q) for q, _, _ in DEMO_ACCOUNT_BUYS), Decimal(0))
    assert (position.symbol, position.side, position.quantity) == ("BTCUSDT", Side.LONG, quantity)
    assert position.leverage == DEMO_ACCOUNT_LEVERAGE


def test_the_bots_trades_read_back_with_increasing_ids(exchange: Any) -> None:
    seed("demo", exchange)
    client = BinanceFuturesClient(ApiCredentials(DEMO_EXCHANGE_KEY, DEMO_EXCHANGE_SECRET))
    start = exchange.account(DEMO_EXCHANGE_KEY).fills[0].time - timedelta(minutes=1)
    before = client.fills("BTCUSDT", start_time=start)
    trader = DemoTrader(exchange, DEMO_EXCHANGE_KEY, rng=random.Random(4), symbols=())  # BTCUSDT only: it closes
    after = trader.trade()
    assert after is not None
    assert after.positions == ()
    fills = client.fills("BTCUSDT", start_time=start)
    assert fills[: len(before)] == before
    assert len(fills) == len(before) + 1
    assert [int(f.id) for f in fills] == sorted(int(f.id) for f in fills)
    assert len({f.id for f in fills}) == len(fills)
    orders = client.orders("BTCUSDT", start_time=start)
    assert [int(o.id) for o in orders] == sorted(int(o.id) for o in orders)
    assert fills[-1].realized_pnl == after.fills[-1].realized_pnl
    assert client.account_state().positions == ()
    assert client.account_state().cash == after.cash
