"""Trading positions: sides, statuses and the P&L arithmetic (Decimal throughout)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from goalpost.domain.ids import new_id
from goalpost.domain.money import ZERO


class Side(StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"


class PositionStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ExitReason(StrEnum):
    TP_HIT = "TP_HIT"
    SL_HIT = "SL_HIT"
    TRAILING_STOP = "TRAILING_STOP"
    TIMEOUT = "TIMEOUT"
    LIQUIDATION = "LIQUIDATION"
    MANUAL = "MANUAL"


class Position(BaseModel):
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
    last_updated_price: Decimal | None = None
    exit_price: Decimal | None = None
    exit_time: datetime | None = None
    exit_reason: ExitReason | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def cost_basis(self) -> Decimal:
        return self.quantity * self.entry_price

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


def gross_pnl(side: Side, entry_price: Decimal, price: Decimal, quantity: Decimal) -> Decimal:
    """LONG ``(price - entry) * quantity``, SHORT ``(entry - price) * quantity`` (before fees)."""
    move = price - entry_price if side == Side.LONG else entry_price - price
    return move * quantity
