"""The connected accounts' production clients (Binance USD-M futures, Alpaca trading v2): Binance's signature
against the example in its documentation, the providers' documented answers parsed into domain values, the
exit-reason tables, and every refusal and fault over real HTTP against a small scripted server on loopback
(which checks each Binance request's signature as Binance does). The secret never reaches a log, an error or a
repr."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from goalpost.domain.accounts import (
    ApiCredentials,
    ExchangePosition,
    FillSide,
    KeyPermissions,
    Provider,
    exit_reason,
)
from goalpost.domain.errors import KeysRefused, ProviderUnavailable
from goalpost.domain.positions import ExitReason, Side
from goalpost.edges.accounts import alpaca_trading, binance_futures
from goalpost.edges.accounts.alpaca_trading import AlpacaTradingClient
from goalpost.edges.accounts.binance_futures import BinanceFuturesClient, sign, signed_query
from goalpost.edges.accounts.wire import parsed
from goalpost.edges.market.http import JsonHttp, RetryPolicy
from goalpost.settings import reset_settings

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "s3cr3t-NEVER-SHOWN-0123456789abcdefghijklmnopqrstuvwxyz"
CREDENTIALS = ApiCredentials(KEY, SECRET)
CLIENT_TIMEOUT = 0.5
NOW_MS = 1_700_000_000_000

# Recorded answers, as the providers' documentation shows them.
BINANCE_RESTRICTIONS = {
    "ipRestrict": False,
    "createTime": 1698645219000,
    "enableReading": True,
    "enableWithdrawals": False,
    "enableInternalTransfer": False,
    "enableMargin": False,
    "enableFutures": True,
    "permitsUniversalTransfer": False,
    "enableVanillaOptions": False,
    "enableSpotAndMarginTrading": False,
}
BINANCE_ACCOUNT = {
    "totalWalletBalance": "23.72469206",
    "totalUnrealizedProfit": "0.00000000",
    "availableBalance": "23.72469206",
    "assets": [
        {"asset": "USDT", "walletBalance": "23.72469206", "unrealizedProfit": "0.00000000"},
        {"asset": "BUSD", "walletBalance": "103.12345678", "unrealizedProfit": "0.00000000"},
    ],
    "positions": [],
}
BINANCE_POSITION_RISK = [
    {
        "entryPrice": "0.00000",
        "leverage": "10",
        "markPrice": "6679.50671178",
        "positionAmt": "0.000",
        "symbol": "BTCUSDT",
        "unRealizedProfit": "0.00000000",
        "positionSide": "BOTH",
        "updateTime": 0,
    },
    {
        "entryPrice": "50000.0",
        "leverage": "20",
        "markPrice": "49000.0",
        "positionAmt": "-0.500",
        "symbol": "ETHUSDT",
        "unRealizedProfit": "500.0",
        "positionSide": "BOTH",
        "updateTime": 1579276756075,
    },
    {
        "entryPrice": "0.5",
        "leverage": "5",
        "markPrice": "0.6",
        "positionAmt": "1000",
        "symbol": "DOGEUSDT",
        "unRealizedProfit": "100",
        "positionSide": "LONG",
        "updateTime": 1579276756075,
    },
]
BINANCE_TRADE = {
    "buyer": False,
    "commission": "-0.07819010",
    "commissionAsset": "USDT",
    "id": 698759,
    "maker": False,
    "orderId": 25851813,
    "price": "7819.01",
    "qty": "0.002",
    "quoteQty": "15.63802",
    "realizedPnl": "-0.91539999",
    "side": "SELL",
    "positionSide": "SHORT",
    "symbol": "BTCUSDT",
    "time": 1569514978020,
}
BINANCE_ORDER = {
    "avgPrice": "0.00000",
    "clientOrderId": "abc",
    "cumQuote": "0",
    "executedQty": "0",
    "orderId": 1917641,
    "origQty": "0.40",
    "origType": "TRAILING_STOP_MARKET",
    "price": "0",
    "reduceOnly": False,
    "side": "BUY",
    "positionSide": "SHORT",
    "status": "NEW",
    "stopPrice": "9300",
    "closePosition": False,
    "symbol": "BTCUSDT",
    "time": 1579276756075,
    "timeInForce": "GTC",
    "type": "TRAILING_STOP_MARKET",
    "activatePrice": "9020",
    "priceRate": "0.3",
    "updateTime": 1579276756075,
    "workingType": "CONTRACT_PRICE",
    "priceProtect": False,
}
BINANCE_FORCE_ORDER = {
    "orderId": 6071832819,
    "symbol": "BTCUSDT",
    "status": "FILLED",
    "clientOrderId": "autoclose-1596107620040000020",
    "price": "10871.09",
    "avgPrice": "10913.21000",
    "origQty": "0.001",
    "executedQty": "0.001",
    "cumQuote": "10.91321",
    "timeInForce": "IOC",
    "type": "LIMIT",
    "reduceOnly": False,
    "closePosition": False,
    "side": "SELL",
    "positionSide": "BOTH",
    "stopPrice": "0",
    "workingType": "CONTRACT_PRICE",
    "origType": "LIMIT",
    "time": 1596107620044,
    "updateTime": 1596107620087,
}
ALPACA_ACCOUNT = {
    "id": "e6fe16f3-64a4-4921-8928-cadf02f92f98",
    "account_number": "010203ABCD",
    "status": "ACTIVE",
    "currency": "USD",
    "cash": "-23140.2",
    "portfolio_value": "103820.56",
    "trading_blocked": False,
    "transfers_blocked": False,
    "account_blocked": False,
    "equity": "103820.56",
    "buying_power": "413282.24",
}
ALPACA_POSITIONS = [
    {
        "asset_id": "904837e3-3b76-47ec-b432-046db621571b",
        "symbol": "AAPL",
        "exchange": "NASDAQ",
        "asset_class": "us_equity",
        "avg_entry_price": "100.0",
        "qty": "5",
        "qty_available": "4",
        "side": "long",
        "market_value": "600.0",
        "cost_basis": "500.0",
        "unrealized_pl": "100.0",
        "current_price": "120.0",
    },
    {
        "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "symbol": "TSLA",
        "avg_entry_price": "250.25",
        "qty": "-3",
        "side": "short",
        "market_value": "-750.0",
        "cost_basis": "-750.75",
        "unrealized_pl": "0.75",
        "current_price": "250.0",
    },
]
ALPACA_FILL = {
    "activity_type": "FILL",
    "cum_qty": "1",
    "id": "20190524113406977::8efc7b9a-8b2b-4000-9955-d36e7db0df74",
    "leaves_qty": "0",
    "price": "1.63",
    "qty": "1",
    "side": "sell_short",
    "symbol": "LPCN",
    "transaction_time": "2019-05-24T15:34:06.977532107Z",
    "order_id": "904837e3-3b76-47ec-b432-046db621571b",
    "type": "fill",
    "order_status": "filled",
}


def alpaca_order(order_id: str, order_type: str, *, legs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    filled = order_type != "stop"
    return {
        "id": order_id,
        "client_order_id": f"client-{order_id}",
        "submitted_at": "2021-03-16T18:38:01.937734Z",
        "filled_at": "2021-03-16T18:38:01.94Z" if filled else None,
        "symbol": "AAPL",
        "qty": "100",
        "filled_qty": "100" if filled else "0",
        "filled_avg_price": "120.5" if filled else None,
        "order_class": "bracket" if legs else "",
        "type": order_type,
        "side": "buy" if legs else "sell",
        "status": "filled" if filled else "canceled",
        "legs": legs,
    }


ALPACA_BRACKET = alpaca_order(
    "61e69015-8549-4bfd-b9c3-01e75843f47d",
    "market",
    legs=[alpaca_order("leg-take-profit", "limit"), alpaca_order("leg-stop-loss", "stop")],
)


# --- the signature -------------------------------------------------------------------------------------------


def test_signature_is_binance_documented_example() -> None:
    # "SIGNED Endpoint Examples" in Binance's API documentation: this secret, this query, this signature.
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    query = (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    )
    assert sign(secret, query) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"


def test_signed_query_signs_exactly_what_is_sent_and_appends_the_signature_last() -> None:
    query = signed_query(CREDENTIALS, [("symbol", "BTCUSDT"), ("limit", 1000)], NOW_MS, 5000)
    unsigned, _, signature = query.rpartition("&signature=")
    assert unsigned == f"symbol=BTCUSDT&limit=1000&recvWindow=5000&timestamp={NOW_MS}"
    assert signature == hmac.new(SECRET.encode(), unsigned.encode(), hashlib.sha256).hexdigest()


# --- the exit reasons ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "order_type", "leg", "expected"),
    [
        (Provider.BINANCE_FUTURES, "STOP", False, ExitReason.SL_HIT),
        (Provider.BINANCE_FUTURES, "STOP_MARKET", False, ExitReason.SL_HIT),
        (Provider.BINANCE_FUTURES, "TAKE_PROFIT", False, ExitReason.TP_HIT),
        (Provider.BINANCE_FUTURES, "TAKE_PROFIT_MARKET", False, ExitReason.TP_HIT),
        (Provider.BINANCE_FUTURES, "TRAILING_STOP_MARKET", False, ExitReason.TRAILING_STOP),
        (Provider.BINANCE_FUTURES, "LIQUIDATION", False, ExitReason.LIQUIDATION),
        (Provider.BINANCE_FUTURES, "MARKET", False, ExitReason.MANUAL),
        (Provider.BINANCE_FUTURES, "LIMIT", False, ExitReason.MANUAL),
        (Provider.BINANCE_FUTURES, "SOMETHING_NEW", False, ExitReason.MANUAL),
        (Provider.ALPACA, "stop", False, ExitReason.SL_HIT),
        (Provider.ALPACA, "stop_limit", False, ExitReason.SL_HIT),
        (Provider.ALPACA, "trailing_stop", False, ExitReason.TRAILING_STOP),
        (Provider.ALPACA, "market", False, ExitReason.MANUAL),
        (Provider.ALPACA, "limit", False, ExitReason.MANUAL),  # a plain limit order is the user's own exit
        (Provider.ALPACA, "limit", True, ExitReason.TP_HIT),  # a bracket's limit leg is its take-profit
        (Provider.ALPACA, "stop", True, ExitReason.SL_HIT),
        (Provider.ALPACA, "stop_limit", True, ExitReason.SL_HIT),
        (Provider.ALPACA, "market", True, ExitReason.MANUAL),
    ],
)
def test_exit_reason_tables(provider: Provider, order_type: str, leg: bool, expected: ExitReason) -> None:
    assert exit_reason(provider, order_type, leg=leg) is expected


@pytest.mark.parametrize("provider", list(Provider))
def test_a_forced_order_is_a_liquidation_whatever_its_type(provider: Provider) -> None:
    assert exit_reason(provider, "LIMIT", forced=True) is ExitReason.LIQUIDATION


# --- recorded answers ----------------------------------------------------------------------------------------


def test_binance_answers_parse_into_domain_values() -> None:
    permissions = binance_futures.parse_permissions(BINANCE_RESTRICTIONS)
    assert permissions == KeyPermissions(can_read=True, can_withdraw=False, can_trade=True)
    assert binance_futures.parse_permissions({**BINANCE_RESTRICTIONS, "enableWithdrawals": True}).can_withdraw
    assert binance_futures.parse_wallet(BINANCE_ACCOUNT) == Decimal("23.72469206")
    assert binance_futures.parse_wallet({"totalWalletBalance": "5.5", "assets": []}) == Decimal("5.5")
    # A zero amount is no position; one-way mode's sign says the side, hedge mode's positionSide says it.
    assert binance_futures.parse_positions(BINANCE_POSITION_RISK) == (
        ExchangePosition("ETHUSDT", Side.SHORT, Decimal("0.500"), Decimal("50000.0"), 20),
        ExchangePosition("DOGEUSDT", Side.LONG, Decimal(1000), Decimal("0.5"), 5),
    )
    fill = binance_futures.parse_fill(BINANCE_TRADE)
    assert (fill.id, fill.order_id, fill.symbol, fill.side) == ("698759", "25851813", "BTCUSDT", FillSide.SELL)
    assert (fill.quantity, fill.price) == (Decimal("0.002"), Decimal("7819.01"))
    assert (fill.fee, fill.realized_pnl) == (Decimal("-0.07819010"), Decimal("-0.91539999"))
    assert fill.time == datetime(2019, 9, 26, 16, 22, 58, 20000, tzinfo=UTC)
    order = binance_futures.parse_order(BINANCE_ORDER)
    assert (order.id, order.type, order.exit_reason) == ("1917641", "TRAILING_STOP_MARKET", ExitReason.TRAILING_STOP)
    assert (order.status, order.filled_quantity, order.average_price) == ("NEW", Decimal(0), None)
    # After a take-profit triggers, its type may read MARKET: the type it was placed as decides.
    triggered = binance_futures.parse_order({**BINANCE_ORDER, "type": "MARKET", "origType": "TAKE_PROFIT_MARKET"})
    assert triggered.exit_reason is ExitReason.TP_HIT
    forced = binance_futures.parse_order(BINANCE_FORCE_ORDER, forced=True)
    assert (forced.exit_reason, forced.average_price) == (ExitReason.LIQUIDATION, Decimal("10913.21000"))
    # In allOrders, Binance's own closes are known by their client order id.
    for client_order_id in ("autoclose-1596107620040000020", "adl_autoclose"):
        named = binance_futures.parse_order({**BINANCE_FORCE_ORDER, "clientOrderId": client_order_id})
        assert named.exit_reason is ExitReason.LIQUIDATION
    assert (
        binance_futures.parse_order({**BINANCE_FORCE_ORDER, "clientOrderId": "mine"}).exit_reason is ExitReason.MANUAL
    )


def test_alpaca_answers_parse_into_domain_values() -> None:
    assert alpaca_trading.parse_permissions(ALPACA_ACCOUNT) == KeyPermissions(True, False, True)
    assert alpaca_trading.parse_cash(ALPACA_ACCOUNT) == Decimal("-23140.2")
    assert alpaca_trading.parse_positions(ALPACA_POSITIONS) == (
        ExchangePosition("AAPL", Side.LONG, Decimal(5), Decimal("100.0"), 1),
        ExchangePosition("TSLA", Side.SHORT, Decimal(3), Decimal("250.25"), 1),
    )
    fill = alpaca_trading.parse_fill(ALPACA_FILL)
    assert (fill.side, fill.quantity, fill.price, fill.fee, fill.realized_pnl) == (
        FillSide.SELL,
        Decimal(1),
        Decimal("1.63"),
        Decimal(0),
        None,
    )
    assert fill.time == datetime(2019, 5, 24, 15, 34, 6, 977532, tzinfo=UTC)
    orders = alpaca_trading.parse_orders([ALPACA_BRACKET])
    assert [(order.id, order.type, order.parent_id, order.exit_reason) for order in orders] == [
        (ALPACA_BRACKET["id"], "market", None, ExitReason.MANUAL),
        ("leg-take-profit", "limit", ALPACA_BRACKET["id"], ExitReason.TP_HIT),
        ("leg-stop-loss", "stop", ALPACA_BRACKET["id"], ExitReason.SL_HIT),
    ]
    assert orders[1].average_price == Decimal("120.5")
    assert orders[2].average_price is None


@pytest.mark.parametrize(
    "body",
    [
        {"not": "a list"},
        [{"symbol": "BTCUSDT", "positionAmt": "abc", "entryPrice": "1", "leverage": "1"}],
        [{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "NaN", "leverage": "1"}],
        [{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "1", "leverage": "1.5"}],
        [{"symbol": "", "positionAmt": "1", "entryPrice": "1", "leverage": "1"}],
    ],
)
def test_a_malformed_binance_answer_is_refused_not_guessed(body: Any) -> None:
    with pytest.raises(ValueError, match=r".+"):
        binance_futures.parse_positions(body)


# --- over HTTP -----------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (garbage)
    delay: float = 0.0


@dataclass
class Seen:
    path: str
    query: str
    headers: dict[str, str]


class ScriptedServer:
    """Answers each path from its script (the last answer repeats) and records every request. A Binance
    request whose signature does not verify under ``secret`` gets Binance's -1022, as Binance would answer."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.script: dict[str, list[Answer]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def answer(self, path: str, *answers: Answer) -> None:
        self.script[path] = list(answers)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        with self.lock:
            self.seen.append(Seen(parts.path, parts.query, dict(request.headers.items())))
            queue = self.script.get(parts.path, [Answer(404, {"code": -5000, "msg": "no such path"})])
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if "X-MBX-APIKEY" in request.headers and not self.signed(parts.query):
            answer = Answer(400, {"code": -1022, "msg": "Signature for this request is not valid."})
        if answer.delay:
            time.sleep(answer.delay)
        data = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
        try:
            request.send_response(answer.status)
            for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    def signed(self, query: str) -> bool:
        unsigned, _, signature = query.rpartition("&signature=")
        return hmac.compare_digest(signature, sign(self.secret, unsigned))

    def params(self, index: int) -> dict[str, str]:
        return dict(parse_qsl(self.seen[index].query))

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.stop()


