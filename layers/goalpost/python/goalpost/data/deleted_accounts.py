"""Disconnected accounts whose positions are still linked to them: their tombstones (``data.tombstones``, kind
``ACCOUNTS``).

A disconnect (``data.accounts.delete``) removes the account item (its sealed keys with it), frees its key and
writes its tombstone in one transaction, whatever the account holds. Its positions stay, unlinked: readers
answer ``account_id`` null for a position whose account item is gone at once (``services.positions``), and the
goal-cleanup worker unlinks them in storage here later (``account_id`` and the account index's keys removed,
``source`` kept), then removes the tombstone. Nothing can link a position to the account meanwhile: every write
that does is conditional on the account item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from goalpost.data import tombstones


def tombstone_put(table: str, user_id: str, account_id: str, deleted_at: datetime) -> dict[str, Any]:
    """The transaction item that records the account disconnected, for the unlinking of its positions."""
    return tombstones.tombstone_put(table, tombstones.ACCOUNTS, user_id, account_id, deleted_at)


def recorded(table: str, shard: int) -> list[tuple[str, str]]:
    """The (user, account) of every tombstone of one shard, oldest first."""
    return tombstones.recorded(table, tombstones.ACCOUNTS, shard)


def clear(table: str, user_id: str, account_id: str) -> int | None:
    """Unlinks the disconnected account's positions, then removes its tombstone; how many it unlinked, or None
    when the account has no tombstone. Each unlink is conditional on the position still naming this account, so
    a run again, a run at the same time, or a position linked elsewhere meanwhile changes nothing more."""
    # The positions' writes are the worker's alone: the disconnect, which writes the tombstone, does not load them.
    from goalpost.data import positions

    return tombstones.clear(
        table, tombstones.ACCOUNTS, user_id, account_id, lambda: positions.unlink_account(table, user_id, account_id)
    )
