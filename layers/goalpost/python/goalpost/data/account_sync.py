"""The account sync's writes. Each change (a position created, increased, partly or wholly closed) is one
transaction with a conditional update of the account item: ``sync_version`` must be the one the sync read,
and the update moves it on and records the fills the change applied in ``applied_fills``. So a fill is applied
once: a second sync of the same account, concurrent or a retry, finds the version moved and stops; a sync
that crashed half-way left every change it made recorded with its fills.

The registry of accounts (gsi3 ``ACCOUNTS#<shard>``) is read a shard at a time by the sync's worker: the index
holds whole account items, so it needs no read per account.

The writes of a change import the holdings' registry and the closes' aggregates and alerts where they are made,
as the position store's writes do: most syncs change nothing, and the worker's cold start would otherwise load
the aggregates' domain (performance, ratios, snapshots' slots), the registry and the alerts for nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from goalpost.data import keys
from goalpost.data.account_cash import AccountCash, account_cash_set, with_account_cash
from goalpost.data.accounts import SyncState, account_key, account_of, sync_state_of
from goalpost.data.codec import deserialize, key, serialize, serialize_value
from goalpost.data.expressions import set_or_remove
from goalpost.data.positions import NotOpen, month_pnl_item, position_item
from goalpost.data.queries import index_partition
from goalpost.data.transactions import Transaction, TransactionRefused
from goalpost.domain.accounts import Account
from goalpost.domain.positions import Position, PositionStatus

if TYPE_CHECKING:
    from goalpost.data.alerts import AlertWrite


class SyncRaced(Exception):
    """Another sync of the account (or a user's change of one of its positions) wrote first: this sync stops,
    and the next one starts from what that one left."""


def registry_accounts(table: str, shard: int) -> list[tuple[Account, bytes, SyncState]]:
    """Every connected account of one shard with its sealed credentials and sync state: one Query of the
    registry's index partition (paged)."""
    found = []
    for raw in index_partition(table, "gsi3", keys.accounts_registry_pk(shard)):
        item = deserialize(raw)
        found.append((account_of(item), bytes(item["credentials"]), sync_state_of(item)))
    return found


def account_update(
    table: str,
    account: Account,
    state: SyncState,
    *,
    applied: Iterable[str],
    opened: Iterable[str],
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The conditional update of the account item that goes with each of a sync's writes: only if
    ``sync_version`` is still ``state.version``; moves it on, stores ``applied`` as the applied fills and
    ``opened`` as the open positions the sync created, and sets (or, when None, removes) ``fields``."""
    values = {**(fields or {}), "applied_fills": set(applied) or None, "opened_positions": set(opened) or None}
    expression, names, attribute_values = set_or_remove(values, extra_set={"sync_version": ":next_version"})
    condition = (
        "sync_version = :version" if state.version else "attribute_not_exists(sync_version) OR sync_version = :version"
    )
    return {
        "Update": {
            "TableName": table,
            "Key": account_key(account.user_id, account.id),
            "UpdateExpression": expression,
            "ConditionExpression": f"attribute_exists(pk) AND ({condition})",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                **attribute_values,
                ":version": serialize_value(state.version),
                ":next_version": serialize_value(state.version + 1),
            },
        }
    }


def _write(transaction: Transaction) -> None:
    try:
        transaction.write()
    except TransactionRefused as refused:
        raise SyncRaced(", ".join(sorted(refused.failed_roles))) from refused


def record(table: str, update: dict[str, Any], cash: AccountCash | None, user_id: str) -> None:
    """Records a sync's outcome on the account item (``update``, from ``account_update``) and, when the sync
    learnt the account's cash, on the owner's profile (what the portfolio and the snapshots count)."""
    transaction = Transaction().add(update, role="account")
    if cash is not None:
        transaction.add(account_cash_set(table, user_id, cash), role="cash")
    _write(transaction)


def _resized(table: str, position: Position, as_read: datetime) -> dict[str, Any]:
    """The update of an OPEN position's size (quantity, entry price, fees), if it is unchanged since read."""
    expression, names, values = set_or_remove(
        {name: getattr(position, name) for name in ("quantity", "entry_price", "fees_paid", "updated_at")}
    )
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.position_sk(position.id)),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :open AND updated_at = :as_read",
            "ExpressionAttributeNames": {**names, "#status": "status"},
            "ExpressionAttributeValues": {
                **values,
                ":open": {"S": PositionStatus.OPEN.value},
                ":as_read": serialize_value(as_read),
            },
        }
    }


def _with_cash(table: str, user_id: str, cash: AccountCash | None, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items if cash is None else with_account_cash(table, user_id, cash, items)


def resize(
    table: str, position: Position, *, as_read: datetime, account: dict[str, Any], cash: AccountCash | None = None
) -> None:
    """An increase: the position's new size and its holding in the registry, with the account's update (and,
    when it records the sync, the account's ``cash`` on the profile)."""
    from goalpost.data.registry import holding_added

    transaction = (
        Transaction()
        .add(_resized(table, position, as_read), role="position")
        .add_all(_with_cash(table, position.user_id, cash, [holding_added(table, position)]), role="holding")
        .add(account, role="account")
    )
    _write(transaction)


def close_part(
    table: str,
    remaining: Position,
    closed_part: Position,
    alerts: list[AlertWrite],
    *,
    as_read: datetime,
    account: dict[str, Any],
    cash: AccountCash | None = None,
) -> None:
    """A partial close: the new CLOSED position (``parent_id`` the open one), the open one's smaller size and
    holding, the closed part's aggregates, the month's P&L and its alert, with the account's update (and its
    ``cash``, see ``resize``). The symbol and open counts do not move: the position stays open."""
    from goalpost.data.alerts import transact_items
    from goalpost.data.performance import stats_items
    from goalpost.data.registry import with_holding_set

    profile = _with_cash(table, remaining.user_id, cash, with_holding_set(table, remaining, transact_items(alerts)))
    put = {
        "Put": {
            "TableName": table,
            "Item": serialize(position_item(closed_part)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    transaction = (
        Transaction()
        .add(_resized(table, remaining, as_read), role="position")
        .add(put, role="closed_part")
        .add_all(stats_items(table, closed_part, +1), role="stats")
        .add(month_pnl_item(table, closed_part, +1), role="month")
        .add_all(profile, role="alerts_and_holding")
        .add(account, role="account")
    )
    try:
        _write(transaction)
    except SyncRaced as raced:
        raise NotOpen from raced
