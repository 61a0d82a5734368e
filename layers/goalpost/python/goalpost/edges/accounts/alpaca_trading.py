"""Alpaca trading API v2, read-only: live (``api.alpaca.markets``) or paper (``paper-api.alpaca.markets``).

The key goes in ``APCA-API-KEY-ID`` and the secret in ``APCA-API-SECRET-KEY``; an unknown key or a wrong secret
is 401 ``{"code": 40110000, "message": "request is not authorized"}``, a key not allowed 403. Over 200 requests a
minute per account Alpaca answers 429 (retried by the HTTP layer, after ``Retry-After`` when sent). Numbers are
JSON strings, times RFC 3339. Stock trading is commission-free: a fill's fee is 0 and Alpaca reports no P&L.

Endpoints: ``GET /v2/account`` (``cash``), ``GET /v2/positions``, ``GET /v2/account/activities/FILL``
(``after``, ``direction=asc``, ``page_size`` at most 100, ``page_token`` = the last activity's id),
``GET /v2/orders`` (``status=all``, ``nested=true`` so that a bracket order carries its ``legs``, ``after`` =
a submission time, ``direction=asc``, ``limit`` at most 500).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
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
    as_list,
    as_object,
    decimal,
    get_json,
    optional_decimal,
    parsed,
    rfc3339_time,
    side,
    text,
)
from goalpost.edges.market.http import JsonHttp, MarketHttpError
from goalpost.settings import get_settings

PROVIDER = Provider.ALPACA
ACTIVITIES_PAGE = 100
ORDERS_PAGE = 500
SAME_INSTANT = timedelta(microseconds=1)
MAX_PAGES = 50  # a sync reads at most this many pages of one kind: the next run goes on from there
# ``sell_short`` opens a short: on the wire of a fill it is a sale like any other.
FILL_SIDES = {"buy": FillSide.BUY, "sell": FillSide.SELL, "sell_short": FillSide.SELL}
POSITION_SIDES = {"long": Side.LONG, "short": Side.SHORT}


def _refused(error: MarketHttpError) -> bool:
    return error.status in {401, 403}


def parse_permissions(body: Any) -> KeyPermissions:
    """Alpaca keys always trade and never move money out (transfers are not in the trading API): a key that
    reads the account reads, and may trade unless the account's trading is blocked."""
    account = as_object(body, "account")
    return KeyPermissions(can_read=True, can_withdraw=False, can_trade=account.get("trading_blocked") is not True)


def parse_cash(body: Any) -> Decimal:
    return decimal(as_object(body, "account"), "cash")


def parse_positions(body: Any) -> tuple[ExchangePosition, ...]:
    positions = []
    for raw in as_list(body, "positions"):
        item = as_object(raw, "position")
        quantity = decimal(item, "qty")
        if quantity == ZERO:
            continue
        side = POSITION_SIDES.get(str(item.get("side")), Side.LONG if quantity > 0 else Side.SHORT)
        positions.append(ExchangePosition(text(item, "symbol"), side, abs(quantity), decimal(item, "avg_entry_price")))
    return tuple(positions)


def parse_fill(raw: Any) -> Fill:
    item = as_object(raw, "activity")
    return Fill(
        id=text(item, "id"),
        order_id=text(item, "order_id"),
        symbol=text(item, "symbol"),
        side=side(item, FILL_SIDES),
        quantity=decimal(item, "qty"),
        price=decimal(item, "price"),
        fee=ZERO,
        time=rfc3339_time(item, "transaction_time"),
    )


def parse_orders(body: Any) -> list[Order]:
    """Orders with their legs after each (a leg names its order as ``parent_id``): a bracket's limit leg is
    its take-profit, its stop leg its stop-loss."""
    orders = []
    for raw in as_list(body, "orders"):
        item = as_object(raw, "order")
        orders.append(_order(item))
        for leg in as_list(item.get("legs") or [], "legs"):
            orders.append(_order(as_object(leg, "leg"), parent_id=text(item, "id")))
    return orders


