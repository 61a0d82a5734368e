"""What every price provider returns: validated quotes, and an account of what went wrong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from pydantic import ConfigDict, field_validator

from goalpost.domain.model import Model

MAX_DIGITS = 38
MIN_EXPONENT, MAX_EXPONENT = -130, 125


class Quote(Model):
    """One price as a provider gave it. Only a finite price above zero is a price: NaN, infinities, zero,
    negatives, booleans and unreadable values are refused (``ValueError``/``ValidationError``)."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    price: Decimal
    source: str

    @field_validator("price", mode="before")
    @classmethod
    def _to_decimal(cls, value: Any) -> Decimal:
        # Through str() so that a float from a JSON parser keeps the digits it was written with.
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("price must be a number or a numeric string")
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("price is not a number") from None

    @field_validator("price")
    @classmethod
    def _finite_and_positive(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise ValueError("price must be finite and greater than zero")
        # Beyond what a DynamoDB number holds (38 significant digits, 1E-130 .. 9.99E+125) it is garbage too,
        # and storing it would fail the whole write.
        # (No arithmetic here: the decimal context would round or overflow before the check could say so.)
        significant = len(value.as_tuple().digits) - _trailing_zeros(value)
        if significant > MAX_DIGITS or not MIN_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
            raise ValueError("price is out of the storable range")
        return value


def _trailing_zeros(value: Decimal) -> int:
    digits = value.as_tuple().digits
    return len(digits) - len("".join(map(str, digits)).rstrip("0"))


def make_quote(symbol: str, raw: Any, source: str) -> Quote | None:
    """The quote for a provider's raw price, or None when the price is not acceptable."""
    try:
        return Quote(symbol=symbol, price=raw, source=source)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return None


def sort_quotes(raw_prices: Iterable[tuple[str, Any]], source: str) -> tuple[dict[str, Quote], list[str]]:
    """The quotes for a provider's ``(symbol, raw price)`` pairs, and the symbols whose price was not
    acceptable, in the order given."""
    quotes: dict[str, Quote] = {}
    rejected: list[str] = []
    for symbol, raw in raw_prices:
        quote = make_quote(symbol, raw, source)
        if quote is None:
            rejected.append(symbol)
        else:
            quotes[symbol] = quote
    return quotes, rejected


@dataclass
class FetchResult:
    quotes: dict[str, Quote] = field(default_factory=dict)  # symbol -> quote, only valid ones
    requests: int = 0  # HTTP requests made, retries included
    errors: list[str] = field(default_factory=list)  # one short line per failed batch or provider
    rejected: list[str] = field(default_factory=list)  # symbols whose returned price was not acceptable

    def merge(self, other: FetchResult) -> FetchResult:
        self.quotes.update(other.quotes)
        self.requests += other.requests
        self.errors.extend(other.errors)
        self.rejected.extend(other.rejected)
        return self


class PriceProvider(Protocol):
    name: str
    max_batch: int  # the most symbols one fetch() may be given

    def fetch(self, symbols: Sequence[str]) -> FetchResult: ...
