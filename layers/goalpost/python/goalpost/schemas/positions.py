"""Position requests and responses."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from goalpost.domain.model import Choice, Number
from goalpost.domain.money import MAX_AMOUNT
from goalpost.domain.portfolio import SYMBOL_PATTERN
from goalpost.domain.positions import (
    ExitReason,
    Position,
    PositionSource,
    PositionStatus,
    Side,
    risk_reward_ratio,
    validate_levels,
)
from goalpost.schemas.common import DateTimeInput, JsonNumber, RequestModel, ResponseModel, UtcDateTime

Positive = Annotated[Number, Field(gt=0, le=MAX_AMOUNT, max_digits=28, decimal_places=12, allow_inf_nan=False)]
NonNegative = Annotated[Number, Field(ge=0, le=MAX_AMOUNT, max_digits=28, decimal_places=12, allow_inf_nan=False)]
TrailingPercent = Annotated[Number, Field(gt=0, lt=100, max_digits=12, decimal_places=8, allow_inf_nan=False)]
Minutes = Annotated[int, Field(ge=1, le=525_600)]
# Text that reaches a key (an index partition, a performance group): no `#` (the keys' separator) and no control
# characters.
KEY_TEXT_PATTERN = r"^[^#\x00-\x1f\x7f-\x9f]+$"
KeyText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=KEY_TEXT_PATTERN)]
Strategy = KeyText
Confidence = Annotated[Number, Field(ge=0, le=100, max_digits=10, decimal_places=4, allow_inf_nan=False)]
Reason = Annotated[str, StringConstraints(max_length=2000)]
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
    """A position to open, or (``status`` PENDING) an order placed that has not filled yet. A trading bot's own
    names are accepted too: ``position_side`` for ``side``, ``strategy_used`` for ``strategy``, ``action``
    (BUY = LONG, SELL = SHORT) when no side is given; a conflict between them is a 422. A sent
    ``risk_reward_ratio`` is ignored (it is computed from the levels)."""

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
    status: Literal["OPEN", "PENDING"] = "OPEN"
    bot_id: KeyText | None = None
    prompt_id: KeyText | None = None
    subscription_id: KeyText | None = None
    confidence: Confidence | None = None
    reason: Reason | None = None
    order_id: KeyText | None = None
    account_id: KeyText | None = None
    position_side: Choice[Side] | None = Field(default=None, description="Same as side")
    strategy_used: Strategy | None = Field(default=None, description="Same as strategy")
    action: Literal["BUY", "SELL"] | None = Field(default=None, description="BUY = LONG, SELL = SHORT")
    risk_reward_ratio: Number | None = Field(default=None, description="Ignored: computed from the levels")

    _symbol = field_validator("symbol", mode="before")(upper_symbol)

    @model_validator(mode="after")
    def _aliases_and_levels(self) -> PositionCreate:
        given = self.model_fields_set
        self.side = (
            _agreed(
                "side",
                [
                    ("side", self.side if "side" in given else None),
                    ("position_side", self.position_side),
                    (f"action {self.action}", None if self.action is None else ACTION_SIDES[self.action]),
                ],
            )
            or Side.LONG
        )
        self.strategy = _agreed("strategy", [("strategy", self.strategy), ("strategy_used", self.strategy_used)])
        problem = validate_levels(self.side, self.entry_price, self.stop_loss, self.take_profit)
        if problem:
            raise ValueError(problem)
        return self

    def fields(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_none=True, exclude=INPUT_ALIASES)
        fields["status"] = PositionStatus(self.status)
        return fields


ACTION_SIDES = {"BUY": Side.LONG, "SELL": Side.SHORT}
INPUT_ALIASES = {"position_side", "strategy_used", "action", "risk_reward_ratio"}


def _agreed(field: str, sources: list[tuple[str, Any]]) -> Any:
    """The one value the given names agree on (None when none is given); a 422 naming them when they differ."""
    given = [(name, value) for name, value in sources if value is not None]
    if len({value for _, value in given}) > 1:
        named = ", ".join(f"{name}={value}" for name, value in given)
        raise ValueError(f"{field}: conflicting values {named}")
    return given[0][1] if given else None


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


class PositionFill(RequestModel):
    """The fill of a PENDING order: its price, time and quantity where they differ from the order's."""

    entry_price: Positive | None = None
    entry_time: DateTimeInput | None = None
    quantity: Positive | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PositionCancel(RequestModel):
    """A PENDING order that will not fill: CANCELLED, or FAILED when ``failed``; ``reason`` replaces the
    position's."""

    failed: bool = False
    reason: Reason | None = None


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
    bot_id: str | None
    prompt_id: str | None
    subscription_id: str | None
    confidence: JsonNumber | None
    reason: str | None
    order_id: str | None
    account_id: str | None
    source: PositionSource
    parent_id: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def of(cls, position: Any) -> PositionOut:
        assert isinstance(position, Position)
        return cls(
            **position.model_dump(exclude={"user_id", "best_price"}), risk_reward_ratio=risk_reward_ratio(position)
        )
