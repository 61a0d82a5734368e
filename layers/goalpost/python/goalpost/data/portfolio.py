"""A user's portfolio items in the data table.

- ``USER#u / PROFILE``: ``cash_balance``; gsi3 ``USERS#<shard>`` / ``USER#u`` once the user has a portfolio
  (cash set, a position opened, a goal created): the registry the snapshot job reads, a shard at a time. It
  also holds the user's OPEN positions, one attribute each (``h_<position id>``: ``<symbol>|<L|S>|<quantity>|
  <entry price>``), set in the transaction that opens the position and removed in the one that closes or
  deletes it, so the registry alone values every portfolio: the snapshot job reads no position.
- ``USER#u#SNAP / <slot>``: one snapshot per 5-minute slot; a slot that closes a coarser bucket is also in
  that tier's sparse index (gsi1 30M, gsi2 1H, gsi3 3H, gsi4 1D: ``USER#u#SNAP#<tier>`` / ``<slot>``) and is
  kept longer (``expires_at`` by its coarsest tier; a day's last is kept forever).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.attributes import from_attribute
from goalpost.data.batches import BATCH_WRITE_LIMIT, WRITE_CONCURRENCY, batch_get_tables, batch_write, batches
from goalpost.data.client import client
from goalpost.data.codec import Item, deserialize, key, serialize, serialize_value
from goalpost.data.pagination import decode_token, encode_token
from goalpost.data.prices import price_keys, prices_in
from goalpost.data.queries import query_all, query_page
from goalpost.data.transactions import Transaction, TransactionRefused
from goalpost.domain.charts import Tier, expires_at, tiers_closed_by
from goalpost.domain.money import ZERO
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import Position, PositionStatus, Side

# Which index holds which tier (the 5-minute tier is the table itself).
TIER_INDEX: dict[Tier, str | None] = {
    Tier.FIVE_MINUTES: None,
    Tier.THIRTY_MINUTES: "gsi1",
    Tier.HOURLY: "gsi2",
    Tier.THREE_HOURS: "gsi3",
    Tier.DAILY: "gsi4",
}
# Slots are ISO timestamps, so these bound every one of them in sort order.
EARLIEST = "0"
LATEST = "9"


def registry_values(user_id: str) -> dict[str, Any]:
    return {
        ":registry": {"S": keys.users_registry_pk(keys.shard_of(user_id, keys.USER_SHARDS))},
        ":user": {"S": keys.user_pk(user_id)},
    }


# ---------------------------------------------------------------- the registry's holdings
# One top-level attribute of the PROFILE item per OPEN position: ``h_<position id>`` = ``<symbol>|<side>|
# <quantity>|<entry price>`` (side ``L`` or ``S``; the Decimals' own text, so exact both ways). That is all
# ``domain.portfolio.value_portfolio`` reads of a position (fees and leverage are not part of its value), in
# ~50 bytes: a profile with 5 holdings stays well under 1 KB.
HOLDING_PREFIX = "h_"
HOLDING_SEPARATOR = "|"
_SIDE_CODES = {Side.LONG: "L", Side.SHORT: "S"}
_SIDES = {code: side for side, code in _SIDE_CODES.items()}
_HOLDING = "#holding"
# REMOVE as the keyword of an update expression's clause (not inside a ``:value`` or ``#name`` placeholder).
_REMOVE_CLAUSE = re.compile(r"(?<![\w:#])REMOVE(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HeldPosition:
    """An OPEN position as the registry holds it: what valuing it reads (``value_portfolio``), nothing else."""

    symbol: str
    side: Side
    quantity: Decimal
    entry_price: Decimal

    @property
    def cost_basis(self) -> Decimal:
        return self.quantity * self.entry_price


@dataclass(frozen=True)
class Owner:
    """A registered user as the registry holds them: cash, and the OPEN positions by position id."""

    user_id: str
    cash: Decimal
    holdings: dict[str, HeldPosition]

    @property
    def positions(self) -> list[HeldPosition]:
        """The open positions in position-id order (the order the positions index returns them in)."""
        return [self.holdings[position_id] for position_id in sorted(self.holdings)]


def holding_name(position_id: str) -> str:
    return f"{HOLDING_PREFIX}{position_id}"


def encode_holding(position: Position | HeldPosition) -> str:
    code = _SIDE_CODES[Side(position.side)]
    return HOLDING_SEPARATOR.join((position.symbol, code, str(position.quantity), str(position.entry_price)))


def decode_holding(value: str) -> HeldPosition:
    symbol, side, quantity, entry_price = value.rsplit(HOLDING_SEPARATOR, 3)
    return HeldPosition(symbol, _SIDES[side], Decimal(quantity), Decimal(entry_price))


def holdings_of(positions: Iterable[Position]) -> dict[str, str]:
    """The profile attributes that hold ``positions`` (the OPEN ones), as stored: for seeding a registry."""
    return {holding_name(p.id): encode_holding(p) for p in positions if p.status == PositionStatus.OPEN}


def holding_added(table: str, position: Position) -> dict[str, Any]:
    """The transaction item of opening ``position``: the owner in the registry (idempotent) with the new
    holding."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.PROFILE_SK),
            "UpdateExpression": f"SET gsi3pk = :registry, gsi3sk = :user, {_HOLDING} = :holding",
            "ExpressionAttributeNames": {_HOLDING: holding_name(position.id)},
            "ExpressionAttributeValues": {
                **registry_values(position.user_id),
                ":holding": {"S": encode_holding(position)},
            },
        }
    }


