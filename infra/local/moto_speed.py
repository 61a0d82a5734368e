"""moto answers every Query by sorting the whole table and testing each item (and each index Query the same
way), so a table of 50,000 items makes every Query cost tens of milliseconds: the local server, the tests and
the benchmark slow down as data grows, which real DynamoDB never does.

This hands moto's own ``Table.query`` only the partition it asks for: the base table's partition straight from
moto's item map, an index's from buckets built once per table state (any write forgets them). moto still does
all the selecting, ordering, paging and projecting, so answers are unchanged; only the candidates shrink.
Installed with the other moto patches, under the lock that serializes every moto call."""

from __future__ import annotations

import inspect
import threading
from functools import wraps
from typing import Any

_override = threading.local()
_mutations = [0]  # bumped by every write; cached index buckets are valid for one value
_buckets: dict[tuple[int, str], tuple[int, int, str, dict[Any, list[Any]]]] = {}


def _bump_after(method: Any) -> Any:
    @wraps(method)
    def mutating(*args: Any, **kwargs: Any) -> Any:
        _mutations[0] += 1
        try:
            return method(*args, **kwargs)
        finally:
            _mutations[0] += 1

    return mutating


def _index_buckets(table: Any, index_name: str, hash_attr: str, all_items: Any) -> dict[Any, list[Any]]:
    key = (id(table), index_name)
    cached = _buckets.get(key)
    if cached and cached[0] == _mutations[0] and cached[1] == id(table.items) and cached[2] == hash_attr:
        return cached[3]
    buckets: dict[Any, list[Any]] = {}
    for item in all_items(table):  # moto's order (by table key), kept within each bucket
        value = item.attrs.get(hash_attr)
        if value is not None:
            buckets.setdefault(value, []).append(item)
    _buckets[key] = (_mutations[0], id(table.items), hash_attr, buckets)
    return buckets


def _candidates(table: Any, call: inspect.BoundArguments, all_items: Any) -> list[Any] | None:
    """The items moto's query would keep from ``all_items()`` by hash key, or None to let moto look itself."""
    from moto.dynamodb.models.dynamo_type import Item

    arguments = call.arguments
    index_name = arguments.get("index_name")
    if not index_name:
        hash_key = arguments.get("hash_key")
        if hash_key is None or not table.range_key_attr:
            return None
        partition = table.items.get(hash_key, {})
        return [item for item in partition.values() if isinstance(item, Item)]
    conditions = arguments.get("hash_key_conditions") or []
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    hash_keys = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"] if index else []
    if len(hash_keys) != 1 or len(conditions) != 1 or conditions[0][0] != hash_keys[0]:
        return None
    return list(_index_buckets(table, index_name, hash_keys[0], all_items).get(conditions[0][1], []))


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original_all_items = Table.all_items
    original_query = Table.query
    signature = inspect.signature(original_query)

    @wraps(original_all_items)
    def all_items(self: Any) -> Any:
        if getattr(_override, "table", None) is self:
            return _override.items
        return original_all_items(self)

    @wraps(original_query)
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = signature.bind(self, *args, **kwargs)
        candidates = _candidates(self, call, original_all_items)
        if candidates is None:
            return original_query(self, *args, **kwargs)
        _override.table, _override.items = self, candidates
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _override.table = _override.items = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    for owner, names in (
        (Table, ("put_item", "delete_item")),
        (DynamoDBBackend, ("update_item", "delete_item", "put_item", "transact_write_items", "delete_table")),
    ):
        for name in names:
            setattr(owner, name, _bump_after(getattr(owner, name)))
