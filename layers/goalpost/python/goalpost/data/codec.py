"""Items as DynamoDB stores them: Python values to attribute values and back (``data.attributes`` for one
value), table keys, and an entity's own attributes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from goalpost.data.attributes import from_attribute, to_attribute
from goalpost.domain.clock import iso

Item = dict[str, Any]


def plain(value: Any) -> Any:
    """Python/pydantic values -> what DynamoDB stores (``to_attribute`` refuses floats: money is Decimal end
    to end)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_attribute(plain(v)) for k, v in item.items() if v is not None}


def serialize_value(value: Any) -> dict[str, Any]:
    return to_attribute(plain(value))


def deserialize(item: Mapping[str, Any]) -> Item:
    return {k: from_attribute(v) for k, v in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def strip_keys(item: Item, extra: Iterable[str] = ()) -> Item:
    """The entity's own attributes, without table keys and index attributes."""
    hidden = {"pk", "sk", "expires_at", "entity", *(f"gsi{n}{part}" for n in range(1, 6) for part in ("pk", "sk"))}
    hidden.update(extra)
    return {k: v for k, v in item.items() if k not in hidden}