def holding_removed(table: str, position: Position) -> dict[str, Any]:
    """The transaction item that takes an OPEN position's holding off its owner's profile (closing or deleting
    it); the owner stays in the registry."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.PROFILE_SK),
            "UpdateExpression": f"REMOVE {_HOLDING}",
            "ExpressionAttributeNames": {_HOLDING: holding_name(position.id)},
        }
    }


def with_holding_removed(table: str, position: Position, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` (transaction items) and the removal of ``position``'s holding. A transaction may touch an item
    only once, so when ``items`` already update the owner's profile (a close's alert counts itself there) the
    removal joins that update; otherwise it is one more item (``holding_removed``)."""
    removal = holding_removed(table, position)["Update"]
    result = list(items)
    for n, item in enumerate(result):
        update = item.get("Update")
        if update is None or update["TableName"] != table or update["Key"] != removal["Key"]:
            continue
        names = update.get("ExpressionAttributeNames", {})
        if _HOLDING in names:
            raise ValueError(f"the profile update already uses the name placeholder {_HOLDING}")
        expression = update["UpdateExpression"]
        clause = _REMOVE_CLAUSE.search(expression)
        if clause is None:
            expression = f"{expression} REMOVE {_HOLDING}"
        else:
            expression = f"{expression[: clause.end()]} {_HOLDING},{expression[clause.end() :]}"
        merged = {
            **update,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {**names, **removal["ExpressionAttributeNames"]},
        }
        result[n] = {"Update": merged}
        return result
    return [*result, {"Update": removal}]


@dataclass(frozen=True)
class ValuationReads:
    """What valuing a portfolio reads by key: the cached prices, the cash, and whatever else was asked."""

    prices: dict[str, CachedPrice]
    cash: Decimal
    others: dict[tuple[str, str], Item]  # the other items found, by (pk, sk)


def read_for_valuation(
    table: str, system_table: str, user_id: str, symbols: Iterable[str], also: Sequence[dict[str, Any]] = ()
) -> ValuationReads:
    """The cached prices of ``symbols``, the user's cash and the ``also`` keys of the data table, read together:
    one strongly consistent BatchGetItem per 100 keys in all, whichever table they are in."""
    profile = key(keys.user_pk(user_id), keys.PROFILE_SK)
    wanted = {table: [profile, *also], system_table: price_keys(symbols := set(symbols))}
    found = batch_get_tables(wanted)
    data = {(str(item["pk"]), str(item["sk"])): item for item in found[table]}
    stored = data.pop((keys.user_pk(user_id), keys.PROFILE_SK), {})
    prices = prices_in(found[system_table], symbols)
    return ValuationReads(prices, Decimal(stored.get("cash_balance", ZERO)), data)


