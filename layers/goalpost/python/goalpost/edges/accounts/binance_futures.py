"""Binance USD-M futures, read-only, over its signed (USER_DATA) endpoints.

Signing: the query's parameters, then ``recvWindow`` and ``timestamp`` (ms), form the query string exactly as
sent; ``signature`` = hex HMAC-SHA256 of that string under the secret, appended last; the key goes in the
``X-MBX-APIKEY`` header. Refusals: an unknown key 401 ``-2015`` (or ``-2014`` a malformed one), a wrong secret
400 ``-1022``: the keys are refused. Every answer carries ``X-MBX-USED-WEIGHT-1M`` (the IP's request weight this
minute, limit 2400); over it Binance answers 429 with ``Retry-After`` (retried by the HTTP layer), and 418 once
it bans the IP (not retried: the ban lasts minutes to days). Numbers are JSON strings, times ms integers.

Endpoints (weights as documented): ``GET /sapi/v1/account/apiRestrictions`` on the spot API host (1),
``GET /fapi/v2/account`` (5), ``GET /fapi/v2/positionRisk`` (5), ``GET /fapi/v1/userTrades`` (5, symbol
required, at most 1000 a page), ``GET /fapi/v1/allOrders`` (5, symbol required, at most 1000 a page),
``GET /fapi/v1/forceOrders`` (20 with a symbol, 50 without; liquidations and ADL closes of the last 7 days
unless ``startTime`` says otherwise; at most 100 a page).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode

from goalpost.domain.accounts import (
    AccountState,
    ApiCredentials,
    ExchangePosition,
    Fill,
    FillSide,
    KeyPermissions,
    Order,
    Provider,
    exit_reason,
)
from goalpost.domain.money import ZERO
from goalpost.domain.positions import Side
from goalpost.edges.accounts.wire import (
    MalformedAnswer,
    as_list,
    as_object,
    decimal,
    get_json,
    malformed,
    millis_time,
    optional_decimal,
    parsed,
    side,
    text,
)
from goalpost.edges.market.http import JsonHttp, MarketHttpError
from goalpost.settings import get_settings

PROVIDER = Provider.BINANCE_FUTURES
RECV_WINDOW_MS = 5000
WEIGHT_HEADER = "x-mbx-used-weight-1m"
# Binance's codes for keys it will not take: a wrong secret, a malformed key, an unknown key (or one this IP
# or this action is not allowed for).
REFUSED_CODES = frozenset({-1022, -2014, -2015})
TRADES_PAGE = 1000
ORDERS_PAGE = 1000
FORCED_ORDERS_PAGE = 100
MAX_PAGES = 50  # a sync reads at most this many pages of one kind (50,000 trades): the next run goes on
TRADING_FLAGS = (
    "enableFutures",
    "enableSpotAndMarginTrading",
    "enableMargin",
    "enableVanillaOptions",
    "enablePortfolioMarginTrading",
)
_Paged = TypeVar("_Paged", Fill, Order)
FORCED_CLIENT_ID_PREFIXES = ("autoclose-", "adl_autoclose")
SIDES = {"BUY": FillSide.BUY, "SELL": FillSide.SELL}
LONG_SIDES = {"LONG": Side.LONG, "SHORT": Side.SHORT}


def sign(secret: str, query: str) -> str:
    """Binance's signature of a query string: hex HMAC-SHA256 under the secret."""
    return hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()


def signed_query(
    credentials: ApiCredentials, params: Sequence[tuple[str, str | int]], timestamp_ms: int, recv_window_ms: int
) -> str:
    query = urlencode([*params, ("recvWindow", recv_window_ms), ("timestamp", timestamp_ms)])
    return f"{query}&signature={sign(credentials.secret, query)}"


def _refused(error: MarketHttpError) -> bool:
    return error.code in REFUSED_CODES or error.status == 401


def parse_permissions(body: Any) -> KeyPermissions:
    restrictions = as_object(body, "apiRestrictions")
    flags = {name: restrictions.get(name) is True for name in restrictions}
    return KeyPermissions(
        can_read=flags.get("enableReading", False),
        can_withdraw=flags.get("enableWithdrawals", False),
        can_trade=any(flags.get(name, False) for name in TRADING_FLAGS),
    )


