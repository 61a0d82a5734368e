"""The simulated exchange accounts that ``PUT /_local/exchange`` sets: the body read and refused field by field
(``ExchangeError``, a 422), Decimal everywhere, and what the fills imply (their time order, which ones open a
position, and the realized P&L Binance would report for those that close one)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from infra.local.market import FAULTS, SYMBOL_CHARS, SYMBOL_MAX_LENGTH

PROVIDERS = ("binance_futures", "alpaca")
BINANCE_ORDER_TYPES = frozenset(
    {
        "MARKET",
        "LIMIT",
        "STOP",
        "STOP_MARKET",
        "TAKE_PROFIT",
        "TAKE_PROFIT_MARKET",
        "TRAILING_STOP_MARKET",
        "LIQUIDATION",
    }
)
ALPACA_ORDER_TYPES = frozenset({"market", "limit", "stop", "stop_limit", "trailing_stop"})
ALPACA_ORDER_CLASSES = ("simple", "bracket", "oco", "oto")
ACCOUNT_FIELDS = frozenset({"provider", "api_key", "api_secret", "can_withdraw", "cash", "positions", "fills", "fault"})
POSITION_FIELDS = frozenset({"symbol", "side", "quantity", "entry_price", "leverage"})
FILL_FIELDS = frozenset(
    {
        "order_id",
        "symbol",
        "side",
        "quantity",
        "price",
        "fee",
        "time",
        "order_type",
        "realized_pnl",
        "order_class",
        "parent_order_id",
    }
)
KEY_MAX_LENGTH = 256
ORDER_ID_MAX_LENGTH = 100
MAX_FILLS = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ExchangeError(ValueError):
    """A ``PUT /_local/exchange`` body refused, with a message fit for a 422."""


@dataclass(frozen=True)
class Holding:
    symbol: str
    side: str  # LONG or SHORT
    quantity: Decimal
    entry_price: Decimal
    leverage: int


@dataclass(frozen=True)
class Fill:
    order_id: str
    symbol: str
    side: str  # BUY or SELL
    quantity: Decimal
    price: Decimal
    fee: Decimal
    time: datetime
    order_type: str
    realized_pnl: Decimal | None = None
    order_class: str = "simple"
    parent_order_id: str | None = None
    # Derived: the fill's place in time order, and whether it opened (or added to) a position.
    sequence: int = 0
    opening: bool = True

    @property
    def millis(self) -> int:
        return int(self.time.timestamp() * 1000)


@dataclass(frozen=True)
class Order:
    """The orders of an account, as derived from its fills (one per order id, all FILLED)."""

    order_id: str
    fills: tuple[Fill, ...]

    @property
    def first(self) -> Fill:
        return self.fills[0]

    @property
    def quantity(self) -> Decimal:
        return sum((f.quantity for f in self.fills), Decimal(0))

    @property
    def average_price(self) -> Decimal:
        return sum((f.price * f.quantity for f in self.fills), Decimal(0)) / self.quantity


@dataclass
class Account:
    provider: str
    api_key: str
    api_secret: str
    can_withdraw: bool = False
    cash: Decimal = Decimal(0)
    positions: tuple[Holding, ...] = ()
    fills: tuple[Fill, ...] = ()
    fault: str | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def orders(self) -> list[Order]:
        grouped: dict[str, list[Fill]] = {}
        for fill in self.fills:
            grouped.setdefault(fill.order_id, []).append(fill)
        return [Order(order_id, tuple(fills)) for order_id, fills in grouped.items()]

    def public(self) -> dict[str, Any]:
        """The account as stored, without its secret."""
        return {
            "provider": self.provider,
            "api_key": self.api_key,
            "can_withdraw": self.can_withdraw,
            "cash": float(self.cash),
            "positions": [
                {
                    "symbol": h.symbol,
                    "side": h.side,
                    "quantity": float(h.quantity),
                    "entry_price": float(h.entry_price),
                    "leverage": h.leverage,
                }
                for h in self.positions
            ],
            "fills": [
                {
                    "order_id": f.order_id,
                    "symbol": f.symbol,
                    "side": f.side,
                    "quantity": float(f.quantity),
                    "price": float(f.price),
                    "fee": float(f.fee),
                    "time": f.time.isoformat().replace("+00:00", "Z"),
                    "order_type": f.order_type,
                    "realized_pnl": None if f.realized_pnl is None else float(f.realized_pnl),
                    "order_class": f.order_class,
                    "parent_order_id": f.parent_order_id,
                }
                for f in self.fills
            ],
            "fault": self.fault,
        }


def _where(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _decimal(value: Any, where: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ExchangeError(f"{where} must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ExchangeError(f"{where} is not a number: {value!r}") from None
    if not number.is_finite():
        raise ExchangeError(f"{where} must be a finite number")
    if positive and number <= 0:
        raise ExchangeError(f"{where} must be greater than 0")
    return number


def _text(value: Any, where: str, max_length: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length or not value.isprintable():
        raise ExchangeError(f"{where} must be a string of 1..{max_length} printable characters")
    return value


def _symbol(value: Any, where: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= SYMBOL_MAX_LENGTH or not set(value) <= SYMBOL_CHARS:
        raise ExchangeError(f"{where} must be 1..{SYMBOL_MAX_LENGTH} of A-Z 0-9 . - / (in capitals)")
    return value


def _choice(value: Any, where: str, allowed: Any) -> str:
    if value not in allowed:
        raise ExchangeError(f"{where} must be one of {sorted(allowed)}")
    return str(value)


def _time(value: Any, where: str) -> datetime:
    """An ISO 8601 time (one without an offset is UTC, as exchanges stamp) or milliseconds since the epoch."""
    moment = None
    try:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            moment = EPOCH + timedelta(milliseconds=value)
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ExchangeError(f"{where} must be an ISO 8601 time or milliseconds since the epoch")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _object(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExchangeError(f"{where} must be an object")
    unknown = set(value) - allowed
    if unknown:
        raise ExchangeError(f"{where} has unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
    return value


def _holding(raw: Any, where: str) -> Holding:
    body = _object(raw, where, POSITION_FIELDS)
    leverage = body.get("leverage", 1)
    if isinstance(leverage, bool) or not isinstance(leverage, int) or not 1 <= leverage <= 125:
        raise ExchangeError(f"{_where(where, 'leverage')} must be an integer 1..125")
    return Holding(
        symbol=_symbol(body.get("symbol"), _where(where, "symbol")),
        side=_choice(body.get("side"), _where(where, "side"), ("LONG", "SHORT")),
        quantity=_decimal(body.get("quantity"), _where(where, "quantity"), positive=True),
        entry_price=_decimal(body.get("entry_price"), _where(where, "entry_price"), positive=True),
        leverage=leverage,
    )


def _fill(raw: Any, where: str, provider: str) -> Fill:
    body = _object(raw, where, FILL_FIELDS)
    order_id = body.get("order_id")
    if isinstance(order_id, int) and not isinstance(order_id, bool) and order_id > 0:
        order_id = str(order_id)
    types = BINANCE_ORDER_TYPES if provider == "binance_futures" else ALPACA_ORDER_TYPES
    order_class = body.get("order_class", "simple")
    if provider == "binance_futures" and order_class != "simple":
        raise ExchangeError(f"{_where(where, 'order_class')} is Alpaca's: a Binance fill has none")
    parent = body.get("parent_order_id")
    return Fill(
        order_id=_text(order_id, _where(where, "order_id"), ORDER_ID_MAX_LENGTH),
        symbol=_symbol(body.get("symbol"), _where(where, "symbol")),
        side=_choice(body.get("side"), _where(where, "side"), ("BUY", "SELL")),
        quantity=_decimal(body.get("quantity"), _where(where, "quantity"), positive=True),
        price=_decimal(body.get("price"), _where(where, "price"), positive=True),
        fee=_decimal(body.get("fee", 0), _where(where, "fee")),
        time=_time(body.get("time"), _where(where, "time")),
        order_type=_choice(body.get("order_type"), _where(where, "order_type"), types),
        realized_pnl=None
        if body.get("realized_pnl") is None
        else _decimal(body["realized_pnl"], _where(where, "realized_pnl")),
        order_class=_choice(order_class, _where(where, "order_class"), ALPACA_ORDER_CLASSES),
        parent_order_id=None if parent is None else _text(parent, _where(where, "parent_order_id"), 100),
    )


def _list(value: Any, where: str, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise ExchangeError(f"{where} must be a list of at most {limit}")
    return value


def with_history(fills: list[Fill]) -> tuple[Fill, ...]:
    """The fills in time order, each numbered, marked opening or not, and (where none was given) carrying
    the realized P&L Binance reports in one-way mode: (price - average entry) * quantity by side for the
    part that reduces a position, 0 for the part that opens or adds to one; fees are not in it."""
    ordered = sorted(enumerate(fills), key=lambda item: (item[1].time, item[0]))
    held: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (signed quantity, average entry)
    numbered: list[Fill] = []
    for sequence, (_, fill) in enumerate(ordered):
        amount, entry = held.get(fill.symbol, (Decimal(0), Decimal(0)))
        delta = fill.quantity if fill.side == "BUY" else -fill.quantity
        realized = Decimal(0)
        opening = amount == 0 or (amount > 0) == (delta > 0)
        if opening:
            entry = (abs(amount) * entry + fill.quantity * fill.price) / (abs(amount) + fill.quantity)
            amount += delta
        else:
            closed = min(fill.quantity, abs(amount))
            direction = 1 if amount > 0 else -1
            realized = (fill.price - entry) * closed * direction
            amount += delta
            if amount == 0:
                entry = Decimal(0)
            elif (amount > 0) != (direction > 0):  # it flipped: the rest opens at this fill's price
                entry = fill.price
        held[fill.symbol] = (amount, entry)
        pnl = fill.realized_pnl if fill.realized_pnl is not None else realized
        numbered.append(replace(fill, realized_pnl=pnl, sequence=sequence, opening=opening))
    return tuple(numbered)


def parse_account(body: Any, existing: Account | None) -> Account:
    """An account from a ``PUT /_local/exchange`` body; fields left out keep an existing account's values."""
    if not isinstance(body, dict):
        raise ExchangeError("the body must be a JSON object")
    _object(body, "body", ACCOUNT_FIELDS)
    provider = _choice(body.get("provider"), "provider", PROVIDERS)
    api_key = _text(body.get("api_key"), "api_key", KEY_MAX_LENGTH)
    api_secret = _text(body.get("api_secret"), "api_secret", KEY_MAX_LENGTH)
    if existing is not None and existing.provider != provider:
        existing = None  # another provider's account under the same key is a new account
    account = existing or Account(provider, api_key, api_secret)
    can_withdraw = body.get("can_withdraw", account.can_withdraw)
    if not isinstance(can_withdraw, bool):
        raise ExchangeError("can_withdraw must be true or false")
    fault = body.get("fault", account.fault)
    if fault is not None and fault not in FAULTS:
        raise ExchangeError(f"fault must be null or one of {list(FAULTS)}")
    positions = account.positions
    if "positions" in body:
        raw = _list(body["positions"], "positions", 1000)
        positions = tuple(_holding(item, f"positions[{i}]") for i, item in enumerate(raw))
        sides = [(h.symbol, h.side) for h in positions]
        if len(set(sides)) != len(sides) or len({s for s, _ in sides}) != len(sides):
            raise ExchangeError("positions may hold each symbol once (one-way mode: LONG or SHORT)")
    fills = account.fills
    if "fills" in body:
        raw = _list(body["fills"], "fills", MAX_FILLS)
        fills = with_history([_fill(item, f"fills[{i}]", provider) for i, item in enumerate(raw)])
        symbols: dict[str, str] = {}
        for fill in fills:
            if symbols.setdefault(fill.order_id, fill.symbol) != fill.symbol:
                raise ExchangeError(f"order {fill.order_id!r} has fills for two symbols")
    return Account(
        provider=provider,
        api_key=api_key,
        api_secret=api_secret,
        can_withdraw=can_withdraw,
        cash=_decimal(body["cash"], "cash") if "cash" in body else account.cash,
        positions=positions,
        fills=fills,
        fault=fault,
        created=account.created,
    )
