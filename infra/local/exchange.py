"""The simulated exchange accounts behind the simulated market server: Binance USD-M futures' signed endpoints
and Alpaca's trading API v2, answered from accounts set by ``PUT /_local/exchange`` and keyed by API key, so
that the production account clients are what talk to them.

Binance (signed: ``timestamp``, ``recvWindow``, ``signature`` = hex HMAC-SHA256 of the query as sent without
it, header ``X-MBX-APIKEY``): ``/sapi/v1/account/apiRestrictions``, ``/fapi/v2/account``,
``/fapi/v2/positionRisk``, ``/fapi/v1/userTrades``, ``/fapi/v1/allOrders``, ``/fapi/v1/forceOrders``, and the
unsigned ``/fapi/v1/time``. Alpaca (headers ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY``): ``/v2/account``,
``/v2/positions``, ``/v2/account/activities/FILL``, ``/v2/orders``, ``/v2/orders/{id}``.

An account's ``fills`` are its trade history; the orders, the Binance ``realizedPnl`` a fill leaves out, and
the trade and activity ids (stable, increasing in time order, for paging) are derived from them. The accounts
themselves, and what their fills imply, are ``infra.local.exchange_accounts``.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local.exchange_accounts import Account, Fill, Holding, Order, parse_account
from infra.local.market import Answer, dumps

# Binance: request weight per minute (counted per key here; Binance counts per IP, and every test runs from
# 127.0.0.1), the weight of each endpoint, and the ban after repeated 429s.
BINANCE_WEIGHT_LIMIT = 2400
BINANCE_BAN_AFTER_429S = 3
BINANCE_BAN_SECONDS = 120
ALPACA_REQUESTS_PER_MINUTE = 200
DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60000
SEVEN_DAYS = timedelta(days=7)
BINANCE_ORDER_ID_BASE = 8_000_000_000  # where order ids that were not integers are numbered from
BINANCE_TRADE_ID_BASE = 400_000_000
API_RESTRICTIONS = "/sapi/v1/account/apiRestrictions"
BINANCE_WEIGHTS = {
    "/fapi/v1/time": 1,
    API_RESTRICTIONS: 1,
    "/fapi/v2/account": 5,
    "/fapi/v2/positionRisk": 5,
    "/fapi/v1/userTrades": 5,
    "/fapi/v1/allOrders": 5,
    "/fapi/v1/forceOrders": 50,  # 20 with a symbol
}
ALPACA_ORDER_PREFIX = "/v2/orders/"
ALPACA_PATHS = frozenset({"/v2/account", "/v2/positions", "/v2/account/activities/FILL", "/v2/orders"})


# ---------------------------------------------------------------------------------------------- the wire


def _text_number(value: Decimal, places: int | None = None) -> str:
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value.normalize() if places is None else value, "f")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _answer(status: int, body: Any, *headers: tuple[str, str]) -> Answer:
    return Answer(status, dumps(body), headers)


def _binance_error(status: int, code: int, message: str, *headers: tuple[str, str]) -> Answer:
    return _answer(status, {"code": code, "msg": message}, *headers)


def _alpaca_unauthorized() -> Answer:
    return _answer(HTTPStatus.UNAUTHORIZED, {"code": 40110000, "message": "request is not authorized"})


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "goalpost-simulated:" + ":".join(parts)))


@dataclass
class _Usage:
    """One key's request count in the current minute, and its ban if it kept asking past a 429."""

    minute: int = -1
    used: int = 0
    refusals: int = 0
    banned_until: float = 0.0


