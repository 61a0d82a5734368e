"""The AWS requests a piece of work makes, and what each DynamoDB request would be billed, in read and write
request units, measured on moto.

Every call made through botocore is seen (``BaseClient._make_api_call``), and the items it reads or writes are
sized by DynamoDB's rules (attribute names plus values; 1 KB per write unit, 4 KB per read unit; eventually
consistent reads half price, transactions double). Writes look at moto's stored item before and after the
call, so an UpdateItem is billed for the whole item, and every global secondary index holding the item costs
the same again (an index copying only some attributes: the size of its copy); an index whose key changes costs
a delete and a put."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.client import BaseClient

KB = 1024
READ_UNIT_BYTES = 4 * KB
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one attribute value in DynamoDB's accounting."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = Decimal(str(inner)).normalize().as_tuple().digits
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: element}) for element in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: Mapping[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


@dataclass
class Units:
    """Every AWS request made while measured (``service.Operation`` -> count), and DynamoDB's read and write
    units."""

    read: float = 0.0
    write: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)

    def of(self, service: str) -> dict[str, int]:
        """The requests to one service, by operation."""
        prefix = f"{service}."
        return dict(
            sorted((name.removeprefix(prefix), n) for name, n in self.requests.items() if name.startswith(prefix))
        )

    def as_json(self) -> dict[str, Any]:
        return {"read_units": round(self.read, 2), "write_units": round(self.write, 2), "requests": dict(self.requests)}


class _Moto:
    """Reads moto's stored items directly (no request is made, so nothing is counted twice)."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            found = self._backend.get_table(table)
        except Exception:  # a table that does not exist holds nothing
            return None
        from moto.dynamodb.models.dynamo_type import DynamoType

        hash_value = DynamoType(key[found.hash_key_attr])
        range_name = found.range_key_attr
        range_value = DynamoType(key[range_name]) if range_name and range_name in key else None
        stored = found.get_item(hash_value, range_value)
        return stored.to_json()["Attributes"] if stored else None

    def indexes(self, table: str) -> list[tuple[str, frozenset[str] | None]]:
        """Each index's partition key, and the attributes it copies (None: every one)."""
        try:
            found = self._backend.get_table(table)
        except Exception:
            return []
        indexes = []
        for index in found.global_indexes:
            projection = index.projection or {}
            copied = None
            if projection.get("ProjectionType", "ALL") != "ALL":
                keys = [*index.table_key_attrs, *(k["AttributeName"] for k in index.schema)]
                copied = frozenset([*keys, *projection.get("NonKeyAttributes", [])])
            hash_key = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            indexes.append((hash_key, copied))
        return indexes

    def key_of(self, table: str, item: Mapping[str, Any]) -> dict[str, Any]:
        found = self._backend.get_table(table)
        names = [n for n in (found.hash_key_attr, found.range_key_attr) if n]
        return {n: item[n] for n in names}


def _write_units(moto: _Moto, table: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> float:
    size = max(item_size(before), item_size(after))
    if size == 0:
        return 1.0  # a write that changes nothing is still billed
    units = math.ceil(size / KB)
    total = float(units)
    for index_key, copied in moto.indexes(table):
        was, now = (before or {}).get(index_key), (after or {}).get(index_key)
        if was is None and now is None:
            continue
        copy_units = units
        if copied is not None:  # a narrow index's copy is billed for what it holds
            copy_size = max(item_size(_only(before, copied)), item_size(_only(after, copied)))
            copy_units = max(1, math.ceil(copy_size / KB))
        total += copy_units * (2 if was is not None and now is not None and was != now else 1)
    return total


def _only(item: Mapping[str, Any] | None, names: frozenset[str]) -> dict[str, Any]:
    return {name: value for name, value in (item or {}).items() if name in names}


def _read_units(sizes: list[int], consistent: bool, per_item: bool) -> float:
    factor = 1.0 if consistent else 0.5
    if per_item:
        return sum(max(1, math.ceil(size / READ_UNIT_BYTES)) * factor for size in sizes)
    return max(1, math.ceil(sum(sizes) / READ_UNIT_BYTES)) * factor


class Meter:
    """Counts every AWS request made while ``measure()`` is open (any thread, any client: botocore's one
    funnel for API calls, ``BaseClient._make_api_call``; paginated reads one per page, retries not) and adds
    up the units of the DynamoDB ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.units = Units()

    def _writes(self, moto: _Moto, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(table, key) of every item the call writes."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = params.get("Key") or moto.key_of(params["TableName"], params["Item"])
            return [(params["TableName"], key)]
        found = []
        if operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    put = request.get("PutRequest")
                    key = moto.key_of(table, put["Item"]) if put else request["DeleteRequest"]["Key"]
                    found.append((table, key))
        if operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                kind, body = next(iter(entry.items()))
                if kind == "ConditionCheck":
                    continue
                key = body.get("Key") or moto.key_of(body["TableName"], body["Item"])
                found.append((body["TableName"], key))
        return found

    def record(self, operation: str, params: dict[str, Any], call: Any) -> Any:
        moto = _Moto()
        writes = self._writes(moto, operation, params) if operation in WRITE_OPERATIONS else []
        before = [moto.item(table, key) for table, key in writes]
        result = call()
        units = 0.0
        for (table, key), old in zip(writes, before, strict=True):
            units += _write_units(moto, table, old, moto.item(table, key))
        if operation == "TransactWriteItems":
            units *= 2
            units += sum(1 for entry in params["TransactItems"] if "ConditionCheck" in entry) * 2
        read = self._reads(operation, params, result)
        with self._lock:
            self.units.requests[f"dynamodb.{operation}"] += 1
            self.units.write += units
            self.units.read += read
        return result

    @staticmethod
    def _reads(operation: str, params: dict[str, Any], result: dict[str, Any]) -> float:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            return _read_units([item_size(result.get("Item"))], consistent, per_item=True)
        if operation in ("Query", "Scan"):
            # Billed on what was read before any filter; without a filter that is what came back.
            return _read_units([item_size(i) for i in result.get("Items", [])], consistent, per_item=False)
        if operation == "BatchGetItem":
            sizes = [item_size(i) for items in result.get("Responses", {}).values() for i in items]
            # A key without an item is billed too, at the minimum (DynamoDB charges what it looked up).
            asked = sum(len(r["Keys"]) for r in params["RequestItems"].values())
            unprocessed = sum(len(r["Keys"]) for r in result.get("UnprocessedKeys", {}).values())
            sizes += [0] * max(0, asked - unprocessed - len(sizes))
            consistent = any(r.get("ConsistentRead") for r in params["RequestItems"].values())
            return _read_units(sizes, consistent, per_item=True)
        if operation == "TransactGetItems":
            return 2 * _read_units([item_size(r.get("Item")) for r in result.get("Responses", [])], True, per_item=True)
        return 0.0

    @contextmanager
    def measure(self) -> Iterator[Units]:
        original = BaseClient._make_api_call
        meter = self

        def metered(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if service != "dynamodb":
                with meter._lock:
                    meter.units.requests[f"{service}.{operation}"] += 1
                return original(client, operation, params)
            return meter.record(operation, params, lambda: original(client, operation, params))

        self.units = Units()
        BaseClient._make_api_call = metered
        try:
            yield self.units
        finally:
            BaseClient._make_api_call = original