def parse_wallet(body: Any) -> Decimal:
    """The USDT wallet balance (``totalWalletBalance`` in USD terms when the account holds no USDT asset)."""
    account = as_object(body, "account")
    for asset in as_list(account.get("assets", []), "assets"):
        if isinstance(asset, Mapping) and asset.get("asset") == "USDT":
            return decimal(asset, "walletBalance")
    return decimal(account, "totalWalletBalance")


def parse_positions(body: Any) -> tuple[ExchangePosition, ...]:
    """Open positions from ``positionRisk``: one-way mode's ``BOTH`` takes its side from the sign of
    ``positionAmt``; hedge mode names it. A zero amount is no position."""
    positions = []
    for raw in as_list(body, "positionRisk"):
        item = as_object(raw, "position")
        amount = decimal(item, "positionAmt")
        if amount == ZERO:
            continue
        side = LONG_SIDES.get(str(item.get("positionSide")), Side.LONG if amount > 0 else Side.SHORT)
        leverage = decimal(item, "leverage")
        if leverage != leverage.to_integral_value() or not 1 <= leverage <= 125:
            raise MalformedAnswer("leverage: expected an integer from 1 to 125")
        positions.append(
            ExchangePosition(text(item, "symbol"), side, abs(amount), decimal(item, "entryPrice"), int(leverage))
        )
    return tuple(positions)


def parse_fill(raw: Any) -> Fill:
    item = as_object(raw, "trade")
    return Fill(
        id=text(item, "id"),
        order_id=text(item, "orderId"),
        symbol=text(item, "symbol"),
        side=side(item, SIDES),
        quantity=decimal(item, "qty"),
        price=decimal(item, "price"),
        fee=decimal(item, "commission"),
        time=millis_time(item, "time"),
        realized_pnl=optional_decimal(item, "realizedPnl"),
    )


def is_forced(client_order_id: str | None) -> bool:
    """Binance names its own closes: ``autoclose-…`` a liquidation, ``adl_autoclose`` auto-deleveraging."""
    return client_order_id is not None and client_order_id.startswith(FORCED_CLIENT_ID_PREFIXES)


