"""The price cache and the active symbols, in the system table.

- ``PRICES#<shards>#<shard 00..87> / PRICES``: the price cache, packed. A symbol's price is one top-level
  attribute, named by the symbol itself, of its shard's item (``keys.price_shard_pk``), holding the string
  ``<price>|<updated_at>|<source>``: the price exactly as the Decimal's text, ``updated_at`` in microseconds
  since the epoch (UTC), then the source. Why packed: DynamoDB bills a write by the size of the whole item
  (1 write unit a KB, rounded up), so one UpdateItem of a ~4 KB shard item that sets its ~114 symbols (10,000
  symbols over 88 shards) costs 5 units where 114 items of their own cost 114. Reads are by shard, every
  shard of a portfolio in one BatchGetItem (``keys.PRICE_SHARDS`` leaves room for the other keys of the
  read); a strongly consistent read of a shard costs 1 read unit a 4 KB (1 or 2 at 10,000 symbols).
- Writes are UpdateItem ``SET #symbol = :value, ...`` of only the symbols being written, so a symbol left out
  keeps its stored value and concurrent writers never clobber each other's symbols (each symbol is still last
  writer wins); at most ``SYMBOLS_PER_UPDATE`` symbols an UpdateItem (the 4 KB limit of an expression).
- ``SYMBOLS#<shard> / <symbol>``: ``open_positions``, a count kept in the transactions that open and close
  positions, so the price update knows what to fetch without reading any position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.batches import WRITE_CONCURRENCY, batch_get, batch_write, batches
from goalpost.data.client import client, error_code
from goalpost.data.codec import Item, key, serialize, serialize_value
from goalpost.data.queries import query_all
from goalpost.domain.clock import as_utc
from goalpost.domain.portfolio import CachedPrice

# Symbols set by one UpdateItem. ``SET #e = :e, #s0 = :s0, ..., #s127 = :s127`` is about 1.7 KB, well under the
# 4 KB limit of an expression (DynamoDB would take ~270); 128 because moto's expression parser recurses once a
# clause and overflows Python's stack at ~150 under pytest. At 10,000 symbols over 88 shards (~114 a shard)
# about one shard in ten holds more and takes two requests, each billed the whole item.
SYMBOLS_PER_UPDATE = 128
MAX_EXPRESSION_BYTES = 4096
PRICES_ENTITY = "prices"
# The shard item's own attributes: never a symbol (symbols are upper case, ``domain.portfolio.SYMBOL_PATTERN``).
ITEM_ATTRIBUTES = frozenset({"pk", "sk", "entity"})
SEPARATOR = "|"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


# ---------------------------------------------------------------- the stored form of one price
def encode_price(price: CachedPrice) -> str:
    """``<price>|<microseconds since the epoch>|<source>``: exact both ways (the Decimal's own text, whole
    microseconds), and about half the bytes of a map with an ISO time."""
    micros = (as_utc(price.updated_at) - _EPOCH) // _MICROSECOND
    return f"{price.price}{SEPARATOR}{micros}{SEPARATOR}{price.source}"


def decode_price(symbol: str, value: str) -> CachedPrice:
    price, micros, source = value.split(SEPARATOR, 2)
    return CachedPrice(
        symbol=symbol,
        price=Decimal(price),
        updated_at=_EPOCH + timedelta(microseconds=int(micros)),
        source=source,
    )


# ---------------------------------------------------------------- reading
def shard_key(shard: int) -> dict[str, Any]:
    return key(keys.prices_pk(shard), keys.PRICES_SK)


def price_keys(symbols: Iterable[str]) -> list[dict[str, Any]]:
    """The keys of the shard items that hold ``symbols``' prices, each once (for a BatchGetItem)."""
    shards = {keys.shard_of(symbol, keys.PRICE_SHARDS) for symbol in symbols}
    return [shard_key(shard) for shard in sorted(shards)]


def every_shard_key() -> list[dict[str, Any]]:
    """The keys of every shard item: what holds any symbol's price, for a read that does not know its symbols
    yet (``keys.PRICE_SHARDS`` keys, ~140 read units at 10,000 symbols)."""
    return [shard_key(shard) for shard in range(keys.PRICE_SHARDS)]


def prices_in(items: Iterable[Item], symbols: Iterable[str]) -> dict[str, CachedPrice]:
    """The prices of ``symbols`` found in shard items read with ``price_keys`` (unknown symbols left out)."""
    wanted = set(symbols) - ITEM_ATTRIBUTES
    found: dict[str, CachedPrice] = {}
    for item in items:
        for symbol in wanted.intersection(item):
            found[symbol] = decode_price(symbol, item[symbol])
    return found


