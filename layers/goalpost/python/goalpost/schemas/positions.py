"""Position requests and responses."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from goalpost.domain.model import Choice, Number
from goalpost.domain.money import MAX_AMOUNT
from goalpost.domain.portfolio import SYMBOL_PATTERN
from goalpost.domain.positions import ExitReason, Position, PositionStatus, Side, risk_reward_ratio, validate_levels
from goalpost.schemas.common import DateTimeInput, JsonNumber, RequestModel, ResponseModel, UtcDateTime

Positive = Annotated[Number, Field(gt=0, le=MAX_AMOUNT, max_digits=28, decimal_places=12, allow_inf_nan=False)]
NonNegative = Annotated[Number, Field(ge=0, le=MAX_AMOUNT, max_digits=28, decimal_places=12, allow_inf_nan=False)]
TrailingPercent = Annotated[Number, Field(gt=0, lt=100, max_digits=12, decimal_places=8, allow_inf_nan=False)]
Minutes = Annotated[int, Field(ge=1, le=525_600)]
Strategy = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^#]+$")]
Symbol = Annotated[str, StringConstraints(min_length=1, max_length=20)]
# A symbol in a query, in either case (it is upper-cased like a body's).
SYMBOL_QUERY_PATTERN = r"^[A-Za-z0-9.\-/]{1,20}$"


def upper_symbol(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    symbol = value.strip().upper()
    if not re.fullmatch(SYMBOL_PATTERN, symbol):
        raise ValueError("symbol must be 1..20 characters of A-Z 0-9 . - /")
    return symbol


class PositionCreate(RequestModel):
    symbol: Symbol
    side: Choice[Side] = Side.LONG
    quantity: Positive
    entry_price: Positive
    entry_time: DateTimeInput | None = None
    leverage: Annotated[int, Field(ge=1, le=125)] = 1
    stop_loss: Positive | None = None
    take_profit: Positive | None = None
    trailing_stop_percent: TrailingPercent | None = None
    max_duration_minutes: Minutes | None = None
    strategy: Strategy | None = None
    fees_paid: NonNegative = Decimal(0)

    _symbol = field_validator("symbol", mode="before")(upper_symbol)

    @model_validator(mode="after")
    def _levels(self) -> PositionCreate:
        problem = validate_levels(self.side, self.entry_price, self.stop_loss, self.take_profit)
        if problem:
            raise ValueError(problem)
        return self

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PositionUpdate(RequestModel):
    """Any of the levels of an OPEN position; null clears one."""

    stop_loss: Positive | None = None
    take_profit: Positive | None = None
    trailing_stop_percent: TrailingPercent | None = None
    max_duration_minutes: Minutes | None = None

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class PositionClose(RequestModel):
    exit_price: Positive | None = None
    exit_time: DateTimeInput | None = None


class PositionOut(ResponseModel):
    id: str
    symbol: str
    side: Side
    quantity: JsonNumber
    entry_price: JsonNumber
    entry_time: UtcDateTime
    leverage: int
    stop_loss: JsonNumber | None
    take_profit: JsonNumber | None
    trailing_stop_percent: JsonNumber | None
    max_duration_minutes: int | None
    strategy: str | None
    fees_paid: JsonNumber
    status: PositionStatus
    risk_reward_ratio: JsonNumber | None
    last_updated_price: JsonNumber | None
    unrealized_pnl: JsonNumber | None
    exit_price: JsonNumber | None
    exit_time: UtcDateTime | None
    exit_reason: ExitReason | None
    slippage: JsonNumber | None
    pnl_usd: JsonNumber | None
    pnl_percentage: JsonNumber | None
    is_winning: bool | None
    realized_pnl: JsonNumber | None
    actual_rr_ratio: JsonNumber | None
    trade_duration_minutes: int | None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def of(cls, position: Any) -> PositionOut:
        assert isinstance(position, Position)
        return cls(
            **position.model_dump(exclude={"user_id", "best_price"}), risk_reward_ratio=risk_reward_ratio(position)
        )
