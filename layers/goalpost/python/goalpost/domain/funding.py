"""Funding links: which accounts fund a goal, and with what share of it."""

from __future__ import annotations

from decimal import Decimal

from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED

MAX_TOTAL_ALLOCATION = HUNDRED
OVER_ALLOCATED = "Total allocation would exceed 100%"
MAX_LINKS_PER_GOAL = 25  # accounts that fund one goal; shares are > 0, so without a cap they could be thousands
TOO_MANY_LINKS = f"A goal has at most {MAX_LINKS_PER_GOAL} funding sources"


class FundingSource(Model):
    account_id: str
    account_name: str | None = None
    allocation_percent: Decimal


def room_for(change: Decimal) -> Decimal:
    """The highest goal total that still admits a change of ``change`` points (what the conditional write
    checks, so concurrent links can never push the total past 100)."""
    return MAX_TOTAL_ALLOCATION - change
