"""The production account clients against the simulated exchange (``infra.local.exchange``, on the simulated
market server): what ``make run`` and the end-to-end tests rely on, so the two wire formats must agree. Real
signatures, real key headers, the simulator's refusals and faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from goalpost.domain.accounts import ApiCredentials, ExchangePosition, FillSide, KeyPermissions
from goalpost.domain.errors import KeysRefused, ProviderUnavailable
from goalpost.domain.positions import ExitReason, Side
from goalpost.edges.accounts.alpaca_trading import AlpacaTradingClient
from goalpost.edges.accounts.binance_futures import BinanceFuturesClient
from goalpost.edges.market.http import JsonHttp, RetryPolicy
from infra.local.market import SimulatedMarket
from tests.unit.test_simulated_exchange import ALPACA_ACCOUNT, BINANCE_ACCOUNT, NOW

# The accounts the simulator's own tests set up (its recorded trade history), read here by the real clients.
BINANCE = ApiCredentials(BINANCE_ACCOUNT["api_key"], BINANCE_ACCOUNT["api_secret"])
ALPACA = ApiCredentials(ALPACA_ACCOUNT["api_key"], ALPACA_ACCOUNT["api_secret"])


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


@pytest.fixture(scope="module")
def market() -> Iterator[SimulatedMarket]:
    simulated = SimulatedMarket(timeout_delay_seconds=1.0).start()
    simulated.configure({"prices": {"ETHUSDT": 2900, "AAPL": 200, "TSLA": 240}})
    simulated.exchange.configure(BINANCE_ACCOUNT)
    simulated.exchange.configure(ALPACA_ACCOUNT)
    yield simulated
    simulated.stop()


def http() -> JsonHttp:
    return JsonHttp(RetryPolicy(timeout_seconds=0.3, retries=1, backoff_seconds=0, backoff_cap_seconds=0))


def binance(market: SimulatedMarket, credentials: ApiCredentials = BINANCE) -> BinanceFuturesClient:
    return BinanceFuturesClient(credentials, futures_url=market.url, api_url=market.url, http=http())


def alpaca(market: SimulatedMarket, credentials: ApiCredentials = ALPACA) -> AlpacaTradingClient:
    return AlpacaTradingClient(credentials, paper=True, base_url=market.url, http=http())


def test_binance_client_reads_the_simulated_account(market: SimulatedMarket) -> None:
    client = binance(market)
    assert client.key_permissions() == KeyPermissions(can_read=True, can_withdraw=False, can_trade=True)
    state = client.account_state()
    assert state.cash == 10000
    assert state.positions == (ExchangePosition("ETHUSDT", Side.SHORT, Decimal(2), Decimal(3000), 5),)
    assert client.used_weight is not None
    assert client.used_weight > 0
    fills = client.fills("BTCUSDT", start_time=ago(48))
    assert [(f.side, f.quantity, f.price) for f in fills] == [
        (FillSide.BUY, Decimal("0.5"), Decimal(50000)),
        (FillSide.BUY, Decimal("0.5"), Decimal(52000)),
        (FillSide.SELL, Decimal("0.5"), Decimal(54000)),
        (FillSide.SELL, Decimal("0.5"), Decimal(49000)),
    ]
    # Binance's realizedPnl is before the commission: (54000 - 51000) x 0.5 against the average entry.
    assert (fills[2].realized_pnl, fills[3].realized_pnl) == (1500, -1000)
    assert fills[2].fee == Decimal("0.5")
    assert client.fills("BTCUSDT", from_id=fills[2].id) == fills[2:]
    exits = {order.id: order.exit_reason for order in client.orders("BTCUSDT", start_time=ago(48))}
    # The liquidation is in allOrders too, named as Binance names it (clientOrderId "autoclose-…").
    assert exits == {
        "101": ExitReason.MANUAL,
        "102": ExitReason.MANUAL,
        "103": ExitReason.TP_HIT,
        "104": ExitReason.LIQUIDATION,
    }
    assert [order.exit_reason for order in client.forced_orders("BTCUSDT")] == [ExitReason.LIQUIDATION]


def test_alpaca_client_reads_the_simulated_account(market: SimulatedMarket) -> None:
    client = alpaca(market)
    assert client.key_permissions().can_read
    state = client.account_state()
    assert state.cash == Decimal("2500.5")
    assert {(p.symbol, p.side, p.quantity, p.entry_price) for p in state.positions} == {
        ("AAPL", Side.LONG, Decimal(10), Decimal(180)),
        ("TSLA", Side.SHORT, Decimal(5), Decimal(250)),
    }
    fills = client.fills(after=ago(72))
    assert [(f.symbol, f.side, f.quantity) for f in fills] == [
        ("AAPL", FillSide.BUY, Decimal(10)),
        ("AAPL", FillSide.SELL, Decimal(4)),
        ("AAPL", FillSide.SELL, Decimal(6)),
        ("TSLA", FillSide.SELL, Decimal(5)),
        ("AAPL", FillSide.BUY, Decimal(10)),
    ]
    assert {f.fee for f in fills} == {Decimal(0)}
    assert client.fills(page_token=fills[1].id) == fills[2:]
    orders = client.orders(after=ago(72))
    exits = {order.client_order_id: order.exit_reason for order in orders}
    assert exits["tp-1"] is ExitReason.TP_HIT  # the bracket's limit leg
    assert orders[1].parent_id == orders[0].id
    assert exits["buy-2"] is ExitReason.MANUAL


@pytest.mark.parametrize("credentials", [ApiCredentials(BINANCE.key, "wrong"), ApiCredentials("nobody", "x")])
def test_binance_refusals(market: SimulatedMarket, credentials: ApiCredentials) -> None:
    with pytest.raises(KeysRefused):
        binance(market, credentials).account_state()


@pytest.mark.parametrize("credentials", [ApiCredentials(ALPACA.key, "wrong"), ApiCredentials("nobody", "x")])
def test_alpaca_refusals(market: SimulatedMarket, credentials: ApiCredentials) -> None:
    with pytest.raises(KeysRefused):
        alpaca(market, credentials).account_state()


@pytest.mark.parametrize("fault", ["error", "timeout", "garbage", "rate_limit", "redirect"])
def test_faults_are_provider_unavailable(market: SimulatedMarket, fault: str) -> None:
    key = f"faulty-{fault}"
    market.exchange.configure({**BINANCE_ACCOUNT, "api_key": key, "fault": fault})
    market.exchange.configure({**ALPACA_ACCOUNT, "api_key": f"{key}-alpaca", "fault": fault})
    with pytest.raises(ProviderUnavailable):
        binance(market, ApiCredentials(key, BINANCE.secret)).account_state()
    with pytest.raises(ProviderUnavailable):
        alpaca(market, ApiCredentials(f"{key}-alpaca", ALPACA.secret)).account_state()
