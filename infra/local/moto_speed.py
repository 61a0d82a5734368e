"""moto's costs that grow with its data, cut to what real DynamoDB pays. Installed with the other moto patches,
under the lock that serializes every moto call; answers are unchanged, only the work behind them shrinks.

Query: moto sorts the whole table and tests each item for every Query (index Queries the same way), so a table
of 50,000 items makes every Query cost tens of milliseconds. Here moto's own ``Table.query`` gets only the
partition it asks for: the base table's partition straight from moto's item map, an index's from buckets built
once per state of that table (a write to the table forgets them; writes to other tables do not).

TransactWriteItems: moto deep-copies every table a transaction touches, before it starts, as its rollback
backup, which costs time and memory in proportion to the whole table. Here a transaction backs up only the
items it writes (a copy of each, or None where there was none) and, whatever makes it fail, puts exactly those
back before the error goes on."""

from __future__ import annotations

import copy
import inspect
import threading
import weakref
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

_override = threading.local()
_in_transaction = threading.local()


@dataclass
class _TableState:
    """What we keep beside one moto table: a version that every write bumps, and the index buckets built at
    some version (valid while the version and the table's item map are unchanged)."""

    version: int = 0
    buckets: dict[str, tuple[int, int, str, dict[Any, list[Any]]]] = field(default_factory=dict)


# Weak keys: a table that moto drops (a reset, a deleted table) takes its state with it.
_states: weakref.WeakKeyDictionary[Any, _TableState] = weakref.WeakKeyDictionary()


def _state(table: Any) -> _TableState:
    state = _states.get(table)
    if state is None:
        state = _states[table] = _TableState()
    return state


def _touched(table: Any) -> None:
    _state(table).version += 1


def _versioned(method: Any, table_of: Any) -> Any:
    """``method`` with the version of the table it writes bumped once it is done (whether it wrote or not)."""

    @wraps(method)
    def mutating(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            table = table_of(self, *args, **kwargs)
            if table is not None:
                _touched(table)

    return mutating


def _index_buckets(table: Any, index_name: str, hash_attr: str, all_items: Any) -> dict[Any, list[Any]]:
    state = _state(table)
    cached = state.buckets.get(index_name)
    if cached and cached[0] == state.version and cached[1] == id(table.items) and cached[2] == hash_attr:
        return cached[3]
    buckets: dict[Any, list[Any]] = {}
    for item in all_items(table):  # moto's order (by table key), kept within each bucket
        value = item.attrs.get(hash_attr)
        if value is not None:
            buckets.setdefault(value, []).append(item)
    state.buckets[index_name] = (state.version, id(table.items), hash_attr, buckets)
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


# ---------------------------------------------------------------------------------------------- transactions


@dataclass(frozen=True)
class _Saved:
    """One item a transaction may write, as it was before: a copy, or None when there was none."""

    table: Any
    hash_key: Any
    range_key: Any
    item: Any


def _saved_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[_Saved]:
    """The items ``transact_items`` would write, saved. An operation moto will refuse (no such table, a key
    missing) is skipped: moto writes nothing for it."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: dict[tuple[int, Any, Any], _Saved] = {}
    for entry in transact_items:
        for kind, operation in entry.items():  # moto refuses an entry of several, but only once it reaches it
            if kind == "ConditionCheck":
                continue
            try:
                table = backend.get_table(operation["TableName"])
                attributes = operation["Item"] if kind == "Put" else operation["Key"]
                hash_key = DynamoType(attributes[table.hash_key_attr])
                range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
            except Exception:  # noqa: S112 (moto reports it; there is nothing to save)
                continue
            partition = table.items.get(hash_key)
            item = partition if range_key is None or partition is None else partition.get(range_key)
            saved.setdefault((id(table), hash_key, range_key), _Saved(table, hash_key, range_key, copy.deepcopy(item)))
    return list(saved.values())


def _put_back(saved: list[_Saved]) -> None:
    for entry in saved:
        items = entry.table.items
        if entry.range_key is None:
            if entry.item is None:
                items.pop(entry.hash_key, None)
            else:
                items[entry.hash_key] = entry.item
        elif entry.item is not None:
            items[entry.hash_key][entry.range_key] = entry.item
        elif entry.hash_key in items:
            items[entry.hash_key].pop(entry.range_key, None)
            if not items[entry.hash_key]:
                del items[entry.hash_key]
        _touched(entry.table)  # a rollback is a write: index buckets may hold the items it replaced


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
            _put_back(saved)
            raise
        finally:
            _in_transaction.active = False

    return transact_write_items


# ---------------------------------------------------------------------------------------------- install


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
        call = signature.bind(self, *args, **kwargs)
        candidates = _candidates(self, call, original_all_items)
        if candidates is None:
            return original_query(self, *args, **kwargs)
        _override.table, _override.items = self, candidates
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _override.table = _override.items = None

    def named_table(backend: Any, table_name: Any = None, *_: Any, **kwargs: Any) -> Any:
        try:
            return backend.get_table(kwargs.get("table_name", table_name))  # by name or ARN
        except Exception:  # no such table: nothing was written
            return None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    # Every write reaches a table through these: the backend's put, delete and batch writes call the table's
    # own put_item / delete_item, and update_item changes an item in place.
    for name in ("put_item", "delete_item"):
        setattr(Table, name, _versioned(getattr(Table, name), lambda table, *_, **__: table))
    DynamoDBBackend.update_item = _versioned(DynamoDBBackend.update_item, named_table)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _item_backups(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items
    )
    models.copy = _TablesNotCopied()  # type: ignore[assignment]
