"""Trading positions: sides, statuses and the P&L arithmetic (Decimal throughout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from goalpost.domain.ids import new_id
from goalpost.domain.model import Model
from goalpost.domain.money import ZERO, money_text


class Side(StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"


class PositionStatus(StrEnum):
    PENDING = "PENDING"  # an order placed, not filled yet: neither monitored, valued nor counted
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"  # the order was cancelled before it filled
    FAILED = "FAILED"  # the order was refused or failed before it filled


class PositionSource(StrEnum):
    MANUAL = "manual"  # reported through the API (by a person or a bot)
    EXCHANGE = "exchange"  # created by a connected account's sync


class ExitReason(StrEnum):
    TP_HIT = "TP_HIT"
    SL_HIT = "SL_HIT"
    TRAILING_STOP = "TRAILING_STOP"
    TIMEOUT = "TIMEOUT"
    LIQUIDATION = "LIQUIDATION"
    MANUAL = "MANUAL"


class Position(Model):
    id: str
    user_id: str
    symbol: str
    side: Side = Side.LONG
    quantity: Decimal
    entry_price: Decimal
    entry_time: datetime
    leverage: int = 1
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    trailing_stop_percent: Decimal | None = None
    max_duration_minutes: int | None = None
    strategy: str | None = None
    fees_paid: Decimal = ZERO
    status: PositionStatus = PositionStatus.OPEN
    # Attribution: which bot, prompt and subscription traded it, how sure it was and why, and where it lives.
    bot_id: str | None = None
    prompt_id: str | None = None
    subscription_id: str | None = None
    confidence: Decimal | None = None
    reason: str | None = None
    order_id: str | None = None
    account_id: str | None = None
    source: PositionSource = PositionSource.MANUAL
    parent_id: str | None = None  # the position this closed part was split from
    last_updated_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    best_price: Decimal | None = None  # the best price seen since entry (the trailing stop follows it)
    exit_price: Decimal | None = None
    exit_time: datetime | None = None
    exit_reason: ExitReason | None = None
    slippage: Decimal | None = None
    pnl_usd: Decimal | None = None
    pnl_percentage: Decimal | None = None
    is_winning: bool | None = None
    realized_pnl: Decimal | None = None
    actual_rr_ratio: Decimal | None = None
    trade_duration_minutes: int | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def cost_basis(self) -> Decimal:
        """The capital the position ties up: its margin, ``quantity * entry_price / leverage``."""
        return self.quantity * self.entry_price / self.leverage

    @classmethod
    def opened(
        cls, user_id: str, symbol: str, quantity: Decimal, entry_price: Decimal, now: datetime, **fields: Any
    ) -> Position:
        """A new OPEN position entered now (``fields``: side, levels, strategy, fees...)."""
        return cls(
            id=new_id(int(now.timestamp() * 1000)),
            user_id=user_id,
            symbol=symbol,
            quantity=quantity,
            entry_price=entry_price,
            entry_time=fields.pop("entry_time", now),
            created_at=now,
            updated_at=now,
            **fields,
        )


@dataclass(frozen=True)
class PositionFilter:
    """What ``GET /positions`` narrows to; every field None: all of the user's positions."""

    status: PositionStatus | None = None
    symbol: str | None = None
    strategy: str | None = None
    bot_id: str | None = None
    prompt_id: str | None = None
    account_id: str | None = None


def gross_pnl(side: Side, entry_price: Decimal, price: Decimal, quantity: Decimal) -> Decimal:
    """LONG ``(price - entry) * quantity``, SHORT ``(entry - price) * quantity`` (before fees)."""
    move = price - entry_price if side == Side.LONG else entry_price - price
    return move * quantity


FOUR_PLACES = Decimal("0.0001")
HUNDRED_PERCENT = Decimal(100)