def http_client(pauses: list[float] | None = None) -> JsonHttp:
    policy = RetryPolicy(timeout_seconds=CLIENT_TIMEOUT, retries=2, backoff_seconds=0.01, backoff_cap_seconds=0.05)
    return JsonHttp(policy, sleep=(pauses.append if pauses is not None else lambda _: None))


def binance(server: ScriptedServer, pauses: list[float] | None = None) -> BinanceFuturesClient:
    return BinanceFuturesClient(
        CREDENTIALS,
        futures_url=server.url,
        api_url=server.url,
        http=http_client(pauses),
        clock_ms=lambda: NOW_MS,
    )


def alpaca(server: ScriptedServer, pauses: list[float] | None = None) -> AlpacaTradingClient:
    return AlpacaTradingClient(CREDENTIALS, paper=True, base_url=server.url, http=http_client(pauses))


def test_binance_account_state_signed_with_the_key_header_and_the_weight_read(server: ScriptedServer) -> None:
    server.answer("/fapi/v2/account", Answer(body=BINANCE_ACCOUNT, headers={"X-MBX-USED-WEIGHT-1M": "5"}))
    server.answer("/fapi/v2/positionRisk", Answer(body=BINANCE_POSITION_RISK, headers={"X-MBX-USED-WEIGHT-1M": "10"}))
    client = binance(server)
    assert client.used_weight is None
    state = client.account_state()
    assert state.cash == Decimal("23.72469206")
    assert [position.symbol for position in state.positions] == ["ETHUSDT", "DOGEUSDT"]
    assert client.used_weight == 10
    assert client.requests == 2
    for seen in server.seen:
        assert seen.headers["X-MBX-APIKEY"] == KEY
        assert SECRET not in seen.query
        assert server.signed(seen.query)
    assert server.params(0) == {
        "recvWindow": "5000",
        "timestamp": str(NOW_MS),
        "signature": server.params(0)["signature"],
    }


