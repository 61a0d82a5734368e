"""The price cache and the active symbols, in the system table.

- ``PRICE#<symbol> / PRICE``: ``price``, ``updated_at``, ``source``; read with BatchGetItem (100 keys a call),
  written with BatchWriteItem (25 a call).
- ``SYMBOLS#<shard> / <symbol>``: ``open_positions``, a count kept in the transactions that open and close
  positions, so the price update knows what to fetch without reading any position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.dynamo import Item, batch_get, batch_write, error_code, key, query_all, serialize, serialize_value
from goalpost.domain.portfolio import CachedPrice

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25
WRITE_CONCURRENCY = 8


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def price_key(symbol: str) -> dict[str, Any]:
    return key(keys.price_pk(symbol), keys.PRICE_SK)


def to_price(item: Item) -> CachedPrice:
    return CachedPrice(symbol=item["symbol"], price=item["price"], updated_at=item["updated_at"], source=item["source"])


def get_prices(table: str, symbols: Iterable[str]) -> dict[str, CachedPrice]:
    wanted = sorted(set(symbols))
    found: dict[str, CachedPrice] = {}
    for batch in chunks(wanted, BATCH_GET_LIMIT):
        for item in batch_get(table, [price_key(symbol) for symbol in batch]):
            price = to_price(item)
            found[price.symbol] = price
    return found


class PricesNotStored(Exception):
    """DynamoDB refused the price writes (throttled past the SDK's retries, or worse); some may be stored."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def put_prices(table: str, prices: Sequence[CachedPrice]) -> int:
    """Writes the prices, 25 a request, several requests at a time (unprocessed items retried); returns the
    number of requests; ``PricesNotStored`` when DynamoDB refuses. Parallel because the 10-second cadence
    leaves a run well under 10 seconds."""
    try:
        return _put_batches(table, prices)
    except ClientError as error:
        raise PricesNotStored(error_code(error)) from error


def _put_batches(table: str, prices: Sequence[CachedPrice]) -> int:
    batches = [
        [
            {
                "PutRequest": {
                    "Item": serialize(
                        {"pk": keys.price_pk(p.symbol), "sk": keys.PRICE_SK, "entity": "price", **p.model_dump()}
                    )
                }
            }
            for p in batch
        ]
        for batch in chunks(list(prices), BATCH_WRITE_LIMIT)
    ]
    if len(batches) <= 1:
        return sum(batch_write(table, batch) for batch in batches)
    with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
        return sum(pool.map(lambda batch: batch_write(table, batch), batches))


def symbol_count_update(table: str, symbol: str, change: int) -> dict[str, Any]:
    """The transaction item that moves a symbol's open-position count (opening +1, closing -1)."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.symbols_pk(keys.shard_of(symbol, keys.SYMBOL_SHARDS)), symbol),
            "UpdateExpression": "ADD open_positions :change",
            "ExpressionAttributeValues": {":change": serialize_value(Decimal(change))},
        }
    }


def active_symbols(table: str) -> list[str]:
    """Every symbol with an open position: one Query per shard (paged), nothing else read."""
    symbols: list[str] = []
    for shard in range(keys.SYMBOL_SHARDS):
        items = query_all(
            table=table,
            partition=keys.symbols_pk(shard),
            sort_prefix=None,
            newest_first=False,
            filter_expression="open_positions > :zero",
            filter_values={":zero": 0},
        )
        symbols += [str(item["sk"]) for item in items]
    return sorted(symbols)


def set_symbol_counts(table: str, counts: dict[str, int], now: datetime) -> None:
    """Writes symbol counts outright (seeding and benchmarks; the live path moves them in transactions)."""
    items = [
        {
            "PutRequest": {
                "Item": serialize(
                    {
                        "pk": keys.symbols_pk(keys.shard_of(symbol, keys.SYMBOL_SHARDS)),
                        "sk": symbol,
                        "open_positions": count,
                        "updated_at": now,
                    }
                )
            }
        }
        for symbol, count in sorted(counts.items())
    ]
    for batch in chunks(items, BATCH_WRITE_LIMIT):
        batch_write(table, list(batch))
