"""Position requests and responses."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from goalpost.domain.model import Choice, Number
from goalpost.domain.money import MAX_AMOUNT
from goalpost.domain.performance import ALL_STRATEGIES
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
# The same text as a query filter (a bot, prompt, account or strategy): what could never have been saved is 422.
KeyTextQuery = Annotated[str | None, Query(min_length=1, max_length=100, pattern=KEY_TEXT_PATTERN)]


def _not_all_trades(strategy: str) -> str:
    if strategy == ALL_STRATEGIES:
        raise ValueError(f"'{ALL_STRATEGIES}' stands for all trades in performance: name the strategy otherwise")
    return strategy


# A strategy names its own performance group, so it may not be the all-trades group's name.
Strategy = Annotated[KeyText, AfterValidator(_not_all_trades)]
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


ACTION_SIDES = {"BUY": Side.LONG, "SELL": Side.SHORT}
INPUT_ALIASES = {"position_side", "action", "strategy_used", "risk_reward_ratio"}


class PositionCreate(RequestModel):
    """A position to open, or (``status`` PENDING) an order placed that has not filled yet. A trading bot's own
    names are accepted too: ``position_side`` for ``side``, ``strategy_used`` for ``strategy``, ``action``
    (BUY = LONG, SELL = SHORT) when no side is given; a conflict between them is a 422 at the field that
    conflicts. A sent ``risk_reward_ratio`` is ignored (it is computed from the levels)."""

    # The bots' names come first: a field is checked against those validated before it, and a field's
    # validator runs only when the field is sent, so a conflict is reported at the field that was sent.
    position_side: Choice[Side] | None = Field(default=None, description="Same as side")
    action: Literal["BUY", "SELL"] | None = Field(default=None, description="BUY = LONG, SELL = SHORT")
    strategy_used: Strategy | None = Field(default=None, description="Same as strategy")
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
    risk_reward_ratio: Number | None = Field(default=None, description="Ignored: computed from the levels")

    _symbol = field_validator("symbol", mode="before")(upper_symbol)

    @field_validator("action")
    @classmethod
    def _action_agrees(cls, action: str | None, info: ValidationInfo) -> str | None:
        _agrees(f"action {action}", action and ACTION_SIDES[action], _sent(info, "position_side"))
        return action

    @field_validator("side")
    @classmethod
    def _side_agrees(cls, side: Side, info: ValidationInfo) -> Side:
        _agrees(f"side {side}", side, _sent(info, "position_side", "action"))
        return side

    @field_validator("strategy")
    @classmethod
    def _strategy_agrees(cls, strategy: str | None, info: ValidationInfo) -> str | None:
        _agrees(f"strategy {strategy}", strategy, _sent(info, "strategy_used"))
        return strategy

    @model_validator(mode="after")
    def _aliases_and_levels(self) -> PositionCreate:
        if "side" not in self.model_fields_set:
            self.side = self.position_side or (ACTION_SIDES[self.action] if self.action else Side.LONG)
        self.strategy = self.strategy or self.strategy_used
        problem = validate_levels(self.side, self.entry_price, self.stop_loss, self.take_profit)
        if problem:
            raise ValueError(problem)
        return self

    def fields(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_none=True, exclude=INPUT_ALIASES)
        fields["status"] = PositionStatus(self.status)
        return fields


def _sent(info: ValidationInfo, *names: str) -> list[tuple[str, Any]]:
    """The bots' names sent (and valid) before this field, each as its text and what it means."""
    sent = [(name, info.data.get(name)) for name in names]
    return [(f"{name} {value}", ACTION_SIDES[value] if name == "action" else value) for name, value in sent if value]


def _agrees(named: str, value: Any, others: list[tuple[str, Any]]) -> None:
    """A 422 when a name sent too means something else (``value`` None: nothing to compare)."""
    for other, meaning in others:
        if value is not None and meaning != value:
            raise ValueError(f"{named} conflicts with {other}")


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
        # The values as parsed (a datetime stays a datetime: model_dump would render it as text).
        return {name: getattr(self, name) for name in type(self).model_fields if getattr(self, name) is not None}


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