def test_binance_key_permissions_read_the_restrictions(server: ScriptedServer) -> None:
    server.answer("/sapi/v1/account/apiRestrictions", Answer(body={**BINANCE_RESTRICTIONS, "enableWithdrawals": True}))
    assert binance(server).key_permissions() == KeyPermissions(can_read=True, can_withdraw=True, can_trade=True)


def test_binance_fills_page_on_from_the_last_id(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(binance_futures, "TRADES_PAGE", 2)
    trades = [{**BINANCE_TRADE, "id": trade_id} for trade_id in (10, 11, 12)]
    server.answer("/fapi/v1/userTrades", Answer(body=trades[:2]), Answer(body=trades[2:]))
    fills = binance(server).fills("BTCUSDT", from_id=10)
    assert [fill.id for fill in fills] == ["10", "11", "12"]
    assert [(server.params(i)["fromId"], server.params(i)["limit"]) for i in range(2)] == [("10", "2"), ("12", "2")]
    assert {server.params(i)["symbol"] for i in range(2)} == {"BTCUSDT"}


def test_binance_orders_and_forced_orders(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(binance_futures, "ORDERS_PAGE", 1)
    take_profit = {**BINANCE_ORDER, "orderId": 7, "origType": "TAKE_PROFIT_MARKET", "status": "FILLED"}
    server.answer("/fapi/v1/allOrders", Answer(body=[BINANCE_ORDER]), Answer(body=[take_profit]), Answer(body=[]))
    server.answer("/fapi/v1/forceOrders", Answer(body=[BINANCE_FORCE_ORDER]))
    client = binance(server)
    orders = client.orders("BTCUSDT", start_time=datetime(2020, 1, 17, tzinfo=UTC))
    assert [order.exit_reason for order in orders] == [ExitReason.TRAILING_STOP, ExitReason.TP_HIT]
    assert server.params(0)["startTime"] == "1579219200000"
    assert server.params(1)["orderId"] == "1917642"
    assert [order.exit_reason for order in client.forced_orders("BTCUSDT")] == [ExitReason.LIQUIDATION]
    assert server.params(3)["limit"] == "100"


@pytest.mark.parametrize(
    "answer",
    [
        Answer(401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}),
        Answer(401, {"code": -2014, "msg": "API-key format invalid."}),
        Answer(400, {"code": -1022, "msg": "Signature for this request is not valid."}),
    ],
)
def test_binance_refused_keys(server: ScriptedServer, answer: Answer) -> None:
    server.answer("/fapi/v2/account", answer)
    with pytest.raises(KeysRefused, match="the provider refused these keys"):
        binance(server).account_state()
    assert len(server.seen) == 1  # a refusal is final: never retried


def test_binance_wrong_secret_is_refused_by_the_signature_check(server: ScriptedServer) -> None:
    server.answer("/fapi/v2/account", Answer(body=BINANCE_ACCOUNT))
    wrong = BinanceFuturesClient(
        ApiCredentials(KEY, "not-the-secret"), futures_url=server.url, api_url=server.url, http=http_client()
    )
    with pytest.raises(KeysRefused):
        wrong.account_state()


@pytest.mark.parametrize(
    ("answer", "requests"),
    [
        (Answer(500, {"msg": "internal"}), 3),
        (Answer(503, raw=b"<html>Service Unavailable</html>"), 3),
        (Answer(200, raw=b"{not json"), 1),
        (Answer(302, raw=b"", headers={"Location": "https://evil.example/"}), 1),
        (Answer(400, {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}), 1),
        (Answer(418, {"code": -1003, "msg": "Way too many requests; IP banned."}, {"Retry-After": "120"}), 1),
        (Answer(429, {"code": -1003, "msg": "Too many requests."}, {"Retry-After": "0"}), 3),
        (Answer(200, body={"an": "object"}), 1),
        (Answer(delay=CLIENT_TIMEOUT * 3), 3),
    ],
    ids=["500", "503-html", "garbage", "redirect", "clock", "banned", "rate-limited", "wrong-shape", "timeout"],
)
def test_binance_faults_are_provider_unavailable(server: ScriptedServer, answer: Answer, requests: int) -> None:
    server.answer("/fapi/v2/positionRisk", answer)
    client = binance(server)
    with pytest.raises(ProviderUnavailable) as raised:
        parsed("binance_futures", binance_futures.parse_positions, client._get(server.url, "/fapi/v2/positionRisk"))
    assert raised.value.status_code == 502
    assert raised.value.detail.startswith("binance_futures: ")
    assert len(server.seen) == requests


def test_a_ban_or_a_lasting_rate_limit_says_how_long_to_wait(server: ScriptedServer) -> None:
    banned = Answer(418, {"code": -1003, "msg": "Way too many requests; IP banned."}, {"Retry-After": "120"})
    server.answer("/fapi/v2/account", banned)
    with pytest.raises(ProviderUnavailable) as raised:
        binance(server).account_state()
    assert raised.value.retry_after_seconds == 120
    server.answer("/v2/account", Answer(429, {"message": "too many requests."}, {"Retry-After": "7"}))
    with pytest.raises(ProviderUnavailable) as raised:
        alpaca(server).account_state()
    assert raised.value.retry_after_seconds == 7
    server.answer("/v2/positions", Answer(500, {"message": "internal"}))
    with pytest.raises(ProviderUnavailable) as raised:
        alpaca(server)._get("/v2/positions")
    assert raised.value.retry_after_seconds is None


def test_binance_rate_limit_then_success_is_retried_after_retry_after(server: ScriptedServer) -> None:
    limited = Answer(429, {"code": -1003, "msg": "Too many requests."}, {"Retry-After": "0.02"})
    server.answer("/fapi/v2/positionRisk", limited, Answer(body=[], headers={"X-MBX-USED-WEIGHT-1M": "2399"}))
    server.answer("/fapi/v2/account", Answer(body=BINANCE_ACCOUNT))
    pauses: list[float] = []
    client = binance(server, pauses)
    assert client.account_state().positions == ()
    assert pauses == [0.02]
    assert client.used_weight == 2399
    assert client.requests == 3


def test_alpaca_account_state_with_key_headers_on_the_paper_url(server: ScriptedServer) -> None:
    server.answer("/v2/account", Answer(body=ALPACA_ACCOUNT))
    server.answer("/v2/positions", Answer(body=ALPACA_POSITIONS))
    client = alpaca(server)
    state = client.account_state()
    assert state.cash == Decimal("-23140.2")
    assert len(state.positions) == 2
    assert client.key_permissions().can_read
    for seen in server.seen:
        assert (seen.headers["APCA-API-KEY-ID"], seen.headers["APCA-API-SECRET-KEY"]) == (KEY, SECRET)


def test_alpaca_base_url_follows_the_paper_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPACA_TRADING_URL", "http://live.invalid/")
    monkeypatch.setenv("ALPACA_PAPER_URL", "http://paper.invalid")
    reset_settings()
    try:
        assert AlpacaTradingClient(CREDENTIALS, paper=False).base_url == "http://live.invalid"
        assert AlpacaTradingClient(CREDENTIALS, paper=True).base_url == "http://paper.invalid"
    finally:
        monkeypatch.undo()
        reset_settings()
    assert AlpacaTradingClient(CREDENTIALS, paper=False).base_url == "https://api.alpaca.markets"
    assert AlpacaTradingClient(CREDENTIALS, paper=True).base_url == "https://paper-api.alpaca.markets"


def test_alpaca_fills_page_on_with_the_last_id(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alpaca_trading, "ACTIVITIES_PAGE", 2)
    fills = [{**ALPACA_FILL, "id": f"2019052411340697{n}::uuid-{n}"} for n in range(3)]
    server.answer("/v2/account/activities/FILL", Answer(body=fills[:2]), Answer(body=fills[2:]))
    after = datetime(2019, 5, 24, tzinfo=UTC)
    got = alpaca(server).fills(after=after)
    assert [fill.id for fill in got] == [fill["id"] for fill in fills]
    first, second = server.params(0), server.params(1)
    assert (first["after"], first["direction"], first["page_size"]) == (after.isoformat(), "asc", "2")
    assert "page_token" not in first
    assert second["page_token"] == fills[1]["id"]


def test_alpaca_orders_nested_with_legs(server: ScriptedServer) -> None:
    server.answer("/v2/orders", Answer(body=[ALPACA_BRACKET]))
    orders = alpaca(server).orders()
    assert [order.exit_reason for order in orders] == [ExitReason.MANUAL, ExitReason.TP_HIT, ExitReason.SL_HIT]
    params = server.params(0)
    assert (params["status"], params["nested"], params["direction"], params["limit"]) == ("all", "true", "asc", "500")


def test_alpaca_orders_page_on_from_just_before_the_last_submission(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alpaca_trading, "ORDERS_PAGE", 2)
    first = {**alpaca_order("o1", "market"), "submitted_at": "2021-03-16T18:38:01.000001Z"}
    second = {**alpaca_order("o2", "market"), "submitted_at": "2021-03-16T18:38:02Z"}
    third = {**alpaca_order("o3", "stop_limit"), "submitted_at": "2021-03-16T18:38:02Z"}
    server.answer("/v2/orders", Answer(body=[first, second]), Answer(body=[second, third]), Answer(body=[third]))
    orders = alpaca(server).orders()
    assert [order.id for order in orders] == ["o1", "o2", "o3"]
    assert orders[2].exit_reason is ExitReason.SL_HIT
    assert "after" not in server.params(0)
    assert server.params(1)["after"] == "2021-03-16T18:38:01.999999+00:00"


@pytest.mark.parametrize(
    "answer",
    [Answer(401, {"code": 40110000, "message": "request is not authorized"}), Answer(403, {"message": "forbidden"})],
)
def test_alpaca_refused_keys(server: ScriptedServer, answer: Answer) -> None:
    server.answer("/v2/account", answer)
    with pytest.raises(KeysRefused):
        alpaca(server).key_permissions()


def test_alpaca_rate_limit_then_success_and_faults(server: ScriptedServer) -> None:
    server.answer("/v2/account", Answer(429, {"message": "too many requests."}), Answer(body=ALPACA_ACCOUNT))
    pauses: list[float] = []
    assert alpaca(server, pauses).key_permissions().can_read
    assert len(pauses) == 1  # no Retry-After: the jittered backoff
    server.answer("/v2/positions", Answer(200, raw=b"[{]"))
    with pytest.raises(ProviderUnavailable, match="malformed"):
        alpaca(server).account_state()


# --- the secret stays secret ---------------------------------------------------------------------------------


def test_the_secret_is_in_no_repr() -> None:
    for shown in (repr(CREDENTIALS), str(CREDENTIALS), repr(BinanceFuturesClient(CREDENTIALS))):
        assert SECRET not in shown
        assert KEY not in shown
    assert CREDENTIALS.key_hint in repr(CREDENTIALS)
    assert SECRET not in repr(AlpacaTradingClient(CREDENTIALS, paper=True))


def test_the_secret_is_in_no_log_and_no_error(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level("DEBUG")
    server.answer("/v2/account", Answer(401, {"code": 40110000, "message": f"request is not authorized {KEY}"}))
    server.answer("/v2/positions", Answer(500, {"message": "internal"}))
    server.answer("/fapi/v2/account", Answer(429, {"msg": "slow down"}, {"Retry-After": "0"}))
    server.answer("/fapi/v2/positionRisk", Answer(200, raw=b"garbage"))
    errors: list[BaseException] = []
    for call in (
        alpaca(server).key_permissions,
        lambda: alpaca(server)._get("/v2/positions"),
        binance(server).account_state,
        lambda: binance(server)._get(server.url, "/fapi/v2/positionRisk"),
    ):
        with pytest.raises((KeysRefused, ProviderUnavailable)) as raised:
            call()
        errors.append(raised.value)
    out, err = capfd.readouterr()
    assert "Provider unavailable" in out + err + caplog.text  # the logs were captured
    shown = [out, err, caplog.text, *(repr(vars(record)) for record in caplog.records)]
    shown += [*(str(error) for error in errors), *(repr(error) for error in errors)]
    shown += [repr(error.__cause__) for error in errors] + [repr(error.__context__) for error in errors]
    for text in shown:
        assert SECRET not in text
