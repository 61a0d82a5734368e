"""moto's costs that grow with its data, cut to what real DynamoDB pays. Installed with the other moto patches,
under the lock that serializes every moto call; answers are unchanged, only the work behind them shrinks.

Query: moto sorts the whole table and tests each item for every Query (index Queries the same way), so a table
of 50,000 items makes every Query cost tens of milliseconds. Here moto's own ``Table.query`` gets only the
partition it asks for: the base table's partition straight from moto's item map, an index's from partitions
filed once and kept up to date by the writes (each write files again only the item it touched), so neither a
Query nor the Query after a write costs in proportion to the table.

TransactWriteItems: moto deep-copies every table a transaction touches, before it starts, as its rollback
backup, which costs time and memory in proportion to the whole table. Here a transaction backs up only the
items it writes (a copy of each, or None where there was none) and, whatever makes it fail, puts exactly those
back before the error goes on."""

from __future__ import annotations

import copy
import inspect
import threading
import weakref
from bisect import insort
from collections.abc import Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

_override = threading.local()
_in_transaction = threading.local()


def key_of(table: Any, attributes: Mapping[str, Any]) -> tuple[Any, Any]:
    """moto's key (hash, range) of an item or a Key of ``table``; KeyError when a key attribute is missing."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    range_name = table.range_key_attr
    return DynamoType(attributes[table.hash_key_attr]), DynamoType(attributes[range_name]) if range_name else None


def stored_item(table: Any, key: tuple[Any, Any]) -> Any:
    """moto's item under ``key``, or None (``.get``: moto's item map is a defaultdict)."""
    rows = table.items.get(key[0])
    return rows.get(key[1]) if rows is not None and table.range_key_attr else rows


def _table_order(item: Any) -> tuple[Any, Any]:
    """moto's order of a table's items (``Table.all_items``: by hash key, then range key)."""
    return item.hash_key.cast_value, "" if item.range_key is None else item.range_key.cast_value


class _IndexPartitions:
    """One index's items by partition (the value of the index's hash key), each in moto's table order: what a
    Query of the index gets. Filed from the whole table once; after that only the items that writes touched
    are filed again, at the next Query (valid while the table keeps its item map). It holds no reference to
    the table: kept under the table as a weak key, it must not keep the table alive."""

    def __init__(self, table: Any, hash_attr: str) -> None:
        self.items, self.hash_attr = table.items, hash_attr
        self.buckets: dict[Any, list[Any]] = {}
        self.filed: dict[tuple[Any, Any], tuple[Any, Any]] = {}  # table key -> (partition, item)
        self.touched: set[tuple[Any, Any]] = set()
        for rows in table.items.values():
            for item in rows.values() if table.range_key_attr else [rows]:
                self._file(item)

    def fits(self, table: Any, hash_attr: str) -> bool:
        return self.items is table.items and self.hash_attr == hash_attr

    def _file(self, item: Any) -> None:
        partition = item.attrs.get(self.hash_attr)
        if partition is not None:
            insort(self.buckets.setdefault(partition, []), item, key=_table_order)
            self.filed[item.hash_key, item.range_key] = (partition, item)

    def _unfile(self, key: tuple[Any, Any]) -> None:
        partition, item = self.filed.pop(key, (None, None))
        if item is not None:
            bucket = self.buckets[partition]
            del bucket[next(n for n, filed in enumerate(bucket) if filed is item)]

    def refile(self, table: Any) -> None:
        """Files the touched items again as they are now (moved, changed in place, deleted or new)."""
        for key in self.touched:
            self._unfile(key)
            item = stored_item(table, key)
            if item is not None:
                self._file(item)
        self.touched.clear()


# Weak keys: a table that moto drops (a reset, a deleted table) takes its partitions with it.
_partitions: weakref.WeakKeyDictionary[Any, dict[str, _IndexPartitions]] = weakref.WeakKeyDictionary()


def _touched(table: Any, key: tuple[Any, Any]) -> None:
    """The item under ``key`` is about to change (or just did): its indexes file it again before their next
    Query. A write to one table leaves the partitions of every other as they are."""
    for partitions in _partitions.get(table, {}).values():
        partitions.touched.add(key)


def _index_buckets(table: Any, index_name: str, hash_attr: str) -> dict[Any, list[Any]]:
    by_index = _partitions.setdefault(table, {})
    partitions = by_index.get(index_name)
    if partitions is None or not partitions.fits(table, hash_attr):
        partitions = by_index[index_name] = _IndexPartitions(table, hash_attr)
    partitions.refile(table)
    return partitions.buckets


def _touching(method: Any, key_from: Any) -> Any:
    """``method`` (a write) with the item it writes marked touched; ``key_from(self, *args, **kwargs)`` gives
    its table and key, or None when moto will refuse the write (no such table, a key attribute missing)."""

    @wraps(method)
    def writing(self: Any, *args: Any, **kwargs: Any) -> Any:
        target = key_from(self, *args, **kwargs)
        if target is not None:
            _touched(*target)
        return method(self, *args, **kwargs)

    return writing


def _candidates(table: Any, call: inspect.BoundArguments) -> list[Any] | None:
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
    return list(_index_buckets(table, index_name, hash_keys[0]).get(conditions[0][1], []))


# ---------------------------------------------------------------------------------------------- transactions


@dataclass(frozen=True)
class _Saved:
    """One item a transaction may write, as it was before: a copy, or None when there was none."""

    table: Any
    key: tuple[Any, Any]
    item: Any

    def put_back(self) -> None:
        items = self.table.items
        hash_key, range_key = self.key
        if range_key is None:
            if self.item is None:
                items.pop(hash_key, None)
            else:
                items[hash_key] = self.item
        elif self.item is not None:
            items[hash_key][range_key] = self.item
        elif hash_key in items:
            items[hash_key].pop(range_key, None)
            if not items[hash_key]:
                del items[hash_key]
        _touched(self.table, self.key)  # a rollback is a write: the indexes may hold the item it replaced


def _saved_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[_Saved]:
    """The items ``transact_items`` would write, saved. An operation moto will refuse (no such table, a key
    missing) is skipped: moto writes nothing for it."""
    saved: dict[tuple[int, Any], _Saved] = {}
    for entry in transact_items:
        for kind, operation in entry.items():  # moto refuses an entry of several, but only once it reaches it
            if kind == "ConditionCheck":
                continue
            try:
                table = backend.get_table(operation["TableName"])
                key = key_of(table, operation["Item"] if kind == "Put" else operation["Key"])
            except Exception:  # noqa: S112 (moto reports it; there is nothing to save)
                continue
            saved.setdefault((id(table), key), _Saved(table, key, copy.deepcopy(stored_item(table, key))))
    return list(saved.values())


class _TablesNotCopied:
    """Stands in for the ``copy`` module inside ``moto.dynamodb.models``: while ``transact_write_items`` runs
    under our wrapper, the "backup" of a table is the table itself (its rollback then puts back the same
    object, a no-op), since the wrapper saved the items instead. Any other copy is a real one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.table import Table

        if getattr(_in_transaction, "active", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _item_backups(original: Any) -> Any:
    @wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        saved = _saved_items(self, transact_items)
        _in_transaction.active = True
        try:
            return original(self, transact_items, *args, **kwargs)
        except BaseException:
            for item in saved:
                item.put_back()
            raise
        finally:
            _in_transaction.active = False

    return transact_write_items


# ---------------------------------------------------------------------------------------------- install


def _put_key(table: Any, item_attrs: Mapping[str, Any], *_: Any, **__: Any) -> tuple[Any, Any] | None:
    try:
        return table, key_of(table, item_attrs)
    except KeyError:
        return None


def _delete_key(table: Any, hash_key: Any, range_key: Any = None) -> tuple[Any, Any]:
    return table, (hash_key, range_key)


def _update_key(backend: Any, table_name: str, key: Mapping[str, Any], *_: Any, **__: Any) -> tuple[Any, Any] | None:
    try:
        table = backend.get_table(table_name)  # by name or ARN
        return table, key_of(table, key)
    except Exception:  # no such table, or no key: moto refuses the write
        return None


def install() -> None:
    from moto.dynamodb import models
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
        candidates = _candidates(self, signature.bind(self, *args, **kwargs))
        if candidates is None:
            return original_query(self, *args, **kwargs)
        _override.table, _override.items = self, candidates
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _override.table = _override.items = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    # Every write reaches a table's items through these: the backend's put, delete, batch and transactional
    # writes call the table's own put_item / delete_item, and update_item changes an item in place.
    Table.put_item = _touching(Table.put_item, _put_key)  # type: ignore[method-assign]
    Table.delete_item = _touching(Table.delete_item, _delete_key)  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _touching(DynamoDBBackend.update_item, _update_key)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _item_backups(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items
    )
    models.copy = _TablesNotCopied()  # type: ignore[assignment]
