"""Decimal arithmetic for money and percentages. No binary floats anywhere in here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_AMOUNT = Decimal("1e12")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    """An amount with thousands separators and cents: ``1,450.00`` (what every message shows money as)."""
    return f"{round2(value):,.2f}"
