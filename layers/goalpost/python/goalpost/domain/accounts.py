"""Connected accounts, provider-neutral: what a Binance USD-M futures or Alpaca account holds (cash, positions),
what it did (fills, orders) and what its keys may do. Pure values, Decimal throughout; the clients in
``goalpost.edges.accounts`` translate each provider's wire format into these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from goalpost.domain.model import Model
from goalpost.domain.positions import ExitReason, Side

KEY_HINT_LENGTH = 4


class Provider(StrEnum):
    BINANCE_FUTURES = "binance_futures"
    ALPACA = "alpaca"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    FAILING = "failing"  # the provider refused the keys 3 syncs in a row: the sync stops trying


class FillSide(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


@dataclass(frozen=True)
class ApiCredentials:
    """An account's API key and secret. The secret is left out of the repr (and so of every log line, error
    and traceback that formats this object); only the key's last characters show."""

    key: str
    secret: str = field(repr=False)

    @property
    def key_hint(self) -> str:
        return self.key[-KEY_HINT_LENGTH:]

    def __repr__(self) -> str:
        return f"ApiCredentials(key='…{self.key_hint}', secret='***')"

    __str__ = __repr__


class Account(Model):
    """A connected account as Goalpost keeps it. Its credentials are not a field: the repository stores them
    encrypted (``goalpost.edges.accounts.vault``) and only the functions that call the provider open them."""

    id: str
    user_id: str
    provider: Provider
    label: str | None = None
    key_hint: str  # the API key's last KEY_HINT_LENGTH characters, the only part of it kept in clear
    paper: bool = False
    status: AccountStatus = AccountStatus.ACTIVE
    failures: int = 0  # refusals in a row by the provider (FAILING at FAILURES_BEFORE_FAILING)
    cash: Decimal | None = None
    last_synced_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime


FAILURES_BEFORE_FAILING = 3


@dataclass(frozen=True)
class KeyPermissions:
    can_read: bool
    can_withdraw: bool
    can_trade: bool


@dataclass(frozen=True)
class ExchangePosition:
    symbol: str
    side: Side
    quantity: Decimal  # > 0 whatever the side
    entry_price: Decimal
    leverage: int = 1


@dataclass(frozen=True)
class AccountState:
    cash: Decimal  # Alpaca's cash; Binance's wallet balance (margin not yet taken off)
    positions: tuple[ExchangePosition, ...] = ()


@dataclass(frozen=True)
class Fill:
    id: str
    order_id: str
    symbol: str
    side: FillSide
    quantity: Decimal
    price: Decimal
    fee: Decimal
    time: datetime
    realized_pnl: Decimal | None = None  # the provider's own figure where it reports one (Binance)


@dataclass(frozen=True)
class Order:
    id: str
    symbol: str
    type: str  # in the provider's own words (Binance ``TAKE_PROFIT_MARKET``, Alpaca ``stop_limit``)
    side: FillSide
    status: str
    exit_reason: ExitReason  # what closing a position with this order means
    filled_quantity: Decimal
    average_price: Decimal | None
    time: datetime | None
    parent_id: str | None = None  # the bracket, OCO or OTO order this one is a leg of (Alpaca)
    client_order_id: str | None = None  # the id the order's placer gave it


# The exit reason of a position closed by an order of each type; any type not listed is MANUAL.
BINANCE_EXIT_REASONS: Mapping[str, ExitReason] = {
    "STOP": ExitReason.SL_HIT,
    "STOP_MARKET": ExitReason.SL_HIT,
    "TAKE_PROFIT": ExitReason.TP_HIT,
    "TAKE_PROFIT_MARKET": ExitReason.TP_HIT,
    "TRAILING_STOP_MARKET": ExitReason.TRAILING_STOP,
    "LIQUIDATION": ExitReason.LIQUIDATION,
}
ALPACA_EXIT_REASONS: Mapping[str, ExitReason] = {
    "stop": ExitReason.SL_HIT,
    "stop_limit": ExitReason.SL_HIT,
    "trailing_stop": ExitReason.TRAILING_STOP,
}
# A leg of a bracket (or OCO/OTO) order: its limit leg is the take-profit, its stop leg the stop-loss.
ALPACA_LEG_EXIT_REASONS: Mapping[str, ExitReason] = {**ALPACA_EXIT_REASONS, "limit": ExitReason.TP_HIT}
EXIT_REASONS: Mapping[Provider, Mapping[str, ExitReason]] = {
    Provider.BINANCE_FUTURES: BINANCE_EXIT_REASONS,
    Provider.ALPACA: ALPACA_EXIT_REASONS,
}
LEG_EXIT_REASONS: Mapping[Provider, Mapping[str, ExitReason]] = {Provider.ALPACA: ALPACA_LEG_EXIT_REASONS}


def exit_reason(provider: Provider, order_type: str, *, forced: bool = False, leg: bool = False) -> ExitReason:
    """The exit reason of a position closed by an order of ``order_type`` (the provider's words): a forced
    order (a liquidation, whatever its type says) is LIQUIDATION; a leg of a bracket order reads its own
    table; anything unknown is MANUAL."""
    if forced:
        return ExitReason.LIQUIDATION
    table = LEG_EXIT_REASONS.get(provider, EXIT_REASONS[provider]) if leg else EXIT_REASONS[provider]
    return table.get(order_type, ExitReason.MANUAL)
