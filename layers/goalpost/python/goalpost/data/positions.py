"""Positions in the data table.

- ``USER#u / POSITION#<ulid>``; gsi1 ``USER#u#POSITIONS#STATUS#<status>``, gsi2 ``USER#u#POSITIONS#SYMBOL#<sym>``,
  gsi3 ``OPEN#<symbol>`` / ``USER#u#POSITION#<ulid>`` (sparse: only while OPEN — the monitor's reading list).
- Opening a position, in one transaction: the position, +1 on the symbol's open-position count (system table:
  what the price update fetches) and the owner's entry in the users registry (what the snapshot job visits).
"""

from __future__ import annotations

from typing import Any

from goalpost.data import keys
from goalpost.data.dynamo import Item, client, query_all, serialize, strip_keys
from goalpost.data.portfolio import register_user
from goalpost.data.prices import symbol_count_update
from goalpost.domain.positions import Position, PositionStatus


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
    if position.status == PositionStatus.OPEN:
        item.update(gsi3pk=keys.open_positions_pk(position.symbol), gsi3sk=f"USER#{position.user_id}#{sk}")
    return item


def to_position(item: Item) -> Position:
    return Position.model_validate(strip_keys(item))


def open_position(table: str, system_table: str, position: Position) -> None:
    """Stores a new OPEN position with its symbol count and registry entry, all or nothing."""
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": serialize(position_item(position)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        symbol_count_update(system_table, position.symbol, +1),
        register_user(table, position.user_id),
    ]
    client().transact_write_items(TransactItems=items)


def open_positions(table: str, user_id: str) -> list[Position]:
    """The user's OPEN positions: one Query of the status index (paged)."""
    items = query_all(
        table=table,
        partition=keys.positions_by_status_pk(user_id, PositionStatus.OPEN.value),
        sort_prefix=keys.POSITION_PREFIX,
        index="gsi1",
    )
    return [to_position(item) for item in items]
