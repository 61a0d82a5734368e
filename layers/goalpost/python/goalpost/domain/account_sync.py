"""Reconciling a connected account: what Goalpost must change so that the account's OPEN positions match what
the provider holds, priced by the provider's fills. Pure: the sync service reads, this decides, the data layer
writes each change exactly once.

The exchange's positions decide the quantities (the truth, whatever fills were missed); the fills decide the
prices, fees and P&L of what changed. For each symbol and side:

- held on the exchange, not open in Goalpost: **create** it as the exchange reports it;
- open in Goalpost, gone from the exchange, or closed by fills that cover its whole quantity (it closed and,
  maybe, reopened between two syncs): **close** it from the closing fills (then create what reopened);
- a smaller quantity on the exchange: **close that part** (a new CLOSED position, ``parent_id`` the open one);
- a larger one: **increase** it, the entry moving to the quantity-weighted average;
- a close whose fills the provider does not show yet **waits** for them (reported, nothing changes).

Every fill the decision read is applied (or known to change nothing) once: the plan names them, and the
data layer records them with the change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from goalpost.domain.accounts import ExchangePosition, Fill, FillSide
from goalpost.domain.money import ZERO
from goalpost.domain.positions import ExitReason, Position, Side

# Averaged prices keep this many decimal places (more than any provider quotes), trailing zeros dropped.
PRICE_PLACES = Decimal("1e-10")


def average_price(cost: Decimal, quantity: Decimal) -> Decimal:
    """``cost / quantity``, to ``PRICE_PLACES``, without trailing zeros."""
    averaged = (cost / quantity).quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN).normalize()
    exponent = averaged.as_tuple().exponent
    return averaged.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else averaged


# A bot records its position after its entry filled, with its own clock: fills up to this long before the
# position's entry time are its own (fills of an earlier position were applied by the sync that closed it).
ENTRY_SKEW = timedelta(minutes=5)
# A close whose fills the provider shows only in part waits this long after the last one shown for the rest
# (a provider lists a fill late now and then); then it closes at the price of what is shown.
LATE_FILL_WAIT = timedelta(minutes=15)

# The side of a fill that opens or adds to a position of each side; the other side closes it.
OPENING_SIDE = {Side.LONG: FillSide.BUY, Side.SHORT: FillSide.SELL}


@dataclass(frozen=True)
class FillSlice:
    """``quantity`` taken from ``fills`` in time order (the last one perhaps in part): their quantity-weighted
    price, their fees and the provider's realized P&L (None when the provider reports none), both prorated
    for a fill taken in part, and the last fill's time and order."""

    fills: tuple[Fill, ...]
    quantity: Decimal
    price: Decimal
    fees: Decimal
    realized_pnl: Decimal | None
    time: datetime
    order_id: str
    parts: tuple[Decimal, ...] = ()  # the quantity taken from each of ``fills``

    @property
    def fill_ids(self) -> frozenset[str]:
        return frozenset(fill_key(fill) for fill in self.fills)


def fill_key(fill: Fill) -> str:
    """What identifies a fill of an account: its symbol and the provider's id (Binance numbers trades per
    symbol)."""
    return f"{fill.symbol}:{fill.id}"


def take(fills: Sequence[Fill], quantity: Decimal, *, closing: bool = False) -> FillSlice | None:
    """Up to ``quantity`` from ``fills`` (in the order given); None when there are none. Less than ``quantity``
    when the fills hold less: the price is then what they show. Fees are shared by quantity. ``closing``: the
    fills close a position, and a provider's realized P&L is all of a fill's closing part (a fill that closes
    a LONG and opens a SHORT with the rest reports its P&L on the close), so it counts whole."""
    used: list[Fill] = []
    parts: list[Decimal] = []
    taken = cost = fees = ZERO
    pnl: Decimal | None = None
    for fill in fills:
        if taken >= quantity:
            break
        part = min(fill.quantity, quantity - taken)
        used.append(fill)
        parts.append(part)
        taken += part
        cost += part * fill.price
        fees += fill.fee * part / fill.quantity  # multiplied first: exact whenever the share is
        if fill.realized_pnl is not None:
            pnl = (pnl or ZERO) + (fill.realized_pnl if closing else fill.realized_pnl * part / fill.quantity)
    if not used:
        return None
    last = max(used, key=lambda f: (f.time, f.id))
    return FillSlice(tuple(used), taken, average_price(cost, taken), fees, pnl, last.time, last.order_id, tuple(parts))


