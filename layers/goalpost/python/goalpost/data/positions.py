"""Positions in the data table.

- ``USER#u / POSITION#<ulid>``; gsi1 ``USER#u#POSITIONS#STATUS#<status>``, gsi2 ``USER#u#POSITIONS#SYMBOL#<sym>``;
  while OPEN (sparse), the monitor's trigger indexes: gsi3 ``DN#<symbol>`` / the down trigger, gsi4
  ``UP#<symbol>`` / the up trigger (``domain.positions.triggers``, as ``keys.level_key``) and gsi5
  ``TIMEOUT#<shard>`` / ``<deadline>#<ulid>``. A price update asks each index for the positions its price
  reaches, so the monitor reads only positions it has something to do with. The last price and unrealized
  P&L of an OPEN position are not stored: they are worked out from the price cache when it is read.
- Opening, in one transaction: the position, +1 on the symbol's open-position count (system table: what the
  price update fetches), the owner's entry in the users registry with the position's holding (what the
  snapshot job values; removed again in the close, and in the delete of an OPEN position) and +1 on the
  owner's open-position count (conditional: at most ``MAX_OPEN_PER_USER``; closes and deletes take it back).
- Closing, in one transaction conditional on ``status = OPEN`` (so exactly once): the closed position, -1 on
  the symbol count, the strategy aggregates, the month's realized P&L and the ``position_closed`` alert.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.account_cash import AccountCash, with_account_cash
from goalpost.data.client import client, get_item, is_condition_failure
from goalpost.data.codec import Item, key, serialize, serialize_value, strip_keys
from goalpost.data.expressions import counter_change, set_or_remove
from goalpost.data.pagination import owned_page
from goalpost.data.queries import query_all
from goalpost.data.transactions import Transaction, TransactionRefused
from goalpost.domain.clock import iso
from goalpost.domain.positions import Position, PositionFilter, PositionStatus, Side, deadline, triggers

if TYPE_CHECKING:
    from goalpost.data.alerts import AlertWrite

# Open positions a user may hold at once: the monitor reads them all, and a portfolio value sums them.
MAX_OPEN_PER_USER = 500


class NotOpen(Exception):
    """The position is no longer OPEN (closed meanwhile) or no longer exists."""


class NotPending(Exception):
    """The position is no longer PENDING (filled, cancelled or deleted meanwhile)."""


class NoAccount(Exception):
    """The position names an account that is not one of its owner's connected accounts."""


class TooManyOpen(Exception):
    """The user already holds ``MAX_OPEN_PER_USER`` open positions."""


def _open_count_update(table: str, user_id: str, change: int) -> dict[str, Any]:
    count, below_cap, counted = counter_change("open_count", change, MAX_OPEN_PER_USER)
    update: dict[str, Any] = {
        "TableName": table,
        "Key": key(keys.user_pk(user_id), keys.OPEN_COUNT_SK),
        "UpdateExpression": count,
        "ExpressionAttributeValues": counted,
    }
    if below_cap:
        update["ConditionExpression"] = below_cap
    return {"Update": update}


def position_item(position: Position) -> Item:
    sk = keys.position_sk(position.id)
    item: Item = {
        "pk": keys.user_pk(position.user_id),
        "sk": sk,
        "entity": "position",
        **position.model_dump(),
        "gsi1pk": keys.positions_by_status_pk(position.user_id, position.status.value),
        "gsi1sk": sk,
        "gsi2pk": keys.positions_by_symbol_pk(position.user_id, position.symbol),
        "gsi2sk": sk,
    }
    for index, partition in attribution_partitions(position).items():
        item.update({f"{index}pk": partition, f"{index}sk": sk})
    if position.status == PositionStatus.OPEN:
        item.update({name: value for name, value in trigger_keys(position).items() if value is not None})
    return item


