"""moto cuts a Query page at 1 MB of the base table's items, even on an index that copies only some attributes;
DynamoDB reads the index's own copies, so a page of a narrow index (the snapshots' ``values``: keys and the
total) holds thousands of items where moto would stop after a few dozen big snapshots. Here an index Query
measures each item as the index holds it, so the local server and the tests page as AWS does."""

from __future__ import annotations

import inspect
import threading
from functools import wraps
from typing import Any

_querying = threading.local()  # the index a Query of this thread reads, while moto's query runs


def _index_attributes(index: Any) -> frozenset[str] | None:
    """The attributes an index copies (its keys, the table's, its included ones); None when it copies all."""
    projection = index.projection or {}
    if projection.get("ProjectionType", "ALL") == "ALL":
        return None
    return frozenset([*index.table_key_attrs, *index.schema_key_attrs, *projection.get("NonKeyAttributes", [])])


def install() -> None:
    from moto.dynamodb.models.dynamo_type import Item, bytesize
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_size = Item.size
    signature = inspect.signature(original_query)

    @wraps(original_query)
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = signature.bind(self, *args, **kwargs).arguments.get("index_name")
        attributes = _index_attributes(self.get_index(index_name)) if index_name else None
        _querying.attributes = attributes
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _querying.attributes = None

    @wraps(original_size)
    def size(self: Any) -> int:
        attributes = getattr(_querying, "attributes", None)
        if attributes is None:
            return original_size(self)
        return sum(bytesize(name) + value.size() for name, value in self.attrs.items() if name in attributes)

    Table.query = query  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]