def remainder(fill: Fill, taken: Decimal) -> Fill | None:
    """What is left of ``fill`` once ``taken`` of it was used (its fee shared by quantity; its P&L went with
    the part that closed), None when nothing is."""
    left = fill.quantity - taken
    if left <= 0:
        return None
    return replace(fill, quantity=left, fee=fill.fee * left / fill.quantity, realized_pnl=None)


class _BuiltByFills:
    """A change whose fills (``built``, None when the provider does not show them) give its fees and ids."""

    built: FillSlice | None

    @property
    def fees(self) -> Decimal:
        return self.built.fees if self.built is not None else ZERO

    @property
    def fill_ids(self) -> frozenset[str]:
        return self.built.fill_ids if self.built is not None else frozenset()


@dataclass(frozen=True)
class Create(_BuiltByFills):
    """A position the exchange holds that Goalpost has no open position for."""

    symbol: str
    side: Side
    quantity: Decimal
    entry_price: Decimal
    leverage: int
    entry_time: datetime
    built: FillSlice | None = None  # the fills that built it


@dataclass(frozen=True)
class Increase(_BuiltByFills):
    """``position`` grew on the exchange to ``quantity``, its entry now ``entry_price``."""

    position: Position
    quantity: Decimal
    entry_price: Decimal
    built: FillSlice | None = None  # the fills that added to it


@dataclass(frozen=True)
class Close:
    """``quantity`` of ``position`` closed by ``exit``: the whole position, or a part (``partial``)."""

    position: Position
    quantity: Decimal
    exit: FillSlice
    reason: ExitReason

    @property
    def partial(self) -> bool:
        return self.quantity < self.position.quantity

    @property
    def fill_ids(self) -> frozenset[str]:
        return self.exit.fill_ids

    @property
    def built(self) -> FillSlice:
        return self.exit


Change = Create | Increase | Close


@dataclass
class Plan:
    """What one sync changes, in order, and the fills it read that change nothing (``absorbed``: history from
    before a position was open, or the fills of a bot's own entry that Goalpost already holds)."""

    changes: list[Change] = field(default_factory=list)
    absorbed: set[str] = field(default_factory=set)
    waiting: list[str] = field(default_factory=list)  # closes whose fills the provider does not show yet


# How a closing fill's order closed the position (the provider's order type, a liquidation, a bracket leg).
ReasonOf = Callable[[Fill], ExitReason]


def _key(symbol: str, side: Side) -> tuple[str, Side]:
    return symbol, side


def reconcile(
    positions: Iterable[Position],
    held: Iterable[ExchangePosition],
    fills: Iterable[Fill],
    reason_of: ReasonOf,
    now: datetime,
) -> Plan:
    """The plan that brings the account's OPEN ``positions`` (Goalpost's) in step with ``held`` (the
    exchange's), using the ``fills`` not yet applied. ``reason_of`` tells a closing fill's exit reason (it may
    ask the provider; it is called only for fills that close something)."""
    open_by_key: dict[tuple[str, Side], Position] = {}
    for held_open in sorted(positions, key=lambda p: (p.entry_time, p.id)):
        open_by_key.setdefault(_key(held_open.symbol, held_open.side), held_open)  # one per symbol and side
    held_by_key = {_key(h.symbol, h.side): h for h in held if h.quantity > 0}
    ordered = sorted(fills, key=lambda f: (f.time, f.id))
    plan = Plan()
    used: set[str] = set()
    # What is left of each fill: a fill that closes a LONG and opens a SHORT (one-way mode) serves both.
    left: dict[str, Fill] = {fill_key(f): f for f in ordered}
    keys = sorted(set(open_by_key) | set(held_by_key), key=lambda k: (k[0], k[1].value))
    # Closes first, so that the rest of a fill that closed one side opens the other.
    for symbol, side in sorted(keys, key=lambda k: k not in open_by_key):
        position = open_by_key.get((symbol, side))
        exchange = held_by_key.get((symbol, side))
        of_symbol = [left[fill_key(f)] for f in ordered if f.symbol == symbol and fill_key(f) in left]
        changes = _reconcile_one(position, exchange, of_symbol, side, reason_of, now, plan)
        for change in changes:
            used |= change.fill_ids
            _use(left, change.built)
        plan.changes.extend(changes)
    plan.absorbed = {fill_key(f) for f in ordered} - used - _waiting_fills(plan, ordered)
    return plan