def attribution_partitions(position: Position) -> dict[str, str]:
    """The sparse attribution indexes the position is in (gsi6 bot, gsi7 prompt, gsi8 account) and its partition
    in each."""
    user = position.user_id
    partitions = {
        "gsi6": None if position.bot_id is None else keys.positions_by_bot_pk(user, position.bot_id),
        "gsi7": None if position.prompt_id is None else keys.positions_by_prompt_pk(user, position.prompt_id),
        "gsi8": None if position.account_id is None else keys.positions_by_account_pk(user, position.account_id),
    }
    return {index: partition for index, partition in partitions.items() if partition is not None}


TRIGGER_KEYS = ("gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk", "gsi5pk", "gsi5sk")


def trigger_keys(position: Position) -> dict[str, str | None]:
    """The OPEN position's keys in the trigger indexes (None: not in that index)."""
    levels = triggers(position, position.best_price or position.entry_price)
    ends = deadline(position)
    return {
        "gsi3pk": None if levels.down is None else keys.down_trigger_pk(position.symbol),
        "gsi3sk": None if levels.down is None else keys.level_key(levels.down, ROUND_CEILING),
        "gsi4pk": None if levels.up is None else keys.up_trigger_pk(position.symbol),
        "gsi4sk": None if levels.up is None else keys.level_key(levels.up, ROUND_FLOOR),
        "gsi5pk": None if ends is None else keys.timeout_shard_pk(position.id),
        "gsi5sk": None if ends is None else f"{iso(ends)}#{position.id}",
    }


def to_position(item: Item) -> Position:
    return Position.model_validate(strip_keys(item))


def _account_check(table: str, position: Position) -> dict[str, Any]:
    """The position's connected account must exist (``USER#u / ACCOUNT#<id>``, written by the accounts'
    routes): checked inside the open, so it costs no request of its own."""
    assert position.account_id is not None
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.account_sk(position.account_id)),
            "ConditionExpression": "attribute_exists(pk)",
        }
    }


def _add_opening(
    transaction: Transaction,
    table: str,
    system_table: str,
    position: Position,
    account_cash: AccountCash | None = None,
) -> Transaction:
    """Adds what an OPEN position counts in: +1 on its symbol's open count (system table: what the price update
    fetches), its holding in the users registry (what the snapshot job values) and +1 on the owner's open count
    (conditional: at most ``MAX_OPEN_PER_USER``); and ``account_cash`` on the profile when given."""
    # The items of what a position counts in (the symbol counts, the registry, the performance aggregates, the
    # alerts) are imported by the writes that move them (open, close, delete): what only reads positions (the
    # valuations, the end of day, the account sync that changes nothing, the monitor's runs that close nothing)
    # loads none of them.
    from goalpost.data.prices import symbol_count_update
    from goalpost.data.registry import holding_added

    holding = [holding_added(table, position)]
    if account_cash is not None:
        holding = with_account_cash(table, position.user_id, account_cash, holding)
    return (
        transaction.add(symbol_count_update(system_table, position.symbol, +1), role="symbol_count")
        .add_all(holding, role="holding")
        .add(_open_count_update(table, position.user_id, +1), role="open_count")
    )


