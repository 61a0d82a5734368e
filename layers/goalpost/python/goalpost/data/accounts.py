"""Connected accounts: ``USER#u / ACCOUNT#<id>`` in the data table (the key a position's open transaction
checks), and one claim item a key in the system table, so that the same API key is connected once.

The account item holds the credentials only as the vault's KMS ciphertext (the API key and the secret sealed
together: the key is a credential too) and, in clear, the key's last 4 characters (``key_hint``) and
``key_digest``. The claim ``ACCOUNTKEY#<digest> / ACCOUNTKEY`` is keyed by the SHA-256 of the provider and
the API key, never the key itself; an API key is a long random string, so its digest cannot be reversed by
guessing. The claim lives in the system table because no one user owns it: a key connected by one user is
refused to every other (409). The account and its claim are written, and deleted, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from goalpost.data import keys
from goalpost.data.account_cash import account_cash_removed
from goalpost.data.client import client, get_item
from goalpost.data.codec import Item, deserialize, key, serialize, serialize_value, strip_keys
from goalpost.data.queries import prefix_query
from goalpost.data.transactions import Transaction, TransactionRefused
from goalpost.domain.accounts import Account, Provider
from goalpost.domain.clock import parse_iso
from goalpost.domain.errors import Conflict, NotFound

ACCOUNT_PREFIX = "ACCOUNT#"
CLAIM_SK = "ACCOUNTKEY"
# Stored with the account but not part of it: the sealed keys, the key's digest, and the sync's own state.
_STORED_ONLY = ("credentials", "key_digest", "sync_version", "fills_from", "applied_fills", "opened_positions")


@dataclass(frozen=True)
class SyncState:
    """Where the account's sync stands: ``version`` counts the sync's writes (each one is conditional on the
    version it read, so two syncs of one account never both apply a change); ``fills_from`` is where the next
    sync reads the provider's fills from; ``applied_fills`` the provider's ids of the fills since then that a
    sync has already applied (a fill is applied once, whatever retries or concurrent runs do)."""

    version: int = 0
    fills_from: datetime | None = None
    applied_fills: frozenset[str] = frozenset()
    # The OPEN positions the sync created: the next sync reads them by key when the positions index (eventually
    # consistent) does not show them yet, so that a sync right after another never creates one twice.
    opened_positions: frozenset[str] = frozenset()


class KeyAlreadyConnected(Conflict):
    def __init__(self) -> None:
        super().__init__("This API key is already connected")


def key_digest(provider: Provider, api_key: str) -> str:
    """What identifies an API key without holding it: the SHA-256 of the provider and the key."""
    return hashlib.sha256(f"{provider.value}\n{api_key}".encode()).hexdigest()


def claim_key(digest: str) -> dict[str, Any]:
    """``ACCOUNTKEY#<digest> / ACCOUNTKEY`` (system table): the API key is connected (by ``user_id``,
    ``account_id``)."""
    return key(f"ACCOUNTKEY#{digest}", CLAIM_SK)


def account_key(user_id: str, account_id: str) -> dict[str, Any]:
    return key(keys.user_pk(user_id), keys.account_sk(account_id))


def account_of(item: Item) -> Account:
    return Account.model_validate(strip_keys(item, _STORED_ONLY), strict=False)


def create(
    table: str,
    system_table: str,
    account: Account,
    *,
    credentials: bytes,
    digest: str,
    fills_from: datetime | None = None,
) -> None:
    """Stores the account with its sealed ``credentials`` (``vault.seal``) and claims its key's ``digest``
    (``key_digest``), all or nothing: ``KeyAlreadyConnected`` when the key is connected already. Its sync reads
    the provider's fills from ``fills_from`` on."""
    item = {
        **account_key(account.user_id, account.id),
        **serialize(
            {
                "entity": "account",
                **account.model_dump(),
                "credentials": credentials,
                "key_digest": digest,
                "sync_version": 0,
                # In the accounts registry (gsi3), which the account sync job reads a shard at a time.
                "gsi3pk": keys.accounts_registry_pk(keys.shard_of(account.id, keys.ACCOUNT_SHARDS)),
                "gsi3sk": keys.account_registry_sk(account.user_id, account.id),
                **({} if fills_from is None else {"fills_from": fills_from}),
            }
        ),
    }
    claim = {
        **claim_key(digest),
        **serialize({"entity": "account_key", "user_id": account.user_id, "account_id": account.id}),
    }
    absent = "attribute_not_exists(pk)"
    transaction = Transaction()
    transaction.add({"Put": {"TableName": table, "Item": item, "ConditionExpression": absent}}, role="account")
    transaction.add({"Put": {"TableName": system_table, "Item": claim, "ConditionExpression": absent}}, role="key")
    try:
        transaction.write()
    except TransactionRefused as refused:
        if "key" in refused.failed_roles:
            raise KeyAlreadyConnected() from None
        raise Conflict("An account with this id exists already") from None


