"""The account sync: keeps a connected account's positions, closes, fees and cash in step with its provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass
class SyncSummary:
    """What one account's sync did: positions created, updated (matched, increased or partly closed) and
    closed, the account's cash as recorded (None when the sync learnt nothing), and the faults it met."""

    created: int = 0
    updated: int = 0
    closed: int = 0
    cash: Decimal | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "closed": self.closed,
            "cash": self.cash,
            "errors": list(self.errors),
        }


def sync_account(user_id: str, account_id: str, *, now: datetime | None = None, scheduled: bool = False) -> SyncSummary:
    """Syncs one account now (``NotFound`` when it is not the user's). A scheduled run skips a FAILING
    account; one asked for tries again."""
    raise NotImplementedError  # written next, in this module


def handle_message(body: str) -> dict[str, Any]:
    """One queued accounts-registry shard (the account sync worker's record handler)."""
    raise NotImplementedError  # written next, in this module