def round4(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def validate_levels(
    side: Side, entry_price: Decimal, stop_loss: Decimal | None, take_profit: Decimal | None
) -> str | None:
    """A LONG needs ``stop_loss < entry < take_profit``, a SHORT the reverse; the error, or None."""
    if side == Side.LONG:
        if stop_loss is not None and not stop_loss < entry_price:
            return "stop_loss must be below entry_price for a LONG position"
        if take_profit is not None and not take_profit > entry_price:
            return "take_profit must be above entry_price for a LONG position"
    else:
        if stop_loss is not None and not stop_loss > entry_price:
            return "stop_loss must be above entry_price for a SHORT position"
        if take_profit is not None and not take_profit < entry_price:
            return "take_profit must be below entry_price for a SHORT position"
    return None


def risk_reward_ratio(position: Position) -> Decimal | None:
    """``|take_profit - entry| / |entry - stop_loss|`` (4 decimals) when both levels are set."""
    if position.stop_loss is None or position.take_profit is None:
        return None
    risk = abs(position.entry_price - position.stop_loss)
    return None if risk == 0 else round4(abs(position.take_profit - position.entry_price) / risk)


def margin(position: Position) -> Decimal:
    return position.entry_price * position.quantity / position.leverage


def net_pnl(position: Position, price: Decimal) -> Decimal:
    """P&L at ``price`` less the fees paid."""
    return gross_pnl(position.side, position.entry_price, price, position.quantity) - position.fees_paid


def pnl_percentage(position: Position, pnl: Decimal) -> Decimal:
    """``pnl / (entry * quantity / leverage) * 100``, 4 decimals."""
    return round4(pnl / margin(position) * HUNDRED_PERCENT)


def liquidation_price(position: Position) -> Decimal:
    """The price at which the loss (before fees) reaches the margin."""
    move = position.entry_price / position.leverage
    return position.entry_price - move if position.side == Side.LONG else position.entry_price + move


def trailing_level(position: Position, best_price: Decimal) -> Decimal | None:
    if position.trailing_stop_percent is None:
        return None
    share = position.trailing_stop_percent / HUNDRED_PERCENT
    return best_price * (1 - share) if position.side == Side.LONG else best_price * (1 + share)


def better(side: Side, a: Decimal, b: Decimal) -> Decimal:
    """The better of two prices for the position (higher for a LONG, lower for a SHORT)."""
    return max(a, b) if side == Side.LONG else min(a, b)


def tracks_best(position: Position) -> bool:
    """Whether the best price since entry matters: only a trailing stop follows it."""
    return position.trailing_stop_percent is not None


@dataclass(frozen=True)
class Triggers:
    """Where the price must go for the monitor to have something to do with a position: at or below ``down``,
    at or above ``up`` (None: never in that direction). Between the two, no level is hit and, for a trailing
    stop, the best price stays as it is, so the monitor need not read the position at all."""

    down: Decimal | None
    up: Decimal | None

    def reached(self, price: Decimal) -> bool:
        return (self.down is not None and price <= self.down) or (self.up is not None and price >= self.up)


def triggers(position: Position, best_price: Decimal) -> Triggers:
    """The levels of ``check_exit`` folded into two: a LONG closes below its stop loss, liquidation or trailing
    stop and above its take profit, and moves its best price above the best so far; a SHORT mirrored. Any price
    for which ``check_exit`` closes, or the best price moves, is at or beyond one of the two."""
    trailing = trailing_level(position, best_price)
    best = best_price if tracks_best(position) else None
    liquidation = liquidation_price(position)
    below: tuple[Decimal | None, ...]
    above: tuple[Decimal | None, ...]
    if position.side == Side.LONG:
        below = (position.stop_loss, liquidation, trailing)
        above = (position.take_profit, best)
    else:
        below = (position.take_profit, best)
        above = (position.stop_loss, liquidation, trailing)
    # Prices are positive: a level at or below zero is never reached from above (a 1x LONG's liquidation).
    down = max((level for level in below if level is not None and level > 0), default=None)
    up = min((level for level in above if level is not None), default=None)
    return Triggers(down, up)


def deadline(position: Position) -> datetime | None:
    """When ``max_duration_minutes`` runs out (the monitor closes with TIMEOUT from then on)."""
    if position.max_duration_minutes is None:
        return None
    return position.entry_time + timedelta(minutes=position.max_duration_minutes)


@dataclass(frozen=True)
class ExitSignal:
    """Why and where the monitor closes a position: at the cached price, against a trigger level."""

    reason: ExitReason
    price: Decimal
    trigger: Decimal | None


def check_exit(position: Position, price: Decimal, best_price: Decimal, now: datetime) -> ExitSignal | None:
    """The close a price calls for, if any. Order: stop loss (it wins over take profit), liquidation, take
    profit, trailing stop (on the best price seen, this one included), then timeout."""
    long = position.side == Side.LONG
    if position.stop_loss is not None and (price <= position.stop_loss if long else price >= position.stop_loss):
        return ExitSignal(ExitReason.SL_HIT, price, position.stop_loss)
    liquidation = liquidation_price(position)
    if price <= liquidation if long else price >= liquidation:
        return ExitSignal(ExitReason.LIQUIDATION, price, liquidation)
    if position.take_profit is not None and (price >= position.take_profit if long else price <= position.take_profit):
        return ExitSignal(ExitReason.TP_HIT, price, position.take_profit)
    level = trailing_level(position, better(position.side, best_price, price))
    if level is not None and (price <= level if long else price >= level):
        return ExitSignal(ExitReason.TRAILING_STOP, price, level)
    ends = deadline(position)
    if ends is not None and now >= ends:
        return ExitSignal(ExitReason.TIMEOUT, price, None)
    return None


def close(
    position: Position,
    *,
    exit_price: Decimal,
    exit_time: datetime,
    reason: ExitReason,
    trigger: Decimal | None = None,
    pnl: Decimal | None = None,
) -> None:
    """Records the close on ``position``: exit fields, P&L (``pnl`` when the exchange reported it, else the move
    less the fees paid), R multiple, duration, slippage."""
    pnl = net_pnl(position, exit_price) if pnl is None else pnl
    position.status = PositionStatus.CLOSED
    position.exit_price = exit_price
    position.exit_time = exit_time
    position.exit_reason = reason
    position.last_updated_price = exit_price
    position.unrealized_pnl = None
    position.pnl_usd = pnl
    position.realized_pnl = pnl
    position.pnl_percentage = pnl_percentage(position, pnl)
    position.is_winning = pnl > 0
    position.trade_duration_minutes = max(0, int((exit_time - position.entry_time).total_seconds() // 60))
    position.slippage = (
        None if trigger is None or trigger == 0 else round4(abs(exit_price - trigger) / trigger * HUNDRED_PERCENT)
    )
    position.actual_rr_ratio = None
    if position.stop_loss is not None and position.stop_loss != position.entry_price:
        multiple = round4(abs(exit_price - position.entry_price) / abs(position.entry_price - position.stop_loss))
        position.actual_rr_ratio = -multiple if pnl < 0 else multiple
    position.updated_at = exit_time


def price_text(price: Decimal) -> str:
    """A price with thousands separators and at least two decimals, all of a small price's digits kept
    (``53,000.00``, ``0.00001234``)."""
    exponent = price.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{price:,.{places}f}"


def close_summary(position: Position) -> str:
    """What a close did, in one line: ``BTCUSDT LONG closed by TP_HIT at 53,000.00: +1,450.00 USD``."""
    reason = position.exit_reason.value if position.exit_reason else "MANUAL"
    price = "" if position.exit_price is None else f" at {price_text(position.exit_price)}"
    pnl = position.pnl_usd or ZERO
    sign = "+" if pnl > 0 else "-" if pnl < 0 else ""
    return f"{position.symbol} {position.side.value} closed by {reason}{price}: {sign}{money_text(abs(pnl))} USD"