def get_cash(table: str, user_id: str) -> Decimal:
    response = client().get_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PROFILE_SK),
        ProjectionExpression="cash_balance",
        ConsistentRead=True,
    )
    raw = response.get("Item")
    return Decimal(deserialize(raw).get("cash_balance", ZERO)) if raw else ZERO


def set_cash(table: str, user_id: str, amount: Decimal, now: datetime) -> None:
    client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PROFILE_SK),
        UpdateExpression="SET cash_balance = :cash, cash_updated_at = :now, gsi3pk = :registry, gsi3sk = :user",
        ExpressionAttributeValues={
            ":cash": serialize_value(amount),
            ":now": serialize_value(now),
            **registry_values(user_id),
        },
    )


def registered_users(table: str, shard: int) -> list[tuple[str, Decimal]]:
    """The (user, cash) of every registered user of one registry shard."""
    items = query_all(table=table, partition=keys.users_registry_pk(shard), sort_prefix="USER#", index="gsi3")
    return [(str(item["pk"]).removeprefix("USER#"), Decimal(item.get("cash_balance", ZERO))) for item in items]


def registry_shard(table: str, shard: int) -> list[Owner]:
    """Every registered user of one registry shard, with their cash and open positions: one Query of the
    shard's index partition (paged, 1 MB a page), nothing else. The index is read eventually consistent, as
    every index is: a position opened or closed a moment ago may not be seen yet."""
    paginator = client().get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        IndexName="gsi3",
        KeyConditionExpression="gsi3pk = :registry",
        ExpressionAttributeValues={":registry": {"S": keys.users_registry_pk(shard)}},
    )
    return [_owner(raw) for page in pages for raw in page.get("Items", [])]


def _owner(raw: dict[str, Any]) -> Owner:
    """A registry item, as DynamoDB returns it, read for its user, cash and holdings only."""
    cash = raw.get("cash_balance")
    return Owner(
        user_id=str(raw["pk"]["S"]).removeprefix("USER#"),
        cash=Decimal(from_attribute(cash)) if cash else ZERO,
        holdings={
            name.removeprefix(HOLDING_PREFIX): decode_holding(value["S"])
            for name, value in raw.items()
            if name.startswith(HOLDING_PREFIX)
        },
    )


def backfill_holding(table: str, position: Position) -> bool:
    """Gives an OPEN position stored before the registry held positions its holding, in one transaction with a
    check that it is still OPEN: a close or delete committed before fails the check (False), and one committed
    after removes the holding again. Whether it was added."""
    check = {
        "ConditionCheck": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.position_sk(position.id)),
            "ConditionExpression": "#status = :open",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":open": {"S": PositionStatus.OPEN.value}},
        }
    }
    try:
        Transaction().add(check, role="still_open").add(holding_added(table, position), role="holding").write()
    except TransactionRefused as refused:
        if "still_open" in refused.failed_roles:
            return False
        raise
    return True


# A snapshot's holdings are stored one string each, ``ticker|side|shares|cost basis|current value|price|missing``
# (the Decimals' exact text; no price when it is missing): about half the bytes of a map of named attributes,
# for an item written every 5 minutes per user and kept for years in the daily tier.
HOLDING_FIELDS = ("ticker", "side", "shares", "cost_basis", "current_value", "price_per_share", "price_missing")


def pack_holding(holding: dict[str, Any]) -> str:
    price = holding["price_per_share"]
    return "|".join(
        (
            holding["ticker"],
            holding["side"],
            str(holding["shares"]),
            str(holding["cost_basis"]),
            str(holding["current_value"]),
            "" if price is None else str(price),
            "1" if holding["price_missing"] else "0",
        )
    )