def parse_order(raw: Any, *, forced: bool = False) -> Order:
    """An order; a forced one (from ``forceOrders``, or named so in ``allOrders``) is a liquidation."""
    item = as_object(raw, "order")
    client_order_id = item.get("clientOrderId") if isinstance(item.get("clientOrderId"), str) else None
    # After a conditional order triggers, ``type`` may read MARKET: ``origType`` keeps what it was placed as.
    order_type = text(item, "origType") if item.get("origType") else text(item, "type")
    average = optional_decimal(item, "avgPrice")
    return Order(
        id=text(item, "orderId"),
        symbol=text(item, "symbol"),
        type=order_type,
        side=side(item, SIDES),
        status=text(item, "status"),
        exit_reason=exit_reason(PROVIDER, order_type, forced=forced or is_forced(client_order_id)),
        filled_quantity=decimal(item, "executedQty"),
        average_price=average if average else None,  # "0" before anything filled
        time=millis_time(item, "updateTime") if "updateTime" in item else millis_time(item, "time"),
        client_order_id=client_order_id,
    )


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class BinanceFuturesClient:
    """One account's read-only client. ``used_weight`` is the request weight Binance last reported as used
    this minute (None before any answer), so that a job can pace itself under the limit."""

    def __init__(
        self,
        credentials: ApiCredentials,
        *,
        futures_url: str | None = None,
        api_url: str | None = None,
        http: JsonHttp | None = None,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        recv_window_ms: int = RECV_WINDOW_MS,
    ) -> None:
        settings = get_settings()
        self.credentials = credentials
        self.futures_url = (futures_url or settings.binance_futures_url).rstrip("/")
        self.api_url = (api_url or settings.binance_api_url).rstrip("/")
        self.http = http or JsonHttp()
        self.clock_ms = clock_ms
        self.recv_window_ms = recv_window_ms
        self.used_weight: int | None = None
        self.requests = 0

    def __repr__(self) -> str:
        return f"BinanceFuturesClient({self.credentials!r}, futures_url={self.futures_url!r})"

    def _get(self, base_url: str, path: str, params: Sequence[tuple[str, str | int]] = ()) -> Any:
        query = signed_query(self.credentials, params, self.clock_ms(), self.recv_window_ms)
        headers = {"X-MBX-APIKEY": self.credentials.key}
        response = get_json(self.http, f"{base_url}{path}?{query}", headers, provider=PROVIDER, refused=_refused)
        self.requests += response.requests
        weight = response.headers.get(WEIGHT_HEADER, "")
        if weight.isdigit():
            self.used_weight = int(weight)
        return response.body

    def key_permissions(self) -> KeyPermissions:
        return parsed(PROVIDER, parse_permissions, self._get(self.api_url, "/sapi/v1/account/apiRestrictions"))

    def account_state(self) -> AccountState:
        wallet = parsed(PROVIDER, parse_wallet, self._get(self.futures_url, "/fapi/v2/account"))
        positions = parsed(PROVIDER, parse_positions, self._get(self.futures_url, "/fapi/v2/positionRisk"))
        return AccountState(cash=wallet, positions=positions)

    def fills(self, symbol: str, from_id: str | int | None = None, *, start_time: datetime | None = None) -> list[Fill]:
        """The symbol's trades from trade ``from_id`` on (or from ``start_time``; Binance allows at most 7 days
        after it), oldest first, every page."""
        return self._pages("/fapi/v1/userTrades", symbol, ("fromId", from_id), start_time, TRADES_PAGE, parse_fill)

    def orders(
        self, symbol: str, from_order_id: str | int | None = None, *, start_time: datetime | None = None
    ) -> list[Order]:
        """The symbol's orders from ``from_order_id`` on (or from ``start_time``), oldest first, every page."""
        return self._pages(
            "/fapi/v1/allOrders", symbol, ("orderId", from_order_id), start_time, ORDERS_PAGE, parse_order
        )

    def _pages(
        self,
        path: str,
        symbol: str,
        from_id: tuple[str, str | int | None],
        start_time: datetime | None,
        page_size: int,
        parse: Callable[[Any], _Paged],
    ) -> list[_Paged]:
        """Every page of a list ordered by id: the next page starts after the last id of this one."""
        cursor_name, first_id = from_id
        cursor: list[tuple[str, str | int]] = []
        if first_id is not None:
            cursor = [(cursor_name, first_id)]
        elif start_time is not None:
            cursor = [("startTime", _millis(start_time))]
        items: list[_Paged] = []
        for _ in range(MAX_PAGES):
            body = self._get(self.futures_url, path, [("symbol", symbol), *cursor, ("limit", page_size)])
            page = parsed(PROVIDER, lambda raw: [parse(item) for item in as_list(raw, path)], body)
            items.extend(page)
            if len(page) < page_size:
                break
            last_id = page[-1].id
            if not last_id.isdigit():
                raise malformed(PROVIDER, MalformedAnswer(f"{path}: an id that is not an integer"))
            cursor = [(cursor_name, int(last_id) + 1)]
        return items

    def forced_orders(self, symbol: str | None = None, *, start_time: datetime | None = None) -> list[Order]:
        """The account's forced orders (liquidations and auto-deleveraging), each with exit LIQUIDATION; one
        page of the newest 100 (Binance keeps 7 days of them and pages by time only)."""
        params: list[tuple[str, str | int]] = []
        if symbol is not None:
            params.append(("symbol", symbol))
        if start_time is not None:
            params.append(("startTime", _millis(start_time)))
        params.append(("limit", FORCED_ORDERS_PAGE))
        body = self._get(self.futures_url, "/fapi/v1/forceOrders", params)
        return parsed(
            PROVIDER, lambda raw: [parse_order(item, forced=True) for item in as_list(raw, "forceOrders")], body
        )