def open_position(
    table: str,
    system_table: str,
    position: Position,
    *,
    account_update: dict[str, Any] | None = None,
    account_cash: AccountCash | None = None,
) -> None:
    """Stores a new OPEN position with its symbol count and registry entry, all or nothing; a PENDING one is the
    item alone (it counts in nothing until it fills). ``TooManyOpen``; ``NoAccount`` when its account_id is no
    connected account of the owner, or when ``account_update`` (the account sync's conditional update of the
    account item, which stands in for the check) is refused. ``account_cash``: the sync's record of the account's
    cash on the profile, written with it."""
    put = {
        "Put": {
            "TableName": table,
            "Item": serialize(position_item(position)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    transaction = Transaction().add(put, role="position")
    if position.status == PositionStatus.OPEN:
        _add_opening(transaction, table, system_table, position, account_cash)
    if account_update is not None:
        transaction.add(account_update, role="account")
    elif position.account_id is not None:
        transaction.add(_account_check(table, position), role="account")
    _write(transaction, {"account": NoAccount, "open_count": TooManyOpen})


def _write(transaction: Transaction, refusals: dict[str, type[Exception]]) -> None:
    """Writes ``transaction``; a refusal by one of the roles of ``refusals`` raises that role's error."""
    try:
        transaction.write()
    except TransactionRefused as refused:
        for role, error in refusals.items():
            if role in refused.failed_roles:
                raise error from refused
        raise


def _pending_update(table: str, position: Position, fields: tuple[str, ...], index_keys: dict[str, str]) -> Any:
    """The update that writes ``fields`` of a position, its status index and ``index_keys``, if it is still
    PENDING."""
    item = position_item(position)
    placed = {"gsi1pk": item["gsi1pk"], **index_keys}
    expression, names, values = _set_fields(position, fields, extra_set={name: f":{name}" for name in placed})
    return {
        "Update": {
            "TableName": table,
            "Key": key(item["pk"], item["sk"]),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :pending",
            "ExpressionAttributeNames": {**names, "#status": "status"},
            "ExpressionAttributeValues": {
                **values,
                ":pending": {"S": PositionStatus.PENDING.value},
                **{f":{name}": {"S": value} for name, value in placed.items()},
            },
        }
    }


def fill(table: str, system_table: str, position: Position) -> None:
    """Turns a PENDING position into the OPEN ``position`` (its fill written in): the position with its trigger
    keys and everything opening counts in, in one transaction conditional on it still being PENDING
    (``NotPending`` otherwise: cancelled, filled or deleted meanwhile); ``TooManyOpen``."""
    placed = {name: value for name, value in trigger_keys(position).items() if value is not None}
    fields = ("status", "quantity", "entry_price", "entry_time", "best_price", "updated_at")
    transaction = Transaction().add(_pending_update(table, position, fields, placed), role="position")
    _add_opening(transaction, table, system_table, position)
    _write(transaction, {"position": NotPending, "open_count": TooManyOpen})


def end_pending(table: str, position: Position) -> None:
    """Writes the CANCELLED or FAILED ``position`` if it is still PENDING (``NotPending`` otherwise); nothing
    else moves, as a PENDING position counts in nothing."""
    update = _pending_update(table, position, ("status", "reason", "updated_at"), {})
    _write(Transaction().add(update, role="position"), {"position": NotPending})


def get(table: str, user_id: str, position_id: str) -> Position | None:
    item = get_item(table, key(keys.user_pk(user_id), keys.position_sk(position_id)))
    return None if item is None else to_position(item)


def _index_of(user_id: str, wanted: PositionFilter) -> tuple[str, str, set[str]]:
    """The index that serves the narrowest given filter (its partition holds only matching positions) and the
    filters it serves; the others are filtered within the page's bounded window."""
    choices = (
        ("account_id", "gsi8", keys.positions_by_account_pk),
        ("bot_id", "gsi6", keys.positions_by_bot_pk),
        ("prompt_id", "gsi7", keys.positions_by_prompt_pk),
        ("symbol", "gsi2", keys.positions_by_symbol_pk),
    )
    for name, index, partition in choices:
        value = getattr(wanted, name)
        if value is not None:
            return index, partition(user_id, value), {name}
    if wanted.status is not None:
        return "gsi1", keys.positions_by_status_pk(user_id, wanted.status.value), {"status"}
    return "", keys.user_pk(user_id), set()


def list_page(
    table: str, user_id: str, wanted: PositionFilter, *, limit: int, next_token: str | None
) -> tuple[list[Position], str | None]:
    """Newest first, from the index of the narrowest filter given (``_index_of``); the rest is filtered."""
    index, partition, served = _index_of(user_id, wanted)
    conditions: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in ("status", "symbol", "strategy", "bot_id", "prompt_id", "account_id"):
        value = getattr(wanted, name)
        if value is None or name in served:
            continue
        conditions.append(f"#{name} = :{name}")
        names[f"#{name}"] = name
        values[f":{name}"] = value.value if isinstance(value, PositionStatus) else value
    items, token = owned_page(
        table,
        owner_pk=keys.user_pk(user_id),
        sort_prefix=keys.POSITION_PREFIX,
        index=index or None,
        partition=partition,
        limit=limit,
        next_token=next_token,
        filter_expression=" AND ".join(conditions) or None,
        filter_values=values,
        filter_names=names or None,
    )
    return [to_position(item) for item in items], token


def open_positions(table: str, user_id: str) -> list[Position]:
    """The user's OPEN positions: one Query of the status index (paged)."""
    items = query_all(
        table=table,
        partition=keys.positions_by_status_pk(user_id, PositionStatus.OPEN.value),
        sort_prefix=keys.POSITION_PREFIX,
        index="gsi1",
    )
    return [to_position(item) for item in items]


def account_open_positions(table: str, user_id: str, account_id: str) -> list[Position]:
    """The user's OPEN positions linked to one connected account (the status index, narrowed by account: a user
    holds at most ``MAX_OPEN_PER_USER`` open positions, so this stays one or two pages)."""
    items = query_all(
        table=table,
        partition=keys.positions_by_status_pk(user_id, PositionStatus.OPEN.value),
        sort_prefix=keys.POSITION_PREFIX,
        index="gsi1",
        newest_first=False,
        filter_expression="account_id = :account",
        filter_values={":account": account_id},
    )
    return [to_position(item) for item in items]


def unlink_account(table: str, user_id: str, account_id: str) -> int:
    """Unlinks every position of a removed account (``account_id`` null, out of the account index; ``source``
    kept): the account index's partition, page by page, one conditional update each. How many it unlinked."""
    items = query_all(
        table=table,
        partition=keys.positions_by_account_pk(user_id, account_id),
        sort_prefix=keys.POSITION_PREFIX,
        index="gsi8",
        projection="pk, sk",
    )
    unlinked = 0
    for item in items:
        try:
            client().update_item(
                TableName=table,
                Key=key(str(item["pk"]), str(item["sk"])),
                UpdateExpression="REMOVE account_id, gsi8pk, gsi8sk",
                ConditionExpression="account_id = :account",
                ExpressionAttributeValues={":account": serialize_value(account_id)},
            )
            unlinked += 1
        except ClientError as error:
            if not is_condition_failure(error):
                raise
    return unlinked


def reached_by(table: str, symbol: str, low: Decimal, high: Decimal | None = None) -> list[Position]:
    """The OPEN positions in ``symbol`` whose down trigger is at or above ``low`` or whose up trigger is at or
    below ``high`` (by default ``low``: one price): one Query of each trigger index (paged)."""
    below = query_all(
        table=table,
        partition=keys.down_trigger_pk(symbol),
        sort_prefix=None,
        index="gsi3",
        between=(keys.level_key(low, ROUND_FLOOR), keys.HIGHEST_LEVEL),
    )
    above = query_all(
        table=table,
        partition=keys.up_trigger_pk(symbol),
        sort_prefix=None,
        index="gsi4",
        between=(keys.LOWEST_LEVEL, keys.level_key(low if high is None else high, ROUND_CEILING)),
    )
    found = {item["sk"]: item for item in below + above}
    return [to_position(item) for item in found.values()]


def timed_out(table: str, now: datetime) -> list[Position]:
    """The OPEN positions whose ``max_duration_minutes`` has run out by ``now``: one Query per timeout shard."""
    until = f"{iso(now)}#~"  # after every position id of that instant
    items = [
        item
        for shard in range(keys.TIMEOUT_SHARDS)
        for item in query_all(
            table=table, partition=keys.timeout_pk(shard), sort_prefix=None, index="gsi5", between=("0", until)
        )
    ]
    return [to_position(item) for item in items]


def _set_fields(
    position: Position,
    fields: tuple[str, ...],
    *,
    extra_set: dict[str, str] | None = None,
    extra_remove: tuple[str, ...] = (),
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The UpdateExpression that writes ``fields`` of the position (see ``set_or_remove``)."""
    dumped = position.model_dump()
    return set_or_remove({name: dumped[name] for name in fields}, extra_set=extra_set, extra_remove=extra_remove)


LEVEL_FIELDS = (
    "stop_loss",
    "take_profit",
    "trailing_stop_percent",
    "max_duration_minutes",
    "best_price",
    "updated_at",
)


def _guarded_update(
    table: str, position: Position, fields: tuple[str, ...], condition: str, values: dict[str, Any]
) -> None:
    """Writes ``fields`` and the trigger keys that follow from them, if the position is still OPEN and
    ``condition`` holds; ``NotOpen`` otherwise."""
    placed = trigger_keys(position)
    expression, names, field_values = _set_fields(
        position,
        fields,
        extra_set={name: f":{name}" for name, value in placed.items() if value is not None},
        extra_remove=tuple(name for name, value in placed.items() if value is None),
    )
    try:
        client().update_item(
            TableName=table,
            Key=key(keys.user_pk(position.user_id), keys.position_sk(position.id)),
            UpdateExpression=expression,
            ConditionExpression=" AND ".join(filter(None, ("#status = :open", condition))),
            ExpressionAttributeNames={**names, "#status": "status"},
            ExpressionAttributeValues={
                **field_values,
                **{f":{name}": {"S": value} for name, value in placed.items() if value is not None},
                ":open": {"S": PositionStatus.OPEN.value},
                **values,
            },
        )
    except ClientError as error:
        if is_condition_failure(error):
            raise NotOpen from error
        raise


def update_levels(table: str, position: Position) -> None:
    """Writes the levels of a position that must still be OPEN (and where they put it in the trigger
    indexes); ``NotOpen`` otherwise."""
    _guarded_update(table, position, LEVEL_FIELDS, "", {})


def raise_best(table: str, position: Position, *, as_read: datetime) -> bool:
    """Stores the position's new best price (and the trailing stop's triggers that follow it) if it is still
    OPEN, unchanged since it was read (``updated_at`` = ``as_read``: the monitor reads an index, which may lag
    a change of levels) and its stored best is worse. Whether it wrote: if not, the next run reads it again."""
    better_than = "best_price < :best" if position.side == Side.LONG else "best_price > :best"
    try:
        _guarded_update(
            table,
            position,
            ("best_price", "updated_at"),
            f"updated_at = :as_read AND (attribute_not_exists(best_price) OR {better_than})",
            {":best": serialize_value(position.best_price), ":as_read": serialize_value(as_read)},
        )
    except NotOpen:
        return False
    return True


def month_pnl_item(table: str, position: Position, sign: int) -> dict[str, Any]:
    assert position.exit_time is not None
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.month_sk(position.exit_time.strftime("%Y-%m"))),
            "UpdateExpression": "ADD realized_pnl :pnl",
            "ExpressionAttributeValues": {":pnl": serialize_value((position.realized_pnl or Decimal(0)) * sign)},
        }
    }


def close(
    table: str,
    system_table: str,
    position: Position,
    alerts: list[AlertWrite],
    as_read: datetime | None = None,
    *,
    account_update: dict[str, Any] | None = None,
    account_cash: AccountCash | None = None,
) -> None:
    """Writes the closed ``position`` and everything a close moves, exactly once: ``NotOpen`` when it was
    closed (or deleted) meanwhile, or changed since ``as_read`` (its ``updated_at`` when read from an index,
    which may lag a change of levels: such a close is not made, and the next run reads the position again).
    ``account_update``: the account sync's conditional update of the account item, written with the close
    (``NotOpen`` too when it is refused: the account's sync state moved meanwhile), with ``account_cash`` on the
    profile when it records the sync. Without one, a position
    linked to an account is closed on the condition that the account exists, ``NoAccount`` otherwise (it was
    disconnected: the close is written again unlinked, rather than link the position to it once more)."""
    from goalpost.data.alerts import transact_items  # imported by the writes only, see _add_opening
    from goalpost.data.performance import stats_items
    from goalpost.data.prices import symbol_count_update
    from goalpost.data.registry import with_holding_removed

    item = position_item(position)
    fields = tuple(name for name in Position.model_fields if name not in ("id", "user_id"))
    # Out of the open-positions index, into the CLOSED status partition.
    # Unlinked (its account disconnected), it leaves the account index too.
    unlinked = ("gsi8pk", "gsi8sk") if position.account_id is None else ()
    expression, names, values = _set_fields(
        position, fields, extra_set={"gsi1pk": ":closed_index"}, extra_remove=TRIGGER_KEYS + unlinked
    )
    update = {
        "Update": {
            "TableName": table,
            "Key": key(item["pk"], item["sk"]),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :open" + ("" if as_read is None else " AND updated_at = :as_read"),
            "ExpressionAttributeNames": {**names, "#status": "status"},
            "ExpressionAttributeValues": {
                **values,
                ":open": {"S": PositionStatus.OPEN.value},
                ":closed_index": {"S": item["gsi1pk"]},
                **({} if as_read is None else {":as_read": serialize_value(as_read)}),
            },
        }
    }
    profile = with_holding_removed(table, position, transact_items(alerts))
    if account_cash is not None:
        profile = with_account_cash(table, position.user_id, account_cash, profile)
    transaction = (
        Transaction()
        .add(update, role="position")
        .add(symbol_count_update(system_table, position.symbol, -1), role="symbol_count")
        .add(_open_count_update(table, position.user_id, -1), role="open_count")
        .add_all(stats_items(table, position, +1), role="stats")
        .add(month_pnl_item(table, position, +1), role="month")
        .add_all(profile, role="alerts_and_holding")
    )
    if account_update is not None:
        transaction.add(account_update, role="account")
    elif position.account_id is not None:
        transaction.add(_account_check(table, position), role="linked_account")
    try:
        transaction.write()
    except TransactionRefused as refused:
        if refused.failed_roles & {"position", "account"}:
            raise NotOpen from refused
        if "linked_account" in refused.failed_roles:
            raise NoAccount from refused
        raise


def delete(table: str, system_table: str, position: Position) -> bool:
    """Deletes a mistaken entry and takes it out of what it counted in (the symbol count while open; the
    aggregates and the month's P&L once closed; nothing while PENDING, CANCELLED or FAILED). False when it was
    gone or changed meanwhile."""
    from goalpost.data.performance import stats_items  # imported by the writes only, see _add_opening
    from goalpost.data.prices import symbol_count_update
    from goalpost.data.registry import holding_removed

    guard = {
        "ConditionExpression": "#status = :status",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":status": {"S": position.status.value}},
    }
    removal = {
        "Delete": {
            "TableName": table,
            "Key": key(keys.user_pk(position.user_id), keys.position_sk(position.id)),
            **guard,
        }
    }
    transaction = Transaction().add(removal, role="position")
    if position.status == PositionStatus.OPEN:
        transaction.add(symbol_count_update(system_table, position.symbol, -1), role="symbol_count")
        transaction.add(_open_count_update(table, position.user_id, -1), role="open_count")
        transaction.add(holding_removed(table, position), role="holding")
    elif position.status == PositionStatus.CLOSED:
        transaction.add_all(stats_items(table, position, -1), role="stats")
        transaction.add(month_pnl_item(table, position, -1), role="month")
    return transaction.write_unless_refused_by("position")


def month_realized(table: str, user_id: str, when: datetime) -> Decimal:
    item = get_item(table, key(keys.user_pk(user_id), keys.month_sk(when.strftime("%Y-%m"))))
    return Decimal(item.get("realized_pnl", 0)) if item else Decimal(0)
