"""Thin helpers over the low-level DynamoDB client: (de)serialization and error mapping."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from goalpost import aws
from goalpost.data.attributes import from_attribute, to_attribute
from goalpost.data.batches import batches
from goalpost.domain.clock import iso

Item = dict[str, Any]
BATCH_WRITE_LIMIT = 25


def client() -> Any:
    return aws.client("dynamodb")


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


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def strip_keys(item: Item, extra: Iterable[str] = ()) -> Item:
    """The entity's own attributes, without table keys and index attributes."""
    hidden = {"pk", "sk", "expires_at", "entity", *(f"gsi{n}{part}" for n in range(1, 6) for part in ("pk", "sk"))}
    hidden.update(extra)
    return {k: v for k, v in item.items() if k not in hidden}


def index_key_names(index: str | None) -> tuple[str, str]:
    """The (partition, sort) attributes of the table (``None``) or one of its ``gsiN`` indexes."""
    return ("pk", "sk") if index is None else (f"{index}pk", f"{index}sk")


def prefix_query(
    table: str,
    partition: str,
    sort_prefix: str | None,
    *,
    index: str | None,
    newest_first: bool,
    between: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The Query request for the items of one partition (of the table or a ``gsiN``), under a sort prefix
    when one is given, or with a sort key ``between`` two values (inclusive)."""
    pk_name, sk_name = index_key_names(index)
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": pk_name},
        "ExpressionAttributeValues": {":pk": {"S": partition}},
        "ScanIndexForward": not newest_first,
    }
    if sort_prefix:
        request["KeyConditionExpression"] += " AND begins_with(#sk, :prefix)"
        request["ExpressionAttributeNames"]["#sk"] = sk_name
        request["ExpressionAttributeValues"][":prefix"] = {"S": sort_prefix}
    elif between is not None:
        request["KeyConditionExpression"] += " AND #sk BETWEEN :low AND :high"
        request["ExpressionAttributeNames"]["#sk"] = sk_name
        request["ExpressionAttributeValues"].update({":low": {"S": between[0]}, ":high": {"S": between[1]}})
    if index is not None:
        request["IndexName"] = index
    return request


def counter_change(attribute: str, change: int, most: int | None = None) -> tuple[str, str | None, dict[str, Any]]:
    """The pieces of an update that moves the counter ``attribute`` by ``change``: its ``ADD`` clause; when it
    goes up and has a ``most``, the condition that it is below ``most`` first (a missing counter is 0); and
    their values. Being a condition of the write itself, no number of concurrent writers can pass ``most``."""
    change_name, most_name = f":{attribute}_change", f":{attribute}_most"
    values = {change_name: serialize_value(change)}
    if change <= 0 or most is None:
        return f"ADD {attribute} {change_name}", None, values
    values[most_name] = serialize_value(most)
    return f"ADD {attribute} {change_name}", f"(attribute_not_exists({attribute}) OR {attribute} < {most_name})", values


def set_or_remove(
    values: Mapping[str, Any], *, extra_set: Mapping[str, str] | None = None, extra_remove: Iterable[str] = ()
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An UpdateExpression that sets every attribute of ``values`` and removes the ones that are None (None is
    never stored), plus raw ``extra_set`` (attribute -> value placeholder) and ``extra_remove`` attributes.
    Returns the expression, its attribute names and its attribute values."""
    names = {f"#a{n}": name for n, name in enumerate(values)}
    alias = {name: placeholder for placeholder, name in names.items()}
    sets = [f"{alias[name]} = :v{n}" for n, (name, value) in enumerate(values.items()) if value is not None]
    sets += [f"{attribute} = {placeholder}" for attribute, placeholder in (extra_set or {}).items()]
    removes = [alias[name] for name, value in values.items() if value is None] + list(extra_remove)
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    attribute_values = {
        f":v{n}": serialize_value(value) for n, (name, value) in enumerate(values.items()) if value is not None
    }
    return expression, names, attribute_values


# How many items a filtered page evaluates at most: five times what it returns (plus the look-ahead item), and
# never more than this, so every page is one Query whatever the filter lets through.
FILTER_WINDOW_FACTOR = 5
FILTER_WINDOW_MAX = 1000


def filter_window(limit: int) -> int:
    """The items a filtered page of ``limit`` evaluates (its Query's ``Limit``)."""
    return min(FILTER_WINDOW_MAX, FILTER_WINDOW_FACTOR * (limit + 1))


def query_page(
    *,
    table: str,
    partition: str,
    sort_prefix: str | None,
    limit: int,
    start_key: dict[str, Any] | None,
    index: str | None = None,
    newest_first: bool = True,
    filter_expression: str | None = None,
    filter_values: dict[str, Any] | None = None,
    filter_names: dict[str, str] | None = None,
    between: tuple[str, str] | None = None,
    window: int | None = None,
) -> tuple[list[Item], dict[str, Any] | None]:
    """One page of at most ``limit`` items and the key to continue from: always exactly one Query.

    Without a filter it reads ``limit + 1`` items, so a next key is given only when a next item exists (or
    when DynamoDB stopped at 1 MB). DynamoDB applies ``Limit`` before ``FilterExpression``, so a filtered page
    evaluates a bounded ``window`` of items (``filter_window`` unless the caller knows its filter drops almost
    nothing) and returns the first ``limit`` matches; it gives a next key when it read more matches than it
    returns (the last returned item's key) or when DynamoDB says more items remain. A filtered page may so hold
    fewer than ``limit`` items, even none, and still have a next key: the list ends when there is no next key.
    """
    pk_name, sk_name = index_key_names(index)
    request = prefix_query(table, partition, sort_prefix, index=index, newest_first=newest_first, between=between)
    request["Limit"] = limit + 1
    if filter_expression:
        request["FilterExpression"] = filter_expression
        request["ExpressionAttributeNames"].update(filter_names or {})
        request["ExpressionAttributeValues"].update(
            {name: serialize_value(value) for name, value in (filter_values or {}).items()}
        )
        request["Limit"] = max(limit + 1, window if window is not None else filter_window(limit))
    if start_key is not None:
        request["ExclusiveStartKey"] = start_key
    response = client().query(**request)
    items = [deserialize(raw) for raw in response.get("Items", [])]
    if len(items) > limit:
        page = items[:limit]
        last = page[-1]
        return page, {name: {"S": last[name]} for name in {"pk", "sk", pk_name, sk_name}}
    return items, response.get("LastEvaluatedKey") or None


def query_all(
    *,
    table: str,
    partition: str,
    sort_prefix: str | None,
    index: str | None = None,
    newest_first: bool = True,
    filter_expression: str | None = None,
    filter_values: dict[str, Any] | None = None,
    between: tuple[str, str] | None = None,
    projection: str | None = None,
) -> list[Item]:
    """Every item of one partition (under ``sort_prefix``, or with a sort key ``between`` two values), page
    after page (for jobs and whole-set views)."""
    request = prefix_query(table, partition, sort_prefix, index=index, newest_first=newest_first, between=between)
    if projection:
        request["ProjectionExpression"] = projection
    if filter_expression:
        request["FilterExpression"] = filter_expression
        request["ExpressionAttributeValues"].update(
            {name: serialize_value(value) for name, value in (filter_values or {}).items()}
        )
    items: list[Item] = []
    for page in client().get_paginator("query").paginate(**request):
        items.extend(deserialize(raw) for raw in page.get("Items", []))
    return items


BATCH_GET_LIMIT = 100


def batch_get(table: str, keys: list[dict[str, Any]], attempts: int = 8) -> list[Item]:
    """Strongly consistent reads of the ``keys`` of one table (one BatchGetItem per 100), retrying unprocessed
    keys."""
    return batch_get_tables({table: keys}, attempts).get(table, [])


def batch_get_tables(wanted: Mapping[str, Sequence[dict[str, Any]]], attempts: int = 8) -> dict[str, list[Item]]:
    """Strongly consistent reads of keys of several tables together: one BatchGetItem per 100 keys in all,
    whatever tables they are in, retrying unprocessed keys. Returns the items found, by table."""
    found: dict[str, list[Item]] = {table: [] for table in wanted}
    pairs = [(table, item_key) for table, table_keys in wanted.items() for item_key in table_keys]
    for batch in batches(pairs, BATCH_GET_LIMIT):
        pending: dict[str, Any] = {}
        for table, item_key in batch:
            pending.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(item_key)
        for attempt in range(attempts):
            response = client().batch_get_item(RequestItems=pending)
            for table, raws in response.get("Responses", {}).items():
                found.setdefault(table, []).extend(deserialize(raw) for raw in raws)
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
            time.sleep(min(1.0, 0.05 * 2**attempt))
        if pending:
            raise RuntimeError("batch_get_item left keys unprocessed")
    return found


def delete_partition(table: str, partition: str) -> int:
    """Deletes every item of one partition in batches of 25, retrying unprocessed items."""
    paginator = client().get_paginator("query")
    deleted = 0
    pages = paginator.paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}},
        ProjectionExpression="pk, sk",
        ConsistentRead=True,
    )
    for page in pages:
        batch = page.get("Items", [])
        batch_write(table, [{"DeleteRequest": {"Key": raw}} for raw in batch])
        deleted += len(batch)
    return deleted


def batch_write(table: str, requests: Sequence[dict[str, Any]], attempts: int = 8) -> int:
    """The requests in BatchWriteItems of 25 (one after the other), each retrying its unprocessed items with
    backoff; returns the calls made."""
    return sum(_one_batch_write(table, batch, attempts) for batch in batches(requests, BATCH_WRITE_LIMIT))


def _one_batch_write(table: str, requests: list[dict[str, Any]], attempts: int) -> int:
    pending = {table: requests}
    for attempt in range(attempts):
        response = client().batch_write_item(RequestItems=pending)
        pending = response.get("UnprocessedItems") or {}
        if not pending:
            return attempt + 1
        time.sleep(min(1.0, 0.05 * 2**attempt))
    raise RuntimeError(f"{sum(len(v) for v in pending.values())} writes left unprocessed")