def _get_item(table: str, user_id: str, account_id: str) -> Item:
    item = get_item(table, account_key(user_id, account_id))
    if item is None:
        raise NotFound("Account not found")
    return item


def get(table: str, user_id: str, account_id: str) -> Account:
    """The user's account (``NotFound`` when it is not one of theirs)."""
    return account_of(_get_item(table, user_id, account_id))


def get_credentials(table: str, user_id: str, account_id: str) -> tuple[Account, bytes]:
    """The account and its sealed credentials, for the functions that call its provider (``vault.unseal``)."""
    item = _get_item(table, user_id, account_id)
    return account_of(item), bytes(item["credentials"])


def sync_state_of(item: Item) -> SyncState:
    fills_from = item.get("fills_from")
    return SyncState(
        version=int(item.get("sync_version", 0)),
        fills_from=parse_iso(str(fills_from)) if fills_from else None,
        applied_fills=frozenset(str(fill) for fill in item.get("applied_fills", ())),
        opened_positions=frozenset(str(position) for position in item.get("opened_positions", ())),
    )


def get_for_sync(table: str, user_id: str, account_id: str) -> tuple[Account, bytes, SyncState]:
    """The account, its sealed credentials and its sync's state: one strongly consistent read."""
    item = _get_item(table, user_id, account_id)
    return account_of(item), bytes(item["credentials"]), sync_state_of(item)


def list_accounts(table: str, user_id: str) -> list[Account]:
    """The user's accounts, oldest first: one Query (a user has a handful; a page holds 1 MB of them)."""
    request = prefix_query(table, keys.user_pk(user_id), ACCOUNT_PREFIX, index=None, newest_first=False)
    request["ConsistentRead"] = True
    raw = client().query(**request).get("Items", [])
    return [account_of(deserialize(r)) for r in raw]


def delete(table: str, system_table: str, user_id: str, account_id: str, deleted_at: datetime) -> None:
    """Deletes the account (its sealed credentials with it), frees its key, takes its cash off the owner's
    profile and leaves a tombstone for the unlinking of its positions (``data.deleted_accounts``), in one
    transaction after one read (the claim's key is the account's ``key_digest``); ``NotFound`` when it is not
    the user's."""
    # The tombstones are imported by the delete alone: the readers and the other writes (the workers among
    # them) would load them for nothing.
    from goalpost.data.deleted_accounts import tombstone_put

    item = _get_item(table, user_id, account_id)
    owned = "user_id = :user AND account_id = :account"
    values = {":user": serialize_value(user_id), ":account": serialize_value(account_id)}
    transaction = Transaction()
    transaction.add(
        {
            "Delete": {
                "TableName": table,
                "Key": account_key(user_id, account_id),
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
        role="account",
    )
    transaction.add(
        {
            "Delete": {
                "TableName": system_table,
                "Key": claim_key(str(item["key_digest"])),
                "ConditionExpression": f"attribute_not_exists(pk) OR ({owned})",
                "ExpressionAttributeValues": values,
            }
        },
        role="key",
    )
    if item.get("cash") is not None:
        # Synced: its cash is on the profile too (written together by the sync); never synced, it is not, and
        # an update of a profile that does not exist would create one.
        transaction.add(account_cash_removed(table, user_id, account_id), role="cash")
    transaction.add(tombstone_put(table, user_id, account_id, deleted_at), role="tombstone")
    try:
        transaction.write()
    except TransactionRefused as refused:
        if "account" in refused.failed_roles:
            raise NotFound("Account not found") from None
        raise