class SimulatedExchange:
    def __init__(
        self,
        *,
        fault_answer: Callable[[str | None, bool], Answer | None],
        mark_price: Callable[[str], Decimal | None],
        weight_limit: int = BINANCE_WEIGHT_LIMIT,
        alpaca_requests_per_minute: int = ALPACA_REQUESTS_PER_MINUTE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``fault_answer``: the market's fault machinery (fault, alpaca?) -> its answer or None;
        ``mark_price``: the market's price of a symbol (None when it has none: the entry price is used)."""
        self._fault_answer = fault_answer
        self._mark_price = mark_price
        self.weight_limit = weight_limit
        self.alpaca_requests_per_minute = alpaca_requests_per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._usage: dict[str, _Usage] = {}

    @staticmethod
    def serves(path: str) -> bool:
        return path in BINANCE_WEIGHTS or path in ALPACA_PATHS or path.startswith(ALPACA_ORDER_PREFIX)

    @staticmethod
    def is_alpaca(path: str) -> bool:
        return path not in BINANCE_WEIGHTS

    def configure(self, body: Any) -> dict[str, Any]:
        """``PUT /_local/exchange``: sets the account behind one key; answers it without its secret."""
        with self._lock:
            existing = self._accounts.get(str(body.get("api_key"))) if isinstance(body, dict) else None
            account = parse_account(body, existing)
            self._accounts[account.api_key] = account
            self._usage.pop(account.api_key, None)
        return account.public()

    def account(self, api_key: str) -> Account | None:
        with self._lock:
            return self._accounts.get(api_key)

    def update(self, api_key: str, change: Callable[[Account], Account]) -> Account | None:
        """Replaces the account behind a key by ``change(account)`` in one step, so that a PUT cannot land
        in between (the demo's bot trading); None, and nothing changed, when no account has that key."""
        with self._lock:
            account = self._accounts.get(api_key)
            if account is None:
                return None
            self._accounts[api_key] = changed = change(account)
            return changed

    def mark_price(self, symbol: str) -> Decimal | None:
        """The market's price of a symbol now (None when it has none yet)."""
        return self._mark_price(symbol)

    # ------------------------------------------------------------ serving

    def answer(self, target: str, headers: Any) -> Answer:
        split = urlsplit(target)
        path, raw_query = split.path, split.query
        query = {name: values[-1] for name, values in parse_qs(raw_query, keep_blank_values=True).items()}
        if path in BINANCE_WEIGHTS:
            return self._binance(path, raw_query, query, headers)
        return self._alpaca(path, query, headers)

    def _faulted(self, account: Account, alpaca: bool) -> Answer | None:
        return self._fault_answer(account.fault, alpaca) if account.fault else None

    # ------------------------------------------------------------ Binance

    def _binance(self, path: str, raw_query: str, query: dict[str, str], headers: Any) -> Answer:
        now = self.clock()
        if path == "/fapi/v1/time":
            return _answer(HTTPStatus.OK, {"serverTime": int(now * 1000)})
        key = headers.get("X-MBX-APIKEY")
        if not key:
            return _binance_error(HTTPStatus.UNAUTHORIZED, -2014, "API-key format invalid.")
        account = self.account(key)
        if account is None or account.provider != "binance_futures":
            return _binance_error(HTTPStatus.UNAUTHORIZED, -2015, "Invalid API-key, IP, or permissions for action.")
        faulted = self._faulted(account, alpaca=False)
        if faulted is not None:
            return faulted
        weight = 20 if path == "/fapi/v1/forceOrders" and query.get("symbol") else BINANCE_WEIGHTS[path]
        used, limited = self._spend_weight(key, weight, now)
        weight_header = ("X-SAPI-USED-IP-WEIGHT-1M" if path == API_RESTRICTIONS else "X-MBX-USED-WEIGHT-1M", str(used))
        if limited is not None:
            return replace(limited, headers=(*limited.headers, weight_header))
        refused = self._signature_refusal(account, raw_query, query, now)
        if refused is not None:
            return replace(refused, headers=(weight_header,))
        answer = self._binance_body(account, path, query, now)
        return replace(answer, headers=(*answer.headers, weight_header))

    def _spend_weight(self, key: str, weight: int, now: float) -> tuple[int, Answer | None]:
        """Adds a request's weight to the key's minute; the 429 (or, for a key that kept asking, the 418)
        when the minute's limit is passed."""
        minute = int(now // 60)
        with self._lock:
            usage = self._usage.setdefault(key, _Usage())
            if usage.minute != minute:
                usage.minute, usage.used = minute, 0
            if now < usage.banned_until:
                wait = int(usage.banned_until - now) + 1
                until = int(usage.banned_until * 1000)
                message = f"Way too much request weight used; IP banned until {until}. Please use WebSocket Streams."
                return usage.used, _binance_error(418, -1003, message, ("Retry-After", str(wait)))
            usage.used += weight
            if usage.used <= self.weight_limit:
                usage.refusals = 0
                return usage.used, None
            usage.refusals += 1
            if usage.refusals > BINANCE_BAN_AFTER_429S:
                usage.banned_until = now + BINANCE_BAN_SECONDS
            wait = 60 - int(now % 60)
        message = (
            f"Too many requests; current limit of IP(127.0.0.1) request weight is {self.weight_limit} per minute. "
            "Please use WebSocket Streams for live updates to avoid polling the API."
        )
        return usage.used, _binance_error(HTTPStatus.TOO_MANY_REQUESTS, -1003, message, ("Retry-After", str(wait)))

    @staticmethod
    def _signature_refusal(account: Account, raw_query: str, query: dict[str, str], now: float) -> Answer | None:
        """Binance's checks, in its order: the mandatory timestamp, recvWindow, the time, the signature over
        the query string exactly as sent (every parameter but the last ``signature``)."""
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit():
            message = "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
            return _binance_error(HTTPStatus.BAD_REQUEST, -1102, message)
        window = query.get("recvWindow", str(DEFAULT_RECV_WINDOW_MS))
        if not window.isdigit() or int(window) > MAX_RECV_WINDOW_MS:
            return _binance_error(HTTPStatus.BAD_REQUEST, -1131, "recvWindow must be less than 60000")
        server_ms = int(now * 1000)
        if int(timestamp) >= server_ms + 1000:
            return _binance_error(
                HTTPStatus.BAD_REQUEST, -1021, "Timestamp for this request was 1000ms ahead of the server's time."
            )
        if server_ms - int(timestamp) > int(window):
            message = "Timestamp for this request is outside of the recvWindow."
            return _binance_error(HTTPStatus.BAD_REQUEST, -1021, message)
        signed, separator, signature = raw_query.rpartition("&signature=")
        if not separator and raw_query.startswith("signature="):
            signed, signature = "", raw_query.removeprefix("signature=")
        expected = hmac.new(account.api_secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not signature or "&" in signature or not hmac.compare_digest(expected, signature.lower()):
            return _binance_error(HTTPStatus.BAD_REQUEST, -1022, "Signature for this request is not valid.")
        return None

    def _binance_body(self, account: Account, path: str, query: dict[str, str], now: float) -> Answer:
        if path == API_RESTRICTIONS:
            return _answer(HTTPStatus.OK, self._restrictions(account))
        if path == "/fapi/v2/account":
            return _answer(HTTPStatus.OK, self._binance_account(account, now))
        if path == "/fapi/v2/positionRisk":
            symbol = query.get("symbol")
            rows = [self._position_risk(h, now) for h in account.positions if symbol in (None, h.symbol)]
            return _answer(HTTPStatus.OK, rows)
        return _binance_history(account, path, query, now)

    @staticmethod
    def _restrictions(account: Account) -> dict[str, Any]:
        return {
            "ipRestrict": False,
            "createTime": _millis(account.created),
            "enableReading": True,
            "enableFutures": True,
            "enableWithdrawals": account.can_withdraw,
            "enableInternalTransfer": False,
            "permitsUniversalTransfer": False,
            "enableSpotAndMarginTrading": False,
            "enableVanillaOptions": False,
            "enableMargin": False,
            "enablePortfolioMarginTrading": False,
            "enableFixApiTrade": False,
            "enableFixReadOnly": False,
        }

    def _mark(self, holding: Holding) -> Decimal:
        price = self._mark_price(holding.symbol)
        return price if price is not None and price.is_finite() and price > 0 else holding.entry_price

    @staticmethod
    def _signed(holding: Holding) -> Decimal:
        return holding.quantity if holding.side == "LONG" else -holding.quantity

    def _position_risk(self, holding: Holding, now: float) -> dict[str, Any]:
        mark = self._mark(holding)
        amount = self._signed(holding)
        return {
            "symbol": holding.symbol,
            "positionAmt": _text_number(amount),
            "entryPrice": _text_number(holding.entry_price),
            "breakEvenPrice": _text_number(holding.entry_price),
            "markPrice": _text_number(mark),
            "unRealizedProfit": _text_number((mark - holding.entry_price) * amount, 8),
            "liquidationPrice": "0",
            "leverage": str(holding.leverage),
            "maxNotionalValue": "1000000",
            "marginType": "cross",
            "isolatedMargin": "0.00000000",
            "isAutoAddMargin": "false",
            "positionSide": "BOTH",
            "notional": _text_number(mark * amount, 8),
            "isolatedWallet": "0",
            "updateTime": int(now * 1000),
        }

    def _binance_account(self, account: Account, now: float) -> dict[str, Any]:
        unrealized = Decimal(0)
        margin = Decimal(0)
        rows = []
        for holding in account.positions:
            mark = self._mark(holding)
            amount = self._signed(holding)
            profit = (mark - holding.entry_price) * amount
            initial = abs(mark * amount) / holding.leverage
            unrealized += profit
            margin += initial
            rows.append(
                {
                    "symbol": holding.symbol,
                    "initialMargin": _text_number(initial, 8),
                    "maintMargin": _text_number(initial / 10, 8),
                    "unrealizedProfit": _text_number(profit, 8),
                    "positionInitialMargin": _text_number(initial, 8),
                    "openOrderInitialMargin": "0",
                    "leverage": str(holding.leverage),
                    "isolated": False,
                    "entryPrice": _text_number(holding.entry_price),
                    "maxNotional": "1000000",
                    "bidNotional": "0",
                    "askNotional": "0",
                    "positionSide": "BOTH",
                    "positionAmt": _text_number(amount),
                    "updateTime": int(now * 1000),
                }
            )
        wallet = account.cash
        available = wallet + unrealized - margin
        asset = {
            "asset": "USDT",
            "walletBalance": _text_number(wallet, 8),
            "unrealizedProfit": _text_number(unrealized, 8),
            "marginBalance": _text_number(wallet + unrealized, 8),
            "maintMargin": _text_number(margin / 10, 8),
            "initialMargin": _text_number(margin, 8),
            "positionInitialMargin": _text_number(margin, 8),
            "openOrderInitialMargin": "0.00000000",
            "crossWalletBalance": _text_number(wallet, 8),
            "crossUnPnl": _text_number(unrealized, 8),
            "availableBalance": _text_number(available, 8),
            "maxWithdrawAmount": _text_number(max(available, Decimal(0)), 8),
            "marginAvailable": True,
            "updateTime": int(now * 1000),
        }
        return {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "updateTime": 0,
            "multiAssetsMargin": False,
            "tradeGroupId": -1,
            "totalInitialMargin": asset["initialMargin"],
            "totalMaintMargin": asset["maintMargin"],
            "totalWalletBalance": asset["walletBalance"],
            "totalUnrealizedProfit": asset["unrealizedProfit"],
            "totalMarginBalance": asset["marginBalance"],
            "totalPositionInitialMargin": asset["positionInitialMargin"],
            "totalOpenOrderInitialMargin": "0.00000000",
            "totalCrossWalletBalance": asset["crossWalletBalance"],
            "totalCrossUnPnl": asset["crossUnPnl"],
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
            "assets": [asset],
            "positions": rows,
        }

    # ------------------------------------------------------------ Alpaca

    def _alpaca(self, path: str, query: dict[str, str], headers: Any) -> Answer:
        key = headers.get("APCA-API-KEY-ID") or ""
        secret = headers.get("APCA-API-SECRET-KEY") or ""
        account = self.account(key)
        if account is None or account.provider != "alpaca":
            return _alpaca_unauthorized()
        faulted = self._faulted(account, alpaca=True)
        if faulted is not None:
            return faulted
        if not hmac.compare_digest(account.api_secret.encode(), secret.encode()):
            return _alpaca_unauthorized()
        now = self.clock()
        limited = self._alpaca_limit(key, now)
        if limited is not None:
            return limited
        if path == "/v2/account":
            return _answer(HTTPStatus.OK, self._alpaca_account(account))
        if path == "/v2/positions":
            return _answer(HTTPStatus.OK, [self._alpaca_position(account, h) for h in account.positions])
        return _alpaca_history(account, path, query)

    def _alpaca_limit(self, key: str, now: float) -> Answer | None:
        minute = int(now // 60)
        with self._lock:
            usage = self._usage.setdefault(key, _Usage())
            if usage.minute != minute:
                usage.minute, usage.used = minute, 0
            usage.used += 1
            remaining = self.alpaca_requests_per_minute - usage.used
        if remaining >= 0:
            return None
        reset = str((minute + 1) * 60)
        return _answer(
            HTTPStatus.TOO_MANY_REQUESTS,
            {"message": "too many requests."},
            ("X-RateLimit-Limit", str(self.alpaca_requests_per_minute)),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", reset),
        )

    def _alpaca_account(self, account: Account) -> dict[str, Any]:
        long_value = Decimal(0)
        short_value = Decimal(0)
        for holding in account.positions:
            value = self._mark(holding) * self._signed(holding)
            if value > 0:
                long_value += value
            else:
                short_value += value
        equity = account.cash + long_value + short_value
        money = {
            "cash": account.cash,
            "equity": equity,
            "last_equity": equity,
            "portfolio_value": equity,
            "buying_power": max(equity * 2, Decimal(0)),
            "regt_buying_power": max(equity * 2, Decimal(0)),
            "daytrading_buying_power": Decimal(0),
            "non_marginable_buying_power": max(account.cash, Decimal(0)),
            "long_market_value": long_value,
            "short_market_value": short_value,
            "initial_margin": Decimal(0),
            "maintenance_margin": Decimal(0),
            "last_maintenance_margin": Decimal(0),
            "sma": Decimal(0),
            "accrued_fees": Decimal(0),
            "pending_transfer_in": Decimal(0),
        }
        return {
            "id": _uuid("account", account.api_key),
            "account_number": "PA" + hashlib.sha256(account.api_key.encode()).hexdigest()[:10].upper(),
            "status": "ACTIVE",
            "crypto_status": "ACTIVE",
            "currency": "USD",
            **{name: _text_number(value, 2) for name, value in money.items()},
            "pattern_day_trader": False,
            "trading_blocked": False,
            "transfers_blocked": False,
            "account_blocked": False,
            "trade_suspended_by_user": False,
            "shorting_enabled": True,
            "multiplier": "2",
            "daytrade_count": 0,
            "created_at": _rfc3339(account.created),
        }

    def _alpaca_position(self, account: Account, holding: Holding) -> dict[str, Any]:
        mark = self._mark(holding)
        amount = self._signed(holding)
        cost = holding.entry_price * amount
        value = mark * amount
        return {
            "asset_id": _uuid("asset", holding.symbol),
            "symbol": holding.symbol,
            "exchange": "NASDAQ",
            "asset_class": "us_equity",
            "asset_marginable": True,
            "qty": _text_number(amount),
            "qty_available": _text_number(amount),
            "side": holding.side.lower(),
            "avg_entry_price": _text_number(holding.entry_price),
            "market_value": _text_number(value, 2),
            "cost_basis": _text_number(cost, 2),
            "unrealized_pl": _text_number(value - cost, 2),
            "unrealized_plpc": _text_number((value - cost) / abs(cost), 4),
            "unrealized_intraday_pl": _text_number(value - cost, 2),
            "unrealized_intraday_plpc": _text_number((value - cost) / abs(cost), 4),
            "current_price": _text_number(mark),
            "lastday_price": _text_number(mark),
            "change_today": "0",
        }


# ---------------------------------------------------------------------------------------------- histories


def _bad_parameter(message: str) -> Answer:
    return _binance_error(HTTPStatus.BAD_REQUEST, -1102, message)


def _int_parameter(query: dict[str, str], name: str) -> int | Answer | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    if not text.isdigit():
        return _binance_error(HTTPStatus.BAD_REQUEST, -1100, f"Illegal characters found in parameter '{name}'.")
    return int(text)


def _binance_order_ids(account: Account) -> dict[str, int]:
    """Binance order ids are integers: an order id given as digits is kept, any other is numbered."""
    numbers: dict[str, int] = {}
    for order in account.orders():
        if order.order_id.isdigit() and len(order.order_id) <= 18:
            numbers[order.order_id] = int(order.order_id)
    for order in account.orders():
        numbers.setdefault(order.order_id, BINANCE_ORDER_ID_BASE + order.first.sequence)
    return numbers


def _window(
    query: dict[str, str], now: float, ids: tuple[str, ...]
) -> tuple[int | None, int | None, dict[str, int | None]] | Answer:
    """The [startTime, endTime] a Binance history answers (the last 7 days when neither is sent, unless an id
    to start from is), and the id parameters; an Answer when they are malformed or combined as Binance refuses."""
    values: dict[str, int | None] = {}
    for name in ("startTime", "endTime", "limit", *ids):
        value = _int_parameter(query, name)
        if isinstance(value, Answer):
            return value
        values[name] = value
    start, end = values.pop("startTime"), values.pop("endTime")
    if "fromId" in ids and values.get("fromId") is not None and (start is not None or end is not None):
        return _binance_error(HTTPStatus.BAD_REQUEST, -1128, "Combination of optional parameters invalid.")
    if start is not None and end is not None and (end < start or end - start > SEVEN_DAYS / timedelta(milliseconds=1)):
        return _binance_error(HTTPStatus.BAD_REQUEST, -1128, "Combination of optional parameters invalid.")
    week = int(SEVEN_DAYS / timedelta(milliseconds=1))
    if start is None and end is None and not any(values.get(name) is not None for name in ids):
        start = int(now * 1000) - week
    elif start is None and end is not None:
        start = end - week
    return start, end, values


def _in_window(millis: int, start: int | None, end: int | None) -> bool:
    return (start is None or millis >= start) and (end is None or millis <= end)


def _limit(value: int | None, default: int, most: int) -> int:
    return default if value is None or value <= 0 else min(value, most)


def _binance_history(account: Account, path: str, query: dict[str, str], now: float) -> Answer:
    symbol = query.get("symbol")
    if path != "/fapi/v1/forceOrders" and not symbol:
        return _bad_parameter("Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
    ids: tuple[str, ...] = ("fromId", "orderId") if path == "/fapi/v1/userTrades" else ("orderId",)
    if path == "/fapi/v1/forceOrders":
        ids = ()
    window = _window(query, now, ids)
    if isinstance(window, Answer):
        return window
    start, end, values = window
    order_ids = _binance_order_ids(account)
    if path == "/fapi/v1/userTrades":
        from_id, order_id = values.get("fromId"), values.get("orderId")
        trades = [
            _binance_trade(fill, order_ids)
            for fill in account.fills
            if fill.symbol == symbol and _in_window(fill.millis, start, end)
        ]
        trades = [
            t
            for t in trades
            if (from_id is None or t["id"] >= from_id) and (order_id is None or t["orderId"] == order_id)
        ]
        limit = _limit(values.get("limit"), 500, 1000)
        return _answer(HTTPStatus.OK, trades[:limit] if from_id is not None else trades[-limit:])
    orders = sorted(
        (_binance_order(order, order_ids) for order in account.orders() if symbol in (None, order.first.symbol)),
        key=lambda order: (order["time"], order["orderId"]),
    )
    orders = [order for order in orders if _in_window(order["time"], start, end)]
    if path == "/fapi/v1/forceOrders":
        forced = [order for order in orders if order["clientOrderId"].startswith("autoclose-")]
        return _answer(HTTPStatus.OK, forced[-_limit(values.get("limit"), 50, 100) :])
    first = values.get("orderId")
    limit = _limit(values.get("limit"), 500, 1000)
    if first is not None:
        return _answer(HTTPStatus.OK, [o for o in orders if o["orderId"] >= first][:limit])
    return _answer(HTTPStatus.OK, orders[-limit:])


def _binance_trade(fill: Fill, order_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "symbol": fill.symbol,
        "id": BINANCE_TRADE_ID_BASE + fill.sequence,
        "orderId": order_ids[fill.order_id],
        "side": fill.side,
        "price": _text_number(fill.price),
        "qty": _text_number(fill.quantity),
        "quoteQty": _text_number(fill.price * fill.quantity),
        "realizedPnl": _text_number(fill.realized_pnl or Decimal(0), 8),
        "commission": _text_number(fill.fee, 8),
        "commissionAsset": "USDT",
        "time": fill.millis,
        "positionSide": "BOTH",
        "buyer": fill.side == "BUY",
        "maker": fill.order_type in ("LIMIT", "TAKE_PROFIT", "STOP"),
    }


def _binance_order(order: Order, order_ids: dict[str, int]) -> dict[str, Any]:
    first, last = order.first, order.fills[-1]
    number = order_ids[order.order_id]
    # Binance lists a liquidation as a LIMIT IOC order whose client order id starts with "autoclose-".
    forced = first.order_type == "LIQUIDATION"
    kind = "LIMIT" if forced else first.order_type
    average = order.average_price
    stop = kind in ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET")
    limit_price = kind in ("LIMIT", "STOP", "TAKE_PROFIT")
    return {
        "orderId": number,
        "symbol": first.symbol,
        "status": "FILLED",
        "clientOrderId": f"autoclose-{number}" if forced else f"sim-{number}",
        "price": _text_number(average) if limit_price else "0",
        "avgPrice": _text_number(average),
        "origQty": _text_number(order.quantity),
        "executedQty": _text_number(order.quantity),
        "cumQuote": _text_number(sum((f.price * f.quantity for f in order.fills), Decimal(0))),
        "timeInForce": "IOC" if forced else "GTC",
        "type": kind,
        "origType": kind,
        "reduceOnly": not any(f.opening for f in order.fills),
        "closePosition": False,
        "side": first.side,
        "positionSide": "BOTH",
        "stopPrice": _text_number(first.price) if stop else "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "time": first.millis,
        "updateTime": last.millis,
    }


def _alpaca_time(text: str | None) -> datetime | Answer | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        return _answer(HTTPStatus.UNPROCESSABLE_ENTITY, {"code": 40010001, "message": f"invalid time: {text}"})
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _alpaca_history(account: Account, path: str, query: dict[str, str]) -> Answer:
    after, until = _alpaca_time(query.get("after")), _alpaca_time(query.get("until"))
    if isinstance(after, Answer):
        return after
    if isinstance(until, Answer):
        return until
    direction = query.get("direction", "desc")
    if direction not in ("asc", "desc"):
        return _answer(HTTPStatus.UNPROCESSABLE_ENTITY, {"code": 40010001, "message": "invalid direction"})
    if path == "/v2/account/activities/FILL":
        return _alpaca_fills(account, query, after, until, direction)
    orders = _alpaca_orders(account)
    if path.startswith(ALPACA_ORDER_PREFIX):
        wanted = path.removeprefix(ALPACA_ORDER_PREFIX)
        found = next((o for o in orders.values() if wanted in (o["id"], o["client_order_id"])), None)
        if found is None:
            return _answer(HTTPStatus.NOT_FOUND, {"code": 40410000, "message": "order not found"})
        return _answer(HTTPStatus.OK, _public_order(found, query.get("nested") == "true"))
    if query.get("status", "open") == "open":
        return _answer(HTTPStatus.OK, [])  # every simulated order is filled
    nested = query.get("nested") == "true"
    listed = [o for o in orders.values() if not (nested and o["_leg"])]
    listed = [
        o for o in listed if (after is None or o["_submitted"] > after) and (until is None or o["_submitted"] < until)
    ]
    listed.sort(key=lambda o: o["_submitted"], reverse=direction == "desc")
    limit = _limit(_int_or_none(query.get("limit")), 50, 500)
    return _answer(HTTPStatus.OK, [_public_order(o, nested) for o in listed[:limit]])


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _activity_id(fill: Fill, account: Account) -> str:
    # Alpaca's ids start with the time (YYYYMMDDhhmmssSSS) and sort in time order; the sequence keeps fills
    # of one millisecond in order too.
    stamp = fill.time.strftime("%Y%m%d%H%M%S") + f"{fill.time.microsecond // 1000:03d}"
    tail = hashlib.sha256(f"{account.api_key}:{fill.sequence}".encode()).hexdigest()
    return f"{stamp}::{fill.sequence:08x}-{tail[:4]}-4{tail[4:7]}-8{tail[7:10]}-{tail[10:22]}"


def _alpaca_order_id(order_id: str) -> str:
    try:
        return str(uuid.UUID(order_id))
    except ValueError:
        return _uuid("order", order_id)


def _alpaca_fills(
    account: Account, query: dict[str, str], after: datetime | None, until: datetime | None, direction: str
) -> Answer:
    cumulative: dict[str, Decimal] = {}
    totals = {order.order_id: order.quantity for order in account.orders()}
    rows: list[dict[str, Any]] = []
    for fill in account.fills:
        done = cumulative.get(fill.order_id, Decimal(0)) + fill.quantity
        cumulative[fill.order_id] = done
        complete = done == totals[fill.order_id]
        side = "buy" if fill.side == "BUY" else "sell" if not fill.opening else "sell_short"
        rows.append(
            {
                "id": _activity_id(fill, account),
                "activity_type": "FILL",
                "transaction_time": _rfc3339(fill.time),
                "type": "fill" if complete else "partial_fill",
                "price": _text_number(fill.price),
                "qty": _text_number(fill.quantity),
                "side": side,
                "symbol": fill.symbol,
                "leaves_qty": _text_number(totals[fill.order_id] - done),
                "order_id": _alpaca_order_id(fill.order_id),
                "cum_qty": _text_number(done),
                "order_status": "filled" if complete else "partially_filled",
                "_time": fill.time,
            }
        )
    rows = [r for r in rows if (after is None or r["_time"] > after) and (until is None or r["_time"] < until)]
    if direction == "desc":
        rows.reverse()
    token = query.get("page_token")
    if token:
        position = next((i for i, r in enumerate(rows) if r["id"] == token), None)
        if position is None:  # an id no longer listed: the page starts past it in the direction asked
            position = sum(1 for r in rows if (r["id"] <= token) == (direction == "asc")) - 1
        rows = rows[position + 1 :]
    size = _limit(_int_or_none(query.get("page_size")), 100, 100)
    return _answer(HTTPStatus.OK, [{k: v for k, v in r.items() if k != "_time"} for r in rows[:size]])


def _alpaca_orders(account: Account) -> dict[str, dict[str, Any]]:
    orders: dict[str, dict[str, Any]] = {}
    for order in account.orders():
        first, last = order.first, order.fills[-1]
        kind = first.order_type
        average = order.average_price
        orders[order.order_id] = {
            "id": _alpaca_order_id(order.order_id),
            "client_order_id": order.order_id,
            "created_at": _rfc3339(first.time),
            "updated_at": _rfc3339(last.time),
            "submitted_at": _rfc3339(first.time),
            "filled_at": _rfc3339(last.time),
            "expired_at": None,
            "canceled_at": None,
            "failed_at": None,
            "replaced_at": None,
            "replaced_by": None,
            "replaces": None,
            "asset_id": _uuid("asset", first.symbol),
            "symbol": first.symbol,
            "asset_class": "us_equity",
            "notional": None,
            "qty": _text_number(order.quantity),
            "filled_qty": _text_number(order.quantity),
            "filled_avg_price": _text_number(average),
            "order_class": first.order_class,
            "order_type": kind,
            "type": kind,
            "side": first.side.lower(),
            "time_in_force": "gtc",
            "limit_price": _text_number(average) if kind in ("limit", "stop_limit") else None,
            "stop_price": _text_number(first.price) if kind in ("stop", "stop_limit") else None,
            "status": "filled",
            "extended_hours": False,
            "legs": None,
            "trail_percent": None,
            "trail_price": None,
            "hwm": None,
            "_submitted": first.time,
            "_leg": False,
            "_legs": [],
        }
    _attach_legs(account, orders)
    return orders


def _attach_legs(account: Account, orders: dict[str, dict[str, Any]]) -> None:
    """A bracket's (or oco/oto's) exit orders are legs of the order that opened the position: the one named by
    ``parent_order_id``, else the latest earlier order of that class and symbol that opened."""
    for order in account.orders():
        first = order.first
        if first.order_class == "simple" or first.opening:
            continue
        parent = first.parent_order_id
        if parent is None:
            earlier = [
                o
                for o in account.orders()
                if o.first.symbol == first.symbol
                and o.first.order_class == first.order_class
                and o.first.opening
                and o.first.sequence < first.sequence
            ]
            parent = earlier[-1].order_id if earlier else None
        if parent in orders and parent != order.order_id:
            orders[order.order_id]["_leg"] = True
            orders[parent]["_legs"].append(orders[order.order_id])


def _public_order(order: dict[str, Any], nested: bool) -> dict[str, Any]:
    shown = {k: v for k, v in order.items() if not k.startswith("_")}
    if nested and order["_legs"]:
        shown["legs"] = [_public_order(leg, nested) for leg in order["_legs"]]
    return shown