def _order(item: Mapping[str, Any], parent_id: str | None = None) -> Order:
    order_type = text(item, "type")
    average = optional_decimal(item, "filled_avg_price")
    moment = item.get("filled_at") or item.get("submitted_at")
    return Order(
        id=text(item, "id"),
        symbol=text(item, "symbol"),
        type=order_type,
        side=side(item, FILL_SIDES),
        status=text(item, "status"),
        exit_reason=exit_reason(PROVIDER, order_type, leg=parent_id is not None),
        filled_quantity=decimal(item, "filled_qty"),
        average_price=average,
        time=rfc3339_time({"time": moment}, "time") if moment else None,
        parent_id=parent_id,
        client_order_id=item.get("client_order_id") if isinstance(item.get("client_order_id"), str) else None,
    )


class AlpacaTradingClient:
    """One account's read-only client, on the paper or the live base URL."""

    def __init__(
        self,
        credentials: ApiCredentials,
        *,
        paper: bool,
        base_url: str | None = None,
        http: JsonHttp | None = None,
    ) -> None:
        settings = get_settings()
        default = settings.alpaca_paper_url if paper else settings.alpaca_trading_url
        self.credentials = credentials
        self.paper = paper
        self.base_url = (base_url or default).rstrip("/")
        self.http = http or JsonHttp()
        self.requests = 0

    def __repr__(self) -> str:
        return f"AlpacaTradingClient({self.credentials!r}, paper={self.paper})"

    def _get(self, path: str, params: list[tuple[str, str | int]] | None = None) -> Any:
        headers = {"APCA-API-KEY-ID": self.credentials.key, "APCA-API-SECRET-KEY": self.credentials.secret}
        url = f"{self.base_url}{path}" + (f"?{urlencode(params)}" if params else "")
        response = get_json(self.http, url, headers, provider=PROVIDER, refused=_refused)
        self.requests += response.requests
        return response.body

    def key_permissions(self) -> KeyPermissions:
        return parsed(PROVIDER, parse_permissions, self._get("/v2/account"))

    def account_state(self) -> AccountState:
        cash = parsed(PROVIDER, parse_cash, self._get("/v2/account"))
        return AccountState(cash=cash, positions=parsed(PROVIDER, parse_positions, self._get("/v2/positions")))

    def fills(self, after: datetime | None = None, page_token: str | None = None) -> list[Fill]:
        """FILL activities after ``after`` (or after the activity ``page_token``), oldest first, every page."""
        fills: list[Fill] = []
        for _ in range(MAX_PAGES):
            params: list[tuple[str, str | int]] = [("direction", "asc"), ("page_size", ACTIVITIES_PAGE)]
            if after is not None:
                params.append(("after", after.isoformat()))
            if page_token is not None:
                params.append(("page_token", page_token))
            body = self._get("/v2/account/activities/FILL", params)
            page: list[Fill] = parsed(PROVIDER, lambda raw: [parse_fill(item) for item in as_list(raw, "FILL")], body)
            fills.extend(page)
            if len(page) < ACTIVITIES_PAGE:
                break
            page_token = page[-1].id
        return fills

    def orders(self, after: datetime | None = None) -> list[Order]:
        """Every order submitted after ``after``, oldest first, each followed by its legs. Alpaca's orders have
        no page token and ``after`` is exclusive, so the next page starts just before the last submission
        time (orders submitted in the same instant are not skipped) and an order seen twice is kept once."""
        orders: dict[str, Order] = {}
        for _ in range(MAX_PAGES):
            params: list[tuple[str, str | int]] = [
                ("status", "all"),
                ("nested", "true"),
                ("direction", "asc"),
                ("limit", ORDERS_PAGE),
            ]
            if after is not None:
                params.append(("after", after.isoformat()))
            body = self._get("/v2/orders", params)
            page = parsed(PROVIDER, parse_orders, body)
            seen = len(orders)
            for order in page:
                orders.setdefault(order.id, order)
            top_level = sum(1 for order in page if order.parent_id is None)
            if top_level < ORDERS_PAGE or len(orders) == seen:
                break
            last = parsed(PROVIDER, lambda raw: rfc3339_time(as_object(raw[-1], "order"), "submitted_at"), body)
            after = last - SAME_INSTANT
        return list(orders.values())
