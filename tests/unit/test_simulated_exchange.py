"""The simulated exchange on the simulated market server, spoken to over plain HTTP with requests signed here
(hmac), as Binance and Alpaca are: signature and key refusals, each endpoint's shape, the realized P&L Binance
would report, paging by ``fromId`` / ``page_token``, rate limits and faults."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from infra.local.exchange_accounts import ExchangeError, Fill, parse_account, with_history
from infra.local.market import SimulatedMarket

BINANCE_KEY, BINANCE_SECRET = "binance-key-0001", "binance-secret-0001"
ALPACA_KEY, ALPACA_SECRET = "alpaca-key-0001", "alpaca-secret-0001"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(hours: float) -> str:
    return (NOW - timedelta(hours=hours)).isoformat()


def fill(order_id: str, side: str, quantity: float, price: float, hours_ago: float, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "symbol": extra.pop("symbol", "BTCUSDT"),
        "side": side,
        "quantity": quantity,
        "price": price,
        "fee": extra.pop("fee", 0.5),
        "time": ago(hours_ago),
        "order_type": extra.pop("order_type", "MARKET"),
        **extra,
    }


BINANCE_ACCOUNT = {
    "provider": "binance_futures",
    "api_key": BINANCE_KEY,
    "api_secret": BINANCE_SECRET,
    "can_withdraw": False,
    "cash": 10000.0,
    "positions": [
        {"symbol": "ETHUSDT", "side": "SHORT", "quantity": 2, "entry_price": 3000, "leverage": 5},
    ],
    "fills": [
        fill("101", "BUY", 0.5, 50000, 30),
        fill("102", "BUY", 0.5, 52000, 20),
        fill("103", "SELL", 0.5, 54000, 10, order_type="TAKE_PROFIT_MARKET"),
        fill("104", "SELL", 0.5, 49000, 5, order_type="LIQUIDATION"),
        fill("105", "SELL", 2, 3000, 3, symbol="ETHUSDT"),
        fill("106", "BUY", 0.1, 51000, 24 * 30),  # a month ago: outside the default 7-day window
    ],
}
ALPACA_ACCOUNT = {
    "provider": "alpaca",
    "api_key": ALPACA_KEY,
    "api_secret": ALPACA_SECRET,
    "cash": 2500.5,
    "positions": [
        {"symbol": "AAPL", "side": "LONG", "quantity": 10, "entry_price": 180, "leverage": 1},
        {"symbol": "TSLA", "side": "SHORT", "quantity": 5, "entry_price": 250, "leverage": 1},
    ],
    "fills": [
        fill("entry-1", "BUY", 10, 170, 50, symbol="AAPL", order_type="market", order_class="bracket", fee=0),
        fill("tp-1", "SELL", 4, 190, 40, symbol="AAPL", order_type="limit", order_class="bracket", fee=0),
        fill("tp-1", "SELL", 6, 191, 39, symbol="AAPL", order_type="limit", order_class="bracket", fee=0),
        fill("short-1", "SELL", 5, 250, 30, symbol="TSLA", order_type="market", fee=0),
        fill("buy-2", "BUY", 10, 180, 20, symbol="AAPL", order_type="limit", fee=0),
    ],
}


@pytest.fixture(scope="module")
def market() -> Iterator[SimulatedMarket]:
    simulated = SimulatedMarket(timeout_delay_seconds=0.5).start()
    simulated.configure({"prices": {"ETHUSDT": 2900, "AAPL": 200, "TSLA": 240}})
    simulated.exchange.configure(BINANCE_ACCOUNT)
    simulated.exchange.configure(ALPACA_ACCOUNT)
    yield simulated
    simulated.stop()


def get(market: SimulatedMarket, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    host = urlsplit(market.url)
    connection = http.client.HTTPConnection(str(host.hostname), host.port, timeout=10)
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def signed_query(params: dict[str, Any], secret: str = BINANCE_SECRET, *, timestamp: int | None = None) -> str:
    query = urlencode({**params, "timestamp": timestamp or int(time.time() * 1000)})
    signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


def binance(
    market: SimulatedMarket, path: str, params: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[int, dict[str, str], Any]:
    key = kwargs.pop("key", BINANCE_KEY)
    return get(market, f"{path}?{signed_query(params or {}, **kwargs)}", {"X-MBX-APIKEY": key})


def alpaca(market: SimulatedMarket, target: str, key: str = ALPACA_KEY, secret: str = ALPACA_SECRET) -> Any:
    return get(market, target, {"APCA-API-KEY-ID": key, "APCA-API-SECRET-KEY": secret})


# ---------------------------------------------------------------------------------------------- Binance auth


def test_a_signed_request_with_the_right_secret_is_answered(market: SimulatedMarket) -> None:
    status, headers, body = binance(market, "/fapi/v2/account")
    assert status == 200
    assert body["totalWalletBalance"] == "10000.00000000"
    assert int(headers["x-mbx-used-weight-1m"]) >= 5


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, -2014),
        ({"X-MBX-APIKEY": "nobody-set-this-key"}, 401, -2015),
        ({"X-MBX-APIKEY": ALPACA_KEY}, 401, -2015),
    ],
    ids=["missing key header", "unknown key", "another provider's key"],
)
def test_keys_are_refused_as_binance_refuses_them(
    market: SimulatedMarket, headers: dict[str, str], status: int, code: int
) -> None:
    reply_status, _, body = get(market, f"/fapi/v2/account?{signed_query({})}", headers)
    assert (reply_status, body["code"]) == (status, code)


def test_a_wrong_secret_or_an_altered_query_is_a_bad_signature(market: SimulatedMarket) -> None:
    status, _, body = binance(market, "/fapi/v2/positionRisk", secret="not-the-secret")
    assert (status, body) == (400, {"code": -1022, "msg": "Signature for this request is not valid."})
    query = signed_query({"symbol": "BTCUSDT"}).replace("symbol=BTCUSDT", "symbol=ETHUSDT")
    status, _, body = get(market, f"/fapi/v1/userTrades?{query}", {"X-MBX-APIKEY": BINANCE_KEY})
    assert (status, body["code"]) == (400, -1022)
    unsigned = urlencode({"timestamp": int(time.time() * 1000)})
    status, _, body = get(market, f"/fapi/v2/account?{unsigned}", {"X-MBX-APIKEY": BINANCE_KEY})
    assert (status, body["code"]) == (400, -1022)


def test_the_timestamp_must_be_within_the_recv_window(market: SimulatedMarket) -> None:
    stale = int(time.time() * 1000) - 10_000
    status, _, body = binance(market, "/fapi/v2/account", timestamp=stale)
    assert (status, body["code"]) == (400, -1021)
    assert body["msg"] == "Timestamp for this request is outside of the recvWindow."
    status, _, _ = binance(market, "/fapi/v2/account", {"recvWindow": 20_000}, timestamp=stale)
    assert status == 200
    ahead = int(time.time() * 1000) + 5_000
    assert binance(market, "/fapi/v2/account", timestamp=ahead)[2]["code"] == -1021
    assert binance(market, "/fapi/v2/account", {"recvWindow": 70_000})[2]["code"] == -1131
    status, _, body = get(market, "/fapi/v2/account?signature=ab", {"X-MBX-APIKEY": BINANCE_KEY})
    assert (status, body["code"]) == (400, -1102)


# ---------------------------------------------------------------------------------------------- Binance shapes


def test_api_restrictions_say_whether_the_key_may_withdraw(market: SimulatedMarket) -> None:
    status, headers, body = binance(market, "/sapi/v1/account/apiRestrictions")
    assert status == 200
    assert (body["enableReading"], body["enableWithdrawals"], body["enableFutures"]) == (True, False, True)
    assert "x-sapi-used-ip-weight-1m" in headers
    withdrawing = {**BINANCE_ACCOUNT, "api_key": "withdrawing-key", "can_withdraw": True}
    market.exchange.configure(withdrawing)
    assert binance(market, "/sapi/v1/account/apiRestrictions", key="withdrawing-key")[2]["enableWithdrawals"]


def test_account_and_position_risk_carry_the_positions_as_strings(market: SimulatedMarket) -> None:
    [risk] = binance(market, "/fapi/v2/positionRisk")[2]
    assert risk["symbol"] == "ETHUSDT"
    assert (risk["positionAmt"], risk["entryPrice"], risk["leverage"]) == ("-2", "3000", "5")
    assert (risk["positionSide"], risk["markPrice"]) == ("BOTH", "2900")
    assert Decimal(risk["unRealizedProfit"]) == 200
    account = binance(market, "/fapi/v2/account")[2]
    [usdt] = account["assets"]
    assert (usdt["asset"], Decimal(usdt["walletBalance"])) == ("USDT", 10000)
    assert Decimal(account["totalPositionInitialMargin"]) == Decimal(2900 * 2) / 5
    assert binance(market, "/fapi/v2/positionRisk", {"symbol": "BTCUSDT"})[2] == []


def test_user_trades_carry_the_realized_pnl_binance_would_report(market: SimulatedMarket) -> None:
    status, _, trades = binance(market, "/fapi/v1/userTrades", {"symbol": "BTCUSDT"})
    assert status == 200
    # The month-old fill is outside the last 7 days, which Binance answers when no time or id is sent.
    assert [t["orderId"] for t in trades] == [101, 102, 103, 104]
    assert [Decimal(t["realizedPnl"]) for t in trades] == [0, 0, 1500, -1000]  # entry 51,000 on average
    first = trades[0]
    assert (first["price"], first["qty"], first["commission"]) == ("50000", "0.5", "0.50000000")
    assert (first["side"], first["commissionAsset"], first["positionSide"], first["buyer"]) == (
        "BUY",
        "USDT",
        "BOTH",
        True,
    )
    assert [t["id"] for t in trades] == sorted(t["id"] for t in trades)
    status, _, body = binance(market, "/fapi/v1/userTrades")
    assert (status, body["code"]) == (400, -1102)


def test_user_trades_page_by_from_id(market: SimulatedMarket) -> None:
    everything = binance(market, "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": 0, "limit": 2})[2]
    assert [t["orderId"] for t in everything] == [106, 101]  # from the oldest, the month-old one too
    following = binance(
        market, "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": everything[-1]["id"] + 1, "limit": 2}
    )[2]
    assert [t["orderId"] for t in following] == [102, 103]
    status, _, body = binance(market, "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": 1, "startTime": 1})
    assert (status, body["code"]) == (400, -1128)


def test_orders_are_derived_from_the_fills_and_liquidations_are_forced_orders(market: SimulatedMarket) -> None:
    orders = binance(market, "/fapi/v1/allOrders", {"symbol": "BTCUSDT"})[2]
    by_id = {o["orderId"]: o for o in orders}
    assert set(by_id) == {101, 102, 103, 104}
    take_profit = by_id[103]
    assert (take_profit["type"], take_profit["origType"], take_profit["status"]) == (
        "TAKE_PROFIT_MARKET",
        "TAKE_PROFIT_MARKET",
        "FILLED",
    )
    assert (take_profit["avgPrice"], take_profit["executedQty"], take_profit["reduceOnly"]) == ("54000", "0.5", True)
    assert by_id[104]["clientOrderId"].startswith("autoclose-")
    forced = binance(market, "/fapi/v1/forceOrders")[2]
    assert [o["orderId"] for o in forced] == [104]
    _, headers, _ = binance(market, "/fapi/v1/forceOrders", {"symbol": "ETHUSDT"})
    assert "x-mbx-used-weight-1m" in headers


def test_partial_fills_make_one_order_at_the_weighted_price() -> None:
    account = parse_account(
        {
            "provider": "binance_futures",
            "api_key": "k",
            "api_secret": "s",
            "fills": [
                fill("7", "BUY", 1, 100, 3, order_type="LIMIT"),
                fill("7", "BUY", 3, 104, 2, order_type="LIMIT"),
            ],
        },
        None,
    )
    [order] = account.orders()
    assert (order.quantity, order.average_price) == (4, 103)


def test_realized_pnl_follows_the_average_entry_through_adds_closes_and_flips() -> None:
    def made(side: str, quantity: str, price: str, minute: int) -> Fill:
        moment = datetime(2026, 1, 1, 12, minute, tzinfo=UTC)
        return Fill("1", "X", side, Decimal(quantity), Decimal(price), Decimal(0), moment, "MARKET")

    fills = with_history(
        [
            made("BUY", "1", "100", 0),
            made("BUY", "1", "110", 1),  # average 105
            made("SELL", "1.5", "120", 2),  # +22.5
            made("SELL", "1", "90", 3),  # closes 0.5 at -7.5, opens 0.5 short at 90
            made("BUY", "0.5", "80", 4),  # +5
        ]
    )
    assert [f.realized_pnl for f in fills] == [0, 0, Decimal("22.5"), Decimal("-7.5"), 5]
    assert [f.opening for f in fills] == [True, True, False, False, False]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (1_700_000_000_123, datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)),
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_a_fill_time_is_iso_or_milliseconds(given: Any, expected: datetime) -> None:
    body = {"provider": "binance_futures", "api_key": "k", "api_secret": "s", "fills": [fill("1", "BUY", 1, 1, 1)]}
    body["fills"][0]["time"] = given
    assert parse_account(body, None).fills[0].time == expected


@pytest.mark.parametrize("given", [10**20, -5, "", True, 1.5])
def test_a_bad_fill_time_is_refused(given: Any) -> None:
    body = {"provider": "binance_futures", "api_key": "k", "api_secret": "s", "fills": [fill("1", "BUY", 1, 1, 1)]}
    body["fills"][0]["time"] = given
    with pytest.raises(ExchangeError, match=r"fills\[0\]\.time"):
        parse_account(body, None)


def test_a_given_realized_pnl_is_kept() -> None:
    given = {**fill("1", "SELL", 1, 10, 1), "realized_pnl": "12.34"}
    account = parse_account({"provider": "binance_futures", "api_key": "k", "api_secret": "s", "fills": [given]}, None)
    assert account.fills[0].realized_pnl == Decimal("12.34")


def test_past_the_weight_limit_a_key_gets_429_then_418(market: SimulatedMarket) -> None:
    market.exchange.configure({**BINANCE_ACCOUNT, "api_key": "busy-key"})
    market.exchange.weight_limit = 12
    try:
        statuses = [binance(market, "/fapi/v2/account", key="busy-key")[:2] for _ in range(8)]
    finally:
        market.exchange.weight_limit = 2400
    codes = [status for status, _ in statuses]
    assert codes[:2] == [200, 200]
    assert codes[2] == 429
    assert 418 in codes
    assert all(int(headers["retry-after"]) >= 1 for status, headers in statuses if status in (418, 429))


# ---------------------------------------------------------------------------------------------- Alpaca


@pytest.mark.parametrize(
    ("key", "secret"),
    [("nobody", ALPACA_SECRET), (ALPACA_KEY, "wrong"), (ALPACA_KEY, ""), (BINANCE_KEY, BINANCE_SECRET)],
)
def test_alpaca_refuses_unknown_keys_and_wrong_secrets(market: SimulatedMarket, key: str, secret: str) -> None:
    status, _, body = alpaca(market, "/v2/account", key, secret)
    assert (status, body) == (401, {"code": 40110000, "message": "request is not authorized"})


def test_alpaca_account_and_positions(market: SimulatedMarket) -> None:
    status, _, account = alpaca(market, "/v2/account")
    assert status == 200
    assert (account["status"], account["currency"], account["cash"]) == ("ACTIVE", "USD", "2500.50")
    positions = {p["symbol"]: p for p in alpaca(market, "/v2/positions")[2]}
    assert (positions["AAPL"]["qty"], positions["AAPL"]["side"], positions["AAPL"]["avg_entry_price"]) == (
        "10",
        "long",
        "180",
    )
    assert (positions["TSLA"]["qty"], positions["TSLA"]["side"]) == ("-5", "short")
    assert positions["AAPL"]["unrealized_pl"] == "200.00"


def test_alpaca_fill_activities_page_by_token(market: SimulatedMarket) -> None:
    target = "/v2/account/activities/FILL?direction=asc&page_size=2"
    first = alpaca(market, target)[2]
    second = alpaca(market, f"{target}&page_token={first[-1]['id']}")[2]
    third = alpaca(market, f"{target}&page_token={second[-1]['id']}")[2]
    rows = first + second + third
    assert [(r["side"], r["qty"], r["type"]) for r in rows] == [
        ("buy", "10", "fill"),
        ("sell", "4", "partial_fill"),
        ("sell", "6", "fill"),
        ("sell_short", "5", "fill"),
        ("buy", "10", "fill"),
    ]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert rows[1]["order_id"] == rows[2]["order_id"]
    assert (rows[1]["leaves_qty"], rows[1]["cum_qty"], rows[1]["activity_type"]) == ("6", "4", "FILL")
    newest_first = alpaca(market, "/v2/account/activities/FILL")[2]
    assert [r["id"] for r in newest_first] == [r["id"] for r in reversed(rows)]
    later = alpaca(market, f"/v2/account/activities/FILL?direction=asc&after={ago(35).replace('+00:00', 'Z')}")[2]
    assert [r["side"] for r in later] == ["sell_short", "buy"]


def test_alpaca_orders_nest_a_brackets_legs(market: SimulatedMarket) -> None:
    assert alpaca(market, "/v2/orders")[2] == []  # status=open by default: every simulated order is filled
    nested = alpaca(market, "/v2/orders?status=all&direction=asc&nested=true")[2]
    assert [(o["symbol"], o["type"], o["order_class"]) for o in nested] == [
        ("AAPL", "market", "bracket"),
        ("TSLA", "market", "simple"),
        ("AAPL", "limit", "simple"),
    ]
    [leg] = nested[0]["legs"]
    assert (leg["type"], leg["side"], leg["filled_qty"], Decimal(leg["filled_avg_price"])) == (
        "limit",
        "sell",
        "10",
        Decimal("190.6"),
    )
    flat = alpaca(market, "/v2/orders?status=all&direction=asc")[2]
    assert len(flat) == 4
    assert all(o["legs"] is None for o in flat)
    one = alpaca(market, f"/v2/orders/{nested[0]['id']}?nested=true")[2]
    assert one["legs"][0]["id"] == leg["id"]
    assert alpaca(market, "/v2/orders/00000000-0000-0000-0000-000000000000")[0] == 404


# ---------------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "binance_status", "alpaca_status"),
    [("error", 500, 500), ("rate_limit", 429, 429), ("garbage", 200, 200), ("redirect", 302, 302)],
)
def test_an_accounts_fault_answers_for_its_key(
    market: SimulatedMarket, fault: str, binance_status: int, alpaca_status: int
) -> None:
    market.exchange.configure({**BINANCE_ACCOUNT, "api_key": "faulty-binance", "fault": fault})
    market.exchange.configure({**ALPACA_ACCOUNT, "api_key": "faulty-alpaca", "fault": fault})
    status, headers, body = binance(market, "/fapi/v2/account", key="faulty-binance")
    assert status == binance_status
    if fault == "garbage":
        assert isinstance(body, bytes)
    if fault == "redirect":
        assert headers["location"].startswith("http://127.0.0.1:9")
    assert alpaca(market, "/v2/account", key="faulty-alpaca")[0] == alpaca_status
    assert binance(market, "/fapi/v2/account")[0] == 200  # other keys are answered as before


def test_the_markets_fault_applies_to_every_key(market: SimulatedMarket) -> None:
    market.configure({"fault": "error"})
    try:
        status, _, body = binance(market, "/fapi/v2/account")
        assert (status, body["code"]) == (500, -1000)
        assert alpaca(market, "/v2/account")[0] == 500
        assert binance(market, "/fapi/v2/account", key="nobody-set-this-key")[0] == 500
    finally:
        market.configure({"fault": None})
    assert binance(market, "/fapi/v2/account")[0] == 200


def test_a_timeout_fault_answers_late(market: SimulatedMarket) -> None:
    market.exchange.configure({**ALPACA_ACCOUNT, "api_key": "slow-alpaca", "fault": "timeout"})
    started = time.monotonic()
    assert alpaca(market, "/v2/account", key="slow-alpaca")[0] == 200
    assert time.monotonic() - started >= 0.4
    market.exchange.configure(
        {"provider": "alpaca", "api_key": "slow-alpaca", "api_secret": ALPACA_SECRET, "fault": None}
    )
    assert alpaca(market, "/v2/positions", key="slow-alpaca")[2][0]["symbol"] == "AAPL"  # the rest was kept


# ---------------------------------------------------------------------------------------------- the control body


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"provider": "kraken"}, "provider"),
        ({"api_key": ""}, "api_key"),
        ({"api_secret": "a\nb"}, "api_secret"),
        ({"cash": "NaN"}, "cash"),
        ({"can_withdraw": "no"}, "can_withdraw"),
        ({"fault": "flood"}, "fault"),
        ({"colour": 1}, "unknown fields"),
        ({"positions": [{"symbol": "BTCUSDT", "side": "UP", "quantity": 1, "entry_price": 1}]}, "positions[0].side"),
        ({"positions": [{"symbol": "BTCUSDT", "side": "LONG", "quantity": 0, "entry_price": 1}]}, "quantity"),
        ({"fills": [{**fill("1", "BUY", 1, 1, 1), "order_type": "limit"}]}, "fills[0].order_type"),
        ({"fills": [{**fill("1", "BUY", 1, 1, 1), "time": "yesterday"}]}, "fills[0].time"),
        ({"fills": [{**fill("1", "BUY", 1, -1, 1)}]}, "fills[0].price"),
        ({"fills": [{**fill("1", "BUY", 1, 1, 1), "order_class": "bracket"}]}, "order_class"),
    ],
)
def test_a_bad_body_is_refused_with_the_field_named(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ExchangeError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_account({**BINANCE_ACCOUNT, **change}, None)


def test_the_stored_account_is_answered_without_its_secret(market: SimulatedMarket) -> None:
    stored = market.exchange.configure(ALPACA_ACCOUNT)
    assert ALPACA_SECRET not in json.dumps(stored)
    assert "api_secret" not in stored
    assert (stored["cash"], stored["positions"][1]["side"]) == (2500.5, "SHORT")