def unpack_holding(stored: str | dict[str, Any]) -> dict[str, Any]:
    """A holding as stored; a map is one written before holdings were packed (kept as it is)."""
    if isinstance(stored, dict):
        return stored
    ticker, side, shares, cost_basis, current_value, price, missing = stored.split("|")
    return {
        "ticker": ticker,
        "side": side,
        "shares": Decimal(shares),
        "cost_basis": Decimal(cost_basis),
        "current_value": Decimal(current_value),
        "price_per_share": Decimal(price) if price else None,
        "price_missing": missing == "1",
    }


def snapshot_item(user_id: str, slot: datetime, snapshot: dict[str, Any]) -> Item:
    """The stored item of a snapshot (``services.snapshots``' dict): its slot is the sort key, its holdings
    packed (``pack_holding``)."""
    sk = slot.isoformat()
    fields = {name: value for name, value in snapshot.items() if name not in ("slot", "positions")}
    item: Item = {
        "pk": keys.snapshots_pk(user_id),
        "sk": sk,
        "entity": "snapshot",
        **fields,
        "positions": [pack_holding(holding) for holding in snapshot["positions"]],
    }
    for tier in tiers_closed_by(slot):
        index = TIER_INDEX[tier]
        if index is not None:
            item[f"{index}pk"] = keys.snapshot_tier_pk(user_id, tier.label)
            item[f"{index}sk"] = sk
    expiry = expires_at(slot)
    if expiry is not None:
        item["expires_at"] = int(expiry.timestamp())
    return item


def snapshot_of(item: Item) -> Item:
    """A stored snapshot as the API shows it: the slot from the sort key, the holdings unpacked."""
    return {
        **item,
        "slot": item.get("slot", item["sk"]),
        "positions": [unpack_holding(holding) for holding in item.get("positions", [])],
    }


def put_snapshots(table: str, items: Iterable[Item]) -> int:
    """Writes snapshot items 25 a request, ``WRITE_CONCURRENCY`` requests at a time, and returns the requests
    made. ``items`` may be a generator: they are built while earlier batches are written, a bounded number
    ahead, so a shard's snapshots are never all in memory. The same slot written again replaces its item
    (idempotent); the first failed batch fails the call, after the batches under way have finished."""
    requests = 0
    with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
        pending: deque[Future[int]] = deque()
        for batch in batches(items, BATCH_WRITE_LIMIT):
            if len(pending) >= 2 * WRITE_CONCURRENCY:
                requests += pending.popleft().result()
            writes = [{"PutRequest": {"Item": serialize(item)}} for item in batch]
            pending.append(pool.submit(batch_write, table, writes))
        while pending:
            requests += pending.popleft().result()
    return requests


def tier_points(table: str, user_id: str, tier: Tier, start: datetime | None, end: datetime) -> list[Item]:
    """The snapshots of one tier between ``start`` and ``end``, in time order: one Query (paged)."""
    index = TIER_INDEX[tier]
    partition = keys.snapshots_pk(user_id) if index is None else keys.snapshot_tier_pk(user_id, tier.label)
    return query_all(
        table=table,
        partition=partition,
        sort_prefix=None,
        index=index,
        newest_first=False,
        between=(start.isoformat() if start else EARLIEST, end.isoformat()),
        projection="sk, total_value",
    )


def latest_snapshot(table: str, user_id: str) -> Item | None:
    response = client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.snapshots_pk(user_id)}},
        ScanIndexForward=False,
        Limit=1,
    )
    found = response.get("Items", [])
    return snapshot_of(deserialize(found[0])) if found else None


def snapshots_page(
    table: str, user_id: str, *, start: datetime | None, end: datetime | None, limit: int, next_token: str | None
) -> tuple[list[Item], str | None]:
    """Snapshots between ``start`` and ``end``, newest first, one page."""
    partition = keys.snapshots_pk(user_id)
    items, last = query_page(
        table=table,
        partition=partition,
        sort_prefix=None,
        limit=limit,
        start_key=decode_token(next_token, exact={"pk": partition}, prefixed={"sk": ""}),
        between=(start.isoformat() if start else EARLIEST, end.isoformat() if end else LATEST),
    )
    return [snapshot_of(item) for item in items], encode_token(last)
