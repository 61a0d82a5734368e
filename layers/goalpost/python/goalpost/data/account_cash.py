"""Connected accounts' cash on the owner's ``USER#u / PROFILE`` item: one attribute per account,
``a_<account id>`` = JSON ``{"provider", "label", "cash", "synced_at"}`` (cash as the Decimal's own text).

The profile is what values a portfolio: ``GET /portfolio/current`` reads it with the prices (``data.cash``) and
the snapshot worker reads it from the registry (``data.registry``). Keeping each account's cash there, written
by the sync in the transaction that records the sync, makes the accounts' cash part of both at no extra read;
the account's removal takes it off in the same transaction as the account."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.attributes import from_attribute
from goalpost.data.codec import key
from goalpost.domain.clock import iso, parse_iso

ACCOUNT_CASH_PREFIX = "a_"
_NAME = "#account_cash"


@dataclass(frozen=True, slots=True)
class AccountCash:
    """One connected account's part of the portfolio's cash, as the profile holds it."""

    account_id: str
    provider: str
    label: str | None
    cash: Decimal
    synced_at: datetime | None


def account_cash_name(account_id: str) -> str:
    return f"{ACCOUNT_CASH_PREFIX}{account_id}"


def encode(entry: AccountCash) -> str:
    return json.dumps(
        {
            "provider": entry.provider,
            "label": entry.label,
            "cash": str(entry.cash),
            "synced_at": None if entry.synced_at is None else iso(entry.synced_at),
        },
        separators=(",", ":"),
    )


def decode(account_id: str, value: str) -> AccountCash:
    stored = json.loads(value)
    synced = stored.get("synced_at")
    return AccountCash(
        account_id=account_id,
        provider=str(stored["provider"]),
        label=stored.get("label"),
        cash=Decimal(str(stored["cash"])),
        synced_at=parse_iso(synced) if synced else None,
    )


def accounts_cash_in(profile: Mapping[str, Any], *, raw: bool = False) -> list[AccountCash]:
    """The accounts' cash held by a profile item, oldest account first (ids are ULIDs). ``raw``: the item as
    DynamoDB returns it (attribute values still typed), else as ``codec.deserialize`` gives it."""
    entries = []
    for name, value in profile.items():
        if name.startswith(ACCOUNT_CASH_PREFIX):
            text = from_attribute(value) if raw else value
            entries.append(decode(name.removeprefix(ACCOUNT_CASH_PREFIX), str(text)))
    return sorted(entries, key=lambda entry: entry.account_id)


def total_account_cash(profile: Mapping[str, Any], *, raw: bool = False) -> Decimal:
    return sum((entry.cash for entry in accounts_cash_in(profile, raw=raw)), Decimal(0))


def _profile_update(user_id: str, table: str, expression: str, account_id: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": key(keys.user_pk(user_id), keys.PROFILE_SK),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {_NAME: account_cash_name(account_id)},
    }


def account_cash_set(table: str, user_id: str, entry: AccountCash) -> dict[str, Any]:
    """The transaction item that records an account's cash on its owner's profile (and puts the owner in the
    registry, so that the snapshot job values their portfolio)."""
    update = _profile_update(
        user_id, table, f"SET {_NAME} = :entry, gsi3pk = :registry, gsi3sk = :user", entry.account_id
    )
    update["ExpressionAttributeValues"] = {":entry": {"S": encode(entry)}, **keys.registry_values(user_id)}
    return {"Update": update}


def with_account_cash(
    table: str, user_id: str, entry: AccountCash, items: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``items`` (transaction items) and ``entry`` recorded on the owner's profile. A transaction may touch an item
    only once, so when ``items`` already update the profile (a position's holding, an alert's count) the entry
    joins that update's SET clause; otherwise ``account_cash_set`` is one more item."""
    from goalpost.data.registry import join_set_clause  # the account sync's writes only

    profile = key(keys.user_pk(user_id), keys.PROFILE_SK)
    result = list(items)
    for n, item in enumerate(result):
        update = item.get("Update")
        if update is None or update["TableName"] != table or update["Key"] != profile:
            continue
        part = f"{_NAME} = :account_cash"
        added: dict[str, Any] = {":account_cash": {"S": encode(entry)}}
        if "gsi3pk" not in update["UpdateExpression"]:  # the owner into the registry, as account_cash_set does
            part += ", gsi3pk = :registry, gsi3sk = :user"
            added.update(keys.registry_values(user_id))
        names = update.get("ExpressionAttributeNames", {})
        values = update.get("ExpressionAttributeValues", {})
        reused = ({_NAME} & set(names)) | (set(values) & set(added))
        if reused:
            raise ValueError(f"the profile update already uses the placeholders {sorted(reused)}")
        result[n] = {
            "Update": {
                **update,
                "UpdateExpression": join_set_clause(update["UpdateExpression"], part),
                "ExpressionAttributeNames": {**names, _NAME: account_cash_name(entry.account_id)},
                "ExpressionAttributeValues": {**values, **added},
            }
        }
        return result
    return [*result, account_cash_set(table, user_id, entry)]


def account_cash_removed(table: str, user_id: str, account_id: str) -> dict[str, Any]:
    """The transaction item that takes a removed account's cash off its owner's profile."""
    return {"Update": _profile_update(user_id, table, f"REMOVE {_NAME}", account_id)}
