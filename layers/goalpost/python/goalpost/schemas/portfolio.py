"""Price, cash, portfolio and chart requests and responses."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field

from goalpost.domain.charts import Timeframe
from goalpost.domain.errors import InvalidInput
from goalpost.domain.money import round2
from goalpost.domain.portfolio import SYMBOL_PATTERN, CachedPrice, PortfolioValue
from goalpost.domain.positions import Side
from goalpost.schemas.common import Amount, JsonNumber, RequestModel, ResponseModel, UtcDateTime

MAX_SYMBOLS = 100


class PriceOut(ResponseModel):
    symbol: str
    price: JsonNumber
    updated_at: UtcDateTime
    source: str
    fresh: bool

    @classmethod
    def at(cls, price: CachedPrice, now: datetime) -> PriceOut:
        return cls(**price.model_dump(), fresh=price.is_fresh(now))


class Cash(ResponseModel):
    cash_balance: JsonNumber


class CashIn(RequestModel):
    cash_balance: Amount


class HoldingOut(ResponseModel):
    ticker: str
    side: Side
    shares: JsonNumber
    cost_basis: JsonNumber
    current_value: JsonNumber
    notional_value: JsonNumber  # the exposure (quantity x price), in no total
    price_per_share: JsonNumber | None
    unrealized_gain_loss: JsonNumber
    unrealized_gain_loss_percent: JsonNumber
    price_missing: bool


class AccountCashOut(ResponseModel):
    """A connected account's part of the portfolio's ``cash_balance``."""

    id: str
    provider: str
    label: str | None
    cash: JsonNumber
    synced_at: UtcDateTime | None


class PortfolioOut(ResponseModel):
    total_value: JsonNumber
    investment_value: JsonNumber
    cash_balance: JsonNumber  # the cash set by hand plus each connected account's
    positions: list[HoldingOut]
    last_updated: UtcDateTime | None
    price_fresh: bool
    accounts: list[AccountCashOut]

    @classmethod
    def of(cls, value: Any) -> PortfolioOut:
        """Money and percentages to 2 decimals (shares and prices as they are)."""
        assert isinstance(value, PortfolioValue)
        return cls(
            total_value=round2(value.total_value),
            investment_value=round2(value.investment_value),
            cash_balance=round2(value.cash_balance),
            positions=[
                HoldingOut(
                    ticker=h.ticker,
                    side=h.side,
                    shares=h.shares,
                    cost_basis=round2(h.cost_basis),
                    current_value=round2(h.current_value),
                    notional_value=round2(h.notional_value),
                    price_per_share=h.price_per_share,
                    unrealized_gain_loss=round2(h.unrealized_gain_loss),
                    unrealized_gain_loss_percent=round2(h.unrealized_gain_loss_percent),
                    price_missing=h.price_missing,
                )
                for h in value.positions
            ],
            last_updated=value.last_updated,
            price_fresh=value.price_fresh,
            accounts=[
                AccountCashOut(
                    id=a.account_id, provider=a.provider, label=a.label, cash=round2(a.cash), synced_at=a.synced_at
                )
                for a in value.accounts
            ],
        )


class PointOut(ResponseModel):
    timestamp: UtcDateTime
    value: JsonNumber


class PerformanceOut(ResponseModel):
    timeframe: Timeframe
    data_points: list[PointOut]
    start_value: JsonNumber
    current_value: JsonNumber
    profit_loss: JsonNumber
    profit_loss_percent: JsonNumber
    data_available: bool

    @classmethod
    def of(cls, performance: Any) -> PerformanceOut:
        return cls(
            timeframe=performance.timeframe,
            data_points=[PointOut(timestamp=p.timestamp, value=round2(p.value)) for p in performance.points],
            start_value=round2(performance.start_value),
            current_value=round2(performance.current_value),
            profit_loss=round2(performance.profit_loss),
            profit_loss_percent=round2(performance.profit_loss_percent),
            data_available=performance.data_available,
        )


class SnapshotPositionOut(ResponseModel):
    ticker: str
    side: Side
    shares: JsonNumber
    cost_basis: JsonNumber
    current_value: JsonNumber
    price_per_share: JsonNumber | None = None
    price_missing: bool = False


class SnapshotOut(ResponseModel):
    timestamp: UtcDateTime = Field(validation_alias=AliasChoices("timestamp", "slot"))
    total_value: JsonNumber
    cash_balance: JsonNumber
    investment_value: JsonNumber
    positions: list[SnapshotPositionOut]


class RefreshOut(ResponseModel):
    """The price update's summary."""

    symbols: int
    updated: int
    changed: int
    missing: list[str]
    rejected: list[str]
    errors: list[str]
    provider_requests: int
    price_batch_writes: int
    duration_ms: int
    monitor: dict[str, Any] | None = None  # the position monitor's run for the symbols that changed


def parse_symbols(raw: str) -> list[str]:
    """``AAPL,btcusdt`` -> ``["AAPL", "BTCUSDT"]``: upper-cased, 1..20 chars of ``A-Z0-9.-/``, at most 100,
    duplicates dropped; anything else is a 422."""
    symbols = [part.strip().upper() for part in raw.split(",")]
    bad = [s for s in symbols if not re.fullmatch(SYMBOL_PATTERN, s)]
    if bad or not symbols:
        raise InvalidInput(f"Invalid symbols: {', '.join(repr(s) for s in bad) or raw!r}")
    unique = list(dict.fromkeys(symbols))
    if len(unique) > MAX_SYMBOLS:
        raise InvalidInput(f"At most {MAX_SYMBOLS} symbols per request")
    return unique