def _use(left: dict[str, Fill], built: FillSlice | None) -> None:
    if built is None:
        return
    for fill, part in zip(built.fills, built.parts, strict=True):
        rest = remainder(fill, part)
        if rest is None:
            left.pop(fill_key(fill), None)
        else:
            left[fill_key(fill)] = rest


def _waiting_fills(plan: Plan, fills: Sequence[Fill]) -> set[str]:
    """A waiting close's symbol keeps its fills unapplied, so the next sync sees them again."""
    waiting = set(plan.waiting)
    return {fill_key(f) for f in fills if f.symbol in waiting}


def _reconcile_one(
    position: Position | None,
    exchange: ExchangePosition | None,
    fills: list[Fill],
    side: Side,
    reason_of: ReasonOf,
    now: datetime,
    plan: Plan,
) -> list[Change]:
    held = exchange.quantity if exchange is not None else ZERO
    opening_side = OPENING_SIDE[side]
    if position is None:
        return [] if exchange is None else [_create(exchange, [f for f in fills if f.side == opening_side], now)]
    since_entry = [f for f in fills if f.time >= position.entry_time - ENTRY_SKEW]
    closing = [f for f in since_entry if f.side != opening_side]
    opening = [f for f in since_entry if f.side == opening_side]
    quantity = position.quantity
    closed_by_fills = sum((f.quantity for f in closing), ZERO)
    if held == 0 or closed_by_fills >= quantity:
        exit_slice = take(closing, quantity, closing=True)
        if _waits(exit_slice, quantity, now):
            plan.waiting.append(position.symbol)
            return []
        assert exit_slice is not None
        changes: list[Change] = [Close(position, quantity, exit_slice, reason_of(exit_slice.fills[-1]))]
        if exchange is not None:  # it reopened: what it holds now is a new position
            reopened = [f for f in opening if f.time >= exit_slice.time]
            changes.append(_create(exchange, reopened, now))
        return changes
    if held < quantity:
        exit_slice = take(closing, quantity - held, closing=True)
        if _waits(exit_slice, quantity - held, now):
            plan.waiting.append(position.symbol)
            return []
        assert exit_slice is not None
        return [Close(position, quantity - held, exit_slice, reason_of(exit_slice.fills[-1]))]
    if held > quantity:
        assert exchange is not None
        return [_increase(position, exchange, opening)]
    return []


def _waits(exit_slice: FillSlice | None, needed: Decimal, now: datetime) -> bool:
    """Whether a close waits for its fills: none shown yet, or fewer than it needs while the last one shown is
    recent (the provider may list a fill late; past ``LATE_FILL_WAIT`` the close takes what is shown)."""
    if exit_slice is None:
        return True
    return exit_slice.quantity < needed and now - exit_slice.time < LATE_FILL_WAIT


def _latest(fills: Sequence[Fill], quantity: Decimal) -> FillSlice | None:
    """The most recent fills that make up ``quantity`` (what built a position's current size)."""
    return take(list(reversed(fills)), quantity)


def _create(exchange: ExchangePosition, opening: Sequence[Fill], now: datetime) -> Create:
    """The exchange's position as a new Goalpost one: its entry price, quantity and leverage as the exchange
    reports them; entered at its latest opening fill (else now), with those fills' fees."""
    built = _latest(opening, exchange.quantity)
    return Create(
        symbol=exchange.symbol,
        side=exchange.side,
        quantity=exchange.quantity,
        entry_price=exchange.entry_price,
        leverage=exchange.leverage,
        entry_time=built.time if built is not None else now,
        built=built,
    )


def _increase(position: Position, exchange: ExchangePosition, opening: Sequence[Fill]) -> Increase:
    """The added quantity at the price of the fills that added it (the latest opening fills), averaged with
    the position's entry by quantity; the exchange's own average entry when the fills do not show it all."""
    added = exchange.quantity - position.quantity
    built = _latest(opening, added)
    if built is None or built.quantity < added:
        return Increase(position, exchange.quantity, exchange.entry_price)
    entry = average_price(position.entry_price * position.quantity + built.price * added, exchange.quantity)
    return Increase(position, exchange.quantity, entry, built)


def account_cash(wallet: Decimal, held: Iterable[ExchangePosition], *, margin_based: bool) -> Decimal:
    """The account's cash as the portfolio counts it: Alpaca's ``cash`` as it is; a futures wallet less the
    margin of its open positions (entry * quantity / leverage), which the portfolio values as positions."""
    if not margin_based:
        return wallet
    return wallet - sum((h.entry_price * h.quantity / h.leverage for h in held), ZERO)
