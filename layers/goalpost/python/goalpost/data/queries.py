"""Queries of one partition (of the table or a ``gsiN``): the request, one bounded page, or every page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from goalpost.data.client import client
from goalpost.data.codec import Item, deserialize, serialize_value


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
    projection: str | None = None,
) -> tuple[list[Item], dict[str, Any] | None]:
    """One page of at most ``limit`` items and the key to continue from: always exactly one Query.

    Without a filter it reads ``limit + 1`` items, so a next key is given only when a next item exists (or
    when DynamoDB stopped at 1 MB). DynamoDB applies ``Limit`` before ``FilterExpression``, so a filtered page
    evaluates a bounded ``window`` of items (``filter_window`` unless the caller knows its filter drops almost
    nothing) and returns the first ``limit`` matches; it gives a next key when it read more matches than it
    returns (the last returned item's key) or when DynamoDB says more items remain. A filtered page may so hold
    fewer than ``limit`` items, even none, and still have a next key: the list ends when there is no next key.
    A ``projection`` names the keys too (the next key is made from the last item).
    """
    pk_name, sk_name = index_key_names(index)
    request = prefix_query(table, partition, sort_prefix, index=index, newest_first=newest_first, between=between)
    request["Limit"] = limit + 1
    if projection:
        request["ProjectionExpression"] = projection
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


def index_partition(table: str, index: str, partition: str) -> Iterator[dict[str, Any]]:
    """Every item of one partition of ``index`` (its partition key ``<index>pk``), as DynamoDB returns them
    (attribute values still typed: a job reading a whole registry shard converts only what it reads), page
    after page (1 MB each, eventually consistent as every index read)."""
    pages = (
        client()
        .get_paginator("query")
        .paginate(
            TableName=table,
            IndexName=index,
            KeyConditionExpression=f"{index}pk = :partition",
            ExpressionAttributeValues={":partition": {"S": partition}},
        )
    )
    for page in pages:
        yield from page.get("Items", [])
