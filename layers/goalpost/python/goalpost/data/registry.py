"""The users registry in the data table.

- ``USER#u / PROFILE``: gsi3 ``USERS#<shard>`` / ``USER#u`` once the user has a portfolio (cash set, a
  position opened, a goal created): the registry the snapshot job reads, a shard at a time. It also holds the
  user's OPEN positions, one attribute each (``data.holdings``), set in the transaction that opens the
  position and removed in the one that closes or deletes it, so the registry alone values every portfolio:
  the snapshot job reads no position. Each connected account's cash is there too (``data.account_cash``), so
  the registry values the accounts as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.account_cash import total_account_cash
from goalpost.data.attributes import from_attribute
from goalpost.data.codec import key
from goalpost.data.holdings import HOLDING_PREFIX, HeldPosition, decode_holding, encode_holding, holding_name
from goalpost.data.queries import index_partition, query_all
from goalpost.data.transactions import Transaction
from goalpost.domain.money import ZERO
from goalpost.domain.positions import Position, PositionStatus

_HOLDING = "#holding"
# REMOVE as the keyword of an update expression's clause (not inside a ``:value`` or ``#name`` placeholder).
_REMOVE_CLAUSE = re.compile(r"(?<![\w:#])REMOVE(?!\w)", re.IGNORECASE)
# What opening a position sets on its owner's profile: the owner in the registry, and the holding.
_HOLDING_SET = f"gsi3pk = :registry, gsi3sk = :user, {_HOLDING} = :holding"
_SET_CLAUSE = re.compile(r"(?<![\w:#])SET(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Owner:
    """A registered user as the registry holds them: cash, and the OPEN positions by position id."""

    user_id: str
    manual_cash: Decimal  # set with PUT /portfolio/cash
    holdings: dict[str, HeldPosition]
    account_cash: Decimal = ZERO  # the connected accounts' cash, summed

    @property
    def cash(self) -> Decimal:
        """The portfolio's cash: the cash set by hand plus every connected account's."""
        return self.manual_cash + self.account_cash

    @property
    def positions(self) -> list[HeldPosition]:
        """The open positions in position-id order (the order the positions index returns them in)."""
        return [self.holdings[position_id] for position_id in sorted(self.holdings)]


def _holding_update(table: str, position: Position, expression: str) -> dict[str, Any]:
    """An update of ``position``'s owner's profile whose ``expression`` names the holding ``#holding``."""
    return {
        "TableName": table,
        "Key": key(keys.user_pk(position.user_id), keys.PROFILE_SK),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {_HOLDING: holding_name(position.id)},
    }


def holding_added(table: str, position: Position) -> dict[str, Any]:
    """The transaction item of opening ``position``: the owner in the registry (idempotent) with the new
    holding."""
    update = _holding_update(table, position, f"SET {_HOLDING_SET}")
    update["ExpressionAttributeValues"] = {
        **keys.registry_values(position.user_id),
        ":holding": {"S": encode_holding(position)},
    }
    return {"Update": update}


def holding_removed(table: str, position: Position) -> dict[str, Any]:
    """The transaction item that takes an OPEN position's holding off its owner's profile (closing or deleting
    it); the owner stays in the registry."""
    return {"Update": _holding_update(table, position, f"REMOVE {_HOLDING}")}


def _joined_clause(expression: str, clause: re.Pattern[str], keyword: str, part: str) -> str:
    """``expression`` with ``part`` added to its ``keyword`` clause (the clause added when it has none)."""
    found = clause.search(expression)
    if found is None:
        return f"{expression} {keyword} {part}"
    return f"{expression[: found.end()]} {part},{expression[found.end() :]}"


def join_set_clause(expression: str, part: str) -> str:
    """``expression`` (an UpdateExpression) with ``part`` added to its SET clause."""
    return _joined_clause(expression, _SET_CLAUSE, "SET", part)


