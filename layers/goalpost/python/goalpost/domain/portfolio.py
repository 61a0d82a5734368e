"""Portfolio valuation: cached prices, positions aggregated per (symbol, side), cash (set by hand, and each
connected account's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, ZERO
from goalpost.domain.positions import Side, gross_pnl

FRESH_FOR = timedelta(minutes=5)
SYMBOL_PATTERN = r"^[A-Z0-9.\-/]{1,20}$"


class CachedPrice(Model):
    symbol: str
    price: Decimal
    updated_at: datetime
    source: str

    def is_fresh(self, now: datetime) -> bool:
        return now - self.updated_at < FRESH_FOR


class Valued(Protocol):
    """What valuing reads of an open position (a ``Position``, or a registry's ``HeldPosition``)."""

    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def entry_price(self) -> Decimal: ...
    @property
    def cost_basis(self) -> Decimal: ...  # the capital it ties up: the margin, quantity * entry / leverage


class CashAccount(Protocol):
    """A connected account's cash, as the portfolio shows it beside the cash set by hand."""

    @property
    def account_id(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def cash(self) -> Decimal: ...
    @property
    def synced_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Holding:
    """One row of the portfolio: every open position of one symbol on one side. A leveraged position counts
    by its margin (``cost_basis``) plus its unrealized P&L; ``notional_value`` is its exposure, which no total
    adds up."""

    ticker: str
    side: Side
    shares: Decimal
    cost_basis: Decimal
    current_value: Decimal
    price_per_share: Decimal | None
    unrealized_gain_loss: Decimal
    price_missing: bool
    notional_value: Decimal

    @property
    def unrealized_gain_loss_percent(self) -> Decimal:
        return ZERO if self.cost_basis == 0 else self.unrealized_gain_loss / self.cost_basis * HUNDRED


@dataclass(frozen=True)
class PortfolioValue:
    total_value: Decimal
    investment_value: Decimal
    cash_balance: Decimal
    positions: list[Holding]
    last_updated: datetime | None
    price_fresh: bool
    accounts: Sequence[CashAccount] = ()  # the connected accounts' parts of ``cash_balance``


def _holding(ticker: str, side: Side, positions: list[Valued], price: CachedPrice | None) -> Holding:
    shares = sum((p.quantity for p in positions), ZERO)
    cost = sum((p.cost_basis for p in positions), ZERO)
    if price is None:
        # No price: valued at cost, and said so, rather than dropping out of the total (a false fall); the
        # exposure is the one it was opened with.
        notional = sum((p.quantity * p.entry_price for p in positions), ZERO)
        return Holding(ticker, side, shares, cost, cost, None, ZERO, price_missing=True, notional_value=notional)
    pnl = sum((gross_pnl(side, p.entry_price, price.price, p.quantity) for p in positions), ZERO)
    notional = shares * price.price
    return Holding(
        ticker, side, shares, cost, cost + pnl, price.price, pnl, price_missing=False, notional_value=notional
    )


def value_portfolio(
    positions: Iterable[Valued],
    prices: Mapping[str, CachedPrice],
    cash: Decimal,
    now: datetime,
    accounts: Sequence[CashAccount] = (),
) -> PortfolioValue:
    """One row per (symbol, side) of the open positions, valued at the cached prices; the oldest price used
    is ``last_updated``, and ``price_fresh`` says whether every position has a price and every price used is
    under 5 minutes old. The cash is ``cash`` plus each of ``accounts``' (a caller that shows no account
    passes all of the portfolio's cash as ``cash``)."""
    groups: dict[tuple[str, Side], list[Valued]] = {}
    for position in positions:
        groups.setdefault((position.symbol, position.side), []).append(position)
    holdings = [_holding(symbol, side, group, prices.get(symbol)) for (symbol, side), group in sorted(groups.items())]
    used = [prices[h.ticker] for h in holdings if not h.price_missing]
    investment = sum((h.current_value for h in holdings), ZERO)
    cash_balance = cash + sum((account.cash for account in accounts), ZERO)
    return PortfolioValue(
        total_value=investment + cash_balance,
        investment_value=investment,
        cash_balance=cash_balance,
        positions=holdings,
        last_updated=min((p.updated_at for p in used), default=None),
        price_fresh=len(used) == len(holdings) and all(p.is_fresh(now) for p in used),
        accounts=tuple(accounts),
    )
