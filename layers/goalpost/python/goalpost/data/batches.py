"""Work in batches: the one way the layer cuts items into requests, how many write requests one call keeps in
flight at once, and DynamoDB's batch reads and writes (BatchGetItem, BatchWriteItem, a partition deleted)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from goalpost.data.client import client
from goalpost.data.codec import Item, deserialize

T = TypeVar("T")
BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100

# Write requests one call keeps in flight at once (snapshot BatchWriteItems, price UpdateItems).
WRITE_CONCURRENCY = 8


def _one(_: object) -> int:
    return 1


def batches(items: Iterable[T], room: int, size: Callable[[T], int] = _one) -> Iterator[list[T]]:
    """``items`` in order, in lists whose ``size`` adds up to at most ``room`` (an item larger than ``room`` on
    its own). ``items`` may be a generator: a full batch is handed on before the next item is taken."""
    batch: list[T] = []
    total = 0
    for item in items:
        weight = size(item)
        if batch and total + weight > room:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += weight
        if total >= room:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


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


def delete_partition(table: str, partition: str, page_size: int) -> int:
    """Deletes every item of one partition, a Query page of at most ``page_size`` keys at a time, each page in
    batches of 25 (retrying unprocessed items); returns how many it deleted."""
    paginator = client().get_paginator("query")
    deleted = 0
    pages = paginator.paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}},
        ProjectionExpression="pk, sk",
        ConsistentRead=True,
        PaginationConfig={"PageSize": page_size},
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