def _with_holding_change(
    table: str, change: dict[str, Any], items: Sequence[dict[str, Any]], keyword: str, part: str
) -> list[dict[str, Any]]:
    """``items`` (transaction items) and ``change``, an update of the holding on the owner's profile. A
    transaction may touch an item only once, so when ``items`` already update the owner's profile (a close's
    alert counts itself there) ``part`` joins that update's ``keyword`` clause; otherwise ``change`` is one more
    item."""
    result = list(items)
    for n, item in enumerate(result):
        update = item.get("Update")
        if update is None or update["TableName"] != table or update["Key"] != change["Key"]:
            continue
        names = update.get("ExpressionAttributeNames", {})
        values = update.get("ExpressionAttributeValues", {})
        added_values = change.get("ExpressionAttributeValues", {})
        reused = ({_HOLDING} & set(names)) | (set(values) & set(added_values))
        if reused:
            raise ValueError(f"the profile update already uses the placeholders {sorted(reused)}")
        clause = _SET_CLAUSE if keyword == "SET" else _REMOVE_CLAUSE
        merged = {
            **update,
            "UpdateExpression": _joined_clause(update["UpdateExpression"], clause, keyword, part),
            "ExpressionAttributeNames": {**names, **change["ExpressionAttributeNames"]},
        }
        if values or added_values:
            merged["ExpressionAttributeValues"] = {**values, **added_values}
        result[n] = {"Update": merged}
        return result
    return [*result, {"Update": change}]


def with_holding_removed(table: str, position: Position, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` (transaction items) and the removal of ``position``'s holding (see ``_with_holding_change``)."""
    return _with_holding_change(table, holding_removed(table, position)["Update"], items, "REMOVE", _HOLDING)


def with_holding_set(table: str, position: Position, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` (transaction items) and ``position``'s holding set as it is now, the owner in the registry
    (see ``_with_holding_change``): a partial close's smaller holding beside its alert's unread count."""
    return _with_holding_change(table, holding_added(table, position)["Update"], items, "SET", _HOLDING_SET)


def registered_users(table: str, shard: int) -> list[tuple[str, Decimal]]:
    """The (user, cash) of every registered user of one registry shard: the portfolio's cash, the connected
    accounts' included."""
    items = query_all(table=table, partition=keys.users_registry_pk(shard), sort_prefix="USER#", index="gsi3")
    return [
        (str(item["pk"]).removeprefix("USER#"), Decimal(item.get("cash_balance", ZERO)) + total_account_cash(item))
        for item in items
    ]


def registry_shard(table: str, shard: int) -> list[Owner]:
    """Every registered user of one registry shard, with their cash and open positions: one Query of the
    shard's index partition (paged, 1 MB a page), nothing else. The index is read eventually consistent, as
    every index is: a position opened or closed a moment ago may not be seen yet."""
    return [_owner(raw) for raw in index_partition(table, "gsi3", keys.users_registry_pk(shard))]


def _owner(raw: dict[str, Any]) -> Owner:
    """A registry item, as DynamoDB returns it, read for its user, cash (its own and its accounts') and holdings
    only."""
    cash = raw.get("cash_balance")
    return Owner(
        user_id=str(raw["pk"]["S"]).removeprefix("USER#"),
        manual_cash=Decimal(from_attribute(cash)) if cash else ZERO,
        holdings={
            name.removeprefix(HOLDING_PREFIX): decode_holding(value["S"])
            for name, value in raw.items()
            if name.startswith(HOLDING_PREFIX)
        },
        account_cash=total_account_cash(raw, raw=True),
    )


def backfill_holding(table: str, position: Position) -> bool:
    """Gives an OPEN position its holding as it should be now (one stored before the registry held positions
    has none; a leveraged one stored before holdings carried the leverage has a 1x one), in one transaction
    with a check that it is still OPEN: a close or delete committed before fails the check (False), and one
    committed after removes the holding again. Whether it was written."""
    check = {
        "ConditionCheck": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.position_sk(position.id)),
            "ConditionExpression": "#status = :open",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":open": {"S": PositionStatus.OPEN.value}},
        }
    }
    transaction = Transaction().add(check, role="still_open").add(holding_added(table, position), role="holding")
    return transaction.write_unless_refused_by("still_open")