def get_prices(table: str, symbols: Iterable[str]) -> dict[str, CachedPrice]:
    """The cached prices of ``symbols`` (unknown ones left out): one strongly consistent BatchGetItem per 100
    shards. The whole shard items are read: a projection would cut the bytes but not the read units."""
    wanted = set(symbols)
    return prices_in(batch_get(table, price_keys(wanted)), wanted) if wanted else {}


# ---------------------------------------------------------------- writing
class PricesNotStored(Exception):
    """DynamoDB refused the price writes (throttled past the SDK's retries, or worse); some may be stored."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def put_prices(table: str, prices: Sequence[CachedPrice], *, unchanged: Sequence[CachedPrice] = ()) -> int:
    """Writes ``prices``: one UpdateItem per shard they fall in (more past ``SYMBOLS_PER_UPDATE`` symbols),
    several at a time; returns the number of requests; ``PricesNotStored`` when DynamoDB refuses. ``unchanged``
    prices are written only where they fit in those requests, as free riders: a write is billed by the size
    of the item, so setting more of its symbols costs nothing more; they never cause a request of their own.
    Parallel because the 10-second cadence leaves a run well under 10 seconds."""
    requests = update_requests(table, prices, unchanged)
    try:
        if len(requests) <= 1:
            return sum(_update(request) for request in requests)
        with ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY) as pool:
            return sum(pool.map(_update, requests))
    except ClientError as error:
        raise PricesNotStored(error_code(error)) from error


def _update(request: dict[str, Any]) -> int:
    client().update_item(**request)
    return 1


def _by_shard(prices: Iterable[CachedPrice]) -> dict[int, dict[str, CachedPrice]]:
    """Prices grouped by shard, one per symbol (the last given wins: a path may appear once in an update)."""
    grouped: dict[int, dict[str, CachedPrice]] = {}
    for price in prices:
        if price.symbol in ITEM_ATTRIBUTES:
            raise ValueError(f"{price.symbol!r} cannot be a symbol")
        grouped.setdefault(keys.shard_of(price.symbol, keys.PRICE_SHARDS), {})[price.symbol] = price
    return grouped


def update_requests(
    table: str, prices: Iterable[CachedPrice], unchanged: Iterable[CachedPrice] = ()
) -> list[dict[str, Any]]:
    """The UpdateItem requests that write ``prices`` (and the ``unchanged`` that fit in them), by shard."""
    written, riders = _by_shard(prices), _by_shard(unchanged)
    requests = []
    for shard, due in sorted(written.items()):
        room = -len(due) % SYMBOLS_PER_UPDATE  # what the shard's last request has left
        extra = [price for symbol, price in riders.get(shard, {}).items() if symbol not in due][:room]
        for batch in batches([*due.values(), *extra], SYMBOLS_PER_UPDATE):
            requests.append(_update_request(table, shard, batch))
    return requests


def _update_request(table: str, shard: int, prices: Sequence[CachedPrice]) -> dict[str, Any]:
    names = {"#e": "entity", **{f"#s{n}": price.symbol for n, price in enumerate(prices)}}
    values = {":e": {"S": PRICES_ENTITY}, **{f":s{n}": {"S": encode_price(price)} for n, price in enumerate(prices)}}
    expression = "SET " + ", ".join(f"{name} = :{name[1:]}" for name in names)
    if len(expression.encode()) > MAX_EXPRESSION_BYTES:  # SYMBOLS_PER_UPDATE keeps it well under
        raise ValueError("an UpdateExpression is longer than DynamoDB allows")
    return {
        "TableName": table,
        "Key": shard_key(shard),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


# ---------------------------------------------------------------- the cache's items before 88 shards
RETIRED_SHARDS = 256  # ``PRICES#000..255 / PRICES``: nothing reads or writes them since the cache has 88


def retired_shard_keys() -> list[dict[str, Any]]:
    return [key(f"PRICES#{shard:03d}", keys.PRICES_SK) for shard in range(RETIRED_SHARDS)]


def delete_retired_shards(table: str) -> int:
    """Deletes the items of the 256-shard layout (run once after the deploy that moved the cache to
    ``keys.PRICE_SHARDS`` items; again, it deletes nothing). Returns how many keys it deleted."""
    retired = retired_shard_keys()
    batch_write(table, [{"DeleteRequest": {"Key": one}} for one in retired])
    return len(retired)


# ---------------------------------------------------------------- active symbols
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


def active_symbols(table: str, shard: int | None = None) -> list[str]:
    """Every symbol with an open position (of one shard of ``keys.SYMBOL_SHARDS``, or all): one Query per
    shard (paged), nothing else read."""
    symbols: list[str] = []
    for one in range(keys.SYMBOL_SHARDS) if shard is None else (shard,):
        items = query_all(
            table=table,
            partition=keys.symbols_pk(one),
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
    batch_write(table, items)
