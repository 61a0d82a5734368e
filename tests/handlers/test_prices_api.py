"""The price update job and the prices routes, against the simulated market over loopback, over moto."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import cash as cash_store
from goalpost.data import keys
from goalpost.data import prices as price_store
from goalpost.data.codec import deserialize
from goalpost.domain.portfolio import FRESH_FOR, CachedPrice
from goalpost.services.prices import REFRESH_AFTER, update_prices
from tests.handlers.conftest import Api
from tests.handlers.test_portfolio_api import open_position


def refresh(api: Api) -> Any:
    reply = api.post("/prices/refresh", groups=["admin"])
    assert reply.status == 200, reply.body
    return reply.body


def test_refresh_fetches_the_active_symbols_from_their_providers(api: Api, market: Any) -> None:
    open_position("alice", "AAPL", "1", "100")
    open_position("bob", "AAPL", "1", "100")
    open_position("bob", "BTCUSDT", "0.1", "60000")
    open_position("bob", "MSFT", "1", "100")
    market.configure({"prices": {"AAPL": 175.25, "BTCUSDT": "65000.5", "TSLA": 1}})
    summary = refresh(api)
    assert (summary["symbols"], summary["updated"], summary["changed"]) == (3, 2, 2)
    assert summary["missing"] == ["MSFT"]  # the provider does not know it: no price, no error
    assert summary["provider_requests"] == 2  # one Alpaca batch, one Binance ticker list
    prices = {p["symbol"]: p for p in api.get("/prices", query={"symbols": "aapl,BTCUSDT,MSFT,TSLA"}).body}
    assert set(prices) == {"AAPL", "BTCUSDT"}
    assert (prices["AAPL"]["price"], prices["AAPL"]["source"], prices["AAPL"]["fresh"]) == (175.25, "alpaca", True)
    assert (prices["BTCUSDT"]["price"], prices["BTCUSDT"]["source"]) == (65000.5, "binance")
    assert refresh(api)["changed"] == 0


def test_refresh_is_for_admins(api: Api, market: Any) -> None:
    assert api.post("/prices/refresh").status == 403


@pytest.mark.parametrize(
    ("configure", "error"),
    [
        ({"fault": "error"}, "500"),
        ({"fault": "timeout"}, "timed out"),
        ({"fault": "garbage"}, "malformed"),
        ({"fault": "rate_limit"}, "429"),
        ({"fault": "redirect"}, "302"),
        ({"prices": {"AAPL": -5}}, None),
        ({"prices": {"AAPL": "NaN"}}, None),
        ({"prices": {"AAPL": 0}}, None),
    ],
)
def test_a_provider_failure_never_overwrites_a_good_price(
    api: Api, market: Any, configure: dict[str, Any], error: str | None
) -> None:
    open_position("alice", "AAPL", "1", "100")
    market.configure({"prices": {"AAPL": 150}})
    refresh(api)
    market.configure(configure)
    summary = refresh(api)
    assert summary["updated"] == 0
    if error is None:
        assert summary["rejected"] == ["AAPL"]
    else:
        assert any(error in line.lower() for line in summary["errors"]), summary["errors"]
    assert api.get("/prices", query={"symbols": "AAPL"}).body[0]["price"] == 150


def test_the_scheduled_job_runs_the_same_update(api: Api, market: Any) -> None:
    open_position("alice", "AAPL", "1", "100")
    market.configure({"prices": {"AAPL": 101}})
    when = datetime.now(UTC) - timedelta(minutes=10)
    summary = api.run_job("price_update", {"time": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert summary["updated"] == 1
    assert summary["scheduled_time"] == when.replace(microsecond=0).isoformat()
    price = api.get("/prices", query={"symbols": "AAPL"}).body[0]
    assert price["fresh"] is True  # stamped when fetched: a late run's price is as fresh as it is


def test_bad_symbols_are_422(api: Api) -> None:
    for symbols in ("", "AAPL,", "A" * 21, "AA PL", "ÄPFEL", ",".join(f"S{n}" for n in range(101))):
        assert api.get("/prices", query={"symbols": symbols}).status == 422, symbols
    assert api.get("/prices").status == 422
    assert api.get("/prices", query={"symbols": "BRK.B,BTC/USD,ES-1"}).body == []


# ---------------------------------------------------------------- the packed price cache
SYSTEM = "test-system"


def same_shard(count: int, prefix: str = "S", shard: int | None = None) -> list[str]:
    """``count`` symbols that fall in one price shard (``shard``, else that of the first)."""
    found: list[str] = []
    for n in range(10**7):
        symbol = f"{prefix}{n}"
        at = keys.shard_of(symbol, keys.PRICE_SHARDS)
        if shard is None:
            shard = at
        if at == shard:
            found.append(symbol)
            if len(found) == count:
                return found
    raise AssertionError("not enough symbols")


@contextmanager
def counted(operation: str) -> Iterator[list[dict[str, Any]]]:
    """The parameters of every ``operation`` call made meanwhile (botocore's hooks on the real client)."""
    calls: list[dict[str, Any]] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        calls.append(params)

    events = goalpost_aws.client("dynamodb").meta.events
    events.register(f"provide-client-params.dynamodb.{operation}", count)
    try:
        yield calls
    finally:
        events.unregister(f"provide-client-params.dynamodb.{operation}", count)


def cached(symbol: str, price: str, at: datetime | None = None, source: str = "alpaca") -> CachedPrice:
    return CachedPrice(symbol=symbol, price=Decimal(price), updated_at=at or datetime.now(UTC), source=source)


def stored_item(symbol: str) -> dict[str, Any]:
    return deserialize(
        goalpost_aws.client("dynamodb").get_item(
            TableName=SYSTEM, Key=price_store.shard_key(keys.shard_of(symbol, keys.PRICE_SHARDS))
        )["Item"]
    )


def test_prices_with_many_decimals_round_trip_exactly(api: Api) -> None:
    at = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    prices = {
        "TINY": "0.000000000000000000000000000000000000000012345678901234567890123456789",
        "HUGE": "123456789012345678901234567890123456789012345.123456789012345678901234567",
        "CENTS": "65000.50",
        "EXP": "1E+2",
        "BTC/USD": "64999.99999999",
        "BRK.B": "412.3",
    }
    price_store.put_prices(SYSTEM, [cached(s, p, at, source="a|b") for s, p in prices.items()])
    stored = price_store.get_prices(SYSTEM, [*prices, "UNKNOWN"])
    assert set(stored) == set(prices)  # unknown symbols are left out
    for symbol, text in prices.items():
        # digit for digit, the exponent and trailing zeros included
        assert stored[symbol].price.as_tuple() == Decimal(text).as_tuple()
        assert (stored[symbol].updated_at, stored[symbol].source) == (at, "a|b")
    # One item per shard, the symbol itself the attribute: a compact string, no float anywhere.
    item = stored_item("CENTS")
    assert (item["pk"], item["sk"], item["entity"]) == (keys.price_shard_pk("CENTS"), "PRICES", "prices")
    micros = (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert item["CENTS"] == f"65000.50|{micros}|a|b"


def test_a_refreshed_price_with_many_decimals_is_stored_exactly(api: Api, market: Any) -> None:
    market.configure({"prices": {"ETHUSDT": "3100.123456789012345678", "AAPL": "175.000001"}})
    update_prices(symbols=["ETHUSDT", "AAPL"])
    stored = price_store.get_prices(SYSTEM, ["ETHUSDT", "AAPL"])
    assert {s: str(p.price) for s, p in stored.items()} == {"ETHUSDT": "3100.123456789012345678", "AAPL": "175.000001"}


def test_a_symbol_left_out_of_a_write_keeps_its_stored_price(api: Api, market: Any) -> None:
    kept, moved = same_shard(2)
    earlier = datetime.now(UTC) - timedelta(seconds=30)
    price_store.put_prices(SYSTEM, [cached(kept, "10", earlier), cached(moved, "20", earlier)])
    price_store.put_prices(SYSTEM, [cached(moved, "21")])
    stored = price_store.get_prices(SYSTEM, [kept, moved])
    assert (stored[kept].price, stored[kept].updated_at) == (Decimal(10), earlier)
    assert stored[moved].price == Decimal(21)
    # The same through a run: a symbol the provider did not answer for keeps its price.
    market.configure({"prices": {moved: 22}})
    summary = update_prices(symbols=[kept, moved])
    assert (summary["missing"], summary["changed"]) == ([kept], 1)
    stored = price_store.get_prices(SYSTEM, [kept, moved])
    assert (stored[kept].price, stored[kept].updated_at, stored[moved].price) == (Decimal(10), earlier, Decimal(22))


def test_an_unchanged_price_is_rewritten_only_after_the_refresh_interval(api: Api, market: Any) -> None:
    market.configure({"prices": {"AAPL": "101.5"}})
    changes: list[tuple[list[str], datetime]] = []
    with counted("UpdateItem") as writes:
        first = update_prices(symbols=["AAPL"], on_changed=lambda prices, _, at: changes.append((list(prices), at)))
    assert (len(writes), first["price_batch_writes"], first["written"], first["changed"]) == (1, 1, 1, 1)
    assert [symbols for symbols, _ in changes] == [["AAPL"]]
    written_at = price_store.get_prices(SYSTEM, ["AAPL"])["AAPL"].updated_at

    with counted("UpdateItem") as writes:
        again = update_prices(symbols=["AAPL"], on_changed=lambda prices, _, at: changes.append((list(prices), at)))
    assert (len(writes), again["price_batch_writes"], again["written"], again["changed"]) == (0, 0, 0, 0)
    assert (again["updated"], len(changes)) == (1, 1)  # fetched, unchanged, not written, nobody told
    assert price_store.get_prices(SYSTEM, ["AAPL"])["AAPL"].updated_at == written_at

    # Once the stored price is older than the interval, the same price is written again, newly stamped.
    old = datetime.now(UTC) - REFRESH_AFTER - timedelta(seconds=1)
    price_store.put_prices(SYSTEM, [cached("AAPL", "101.5", old)])
    with counted("UpdateItem") as writes:
        later = update_prices(symbols=["AAPL"], on_changed=lambda prices, _, at: changes.append((list(prices), at)))
    assert (len(writes), later["written"], later["changed"], len(changes)) == (1, 1, 0, 1)
    refreshed = price_store.get_prices(SYSTEM, ["AAPL"])["AAPL"]
    assert refreshed.updated_at > old + REFRESH_AFTER
    assert refreshed.is_fresh(datetime.now(UTC))


def test_a_changed_source_is_written_even_at_the_same_price(api: Api, market: Any) -> None:
    price_store.put_prices(SYSTEM, [cached("AAPL", "100", source="elsewhere")])
    market.configure({"prices": {"AAPL": 100}})
    summary = update_prices(symbols=["AAPL"])
    assert (summary["written"], summary["changed"]) == (1, 0)  # not a price change: the monitor is not run
    assert price_store.get_prices(SYSTEM, ["AAPL"])["AAPL"].source == "alpaca"


def test_unchanged_prices_ride_along_only_in_a_shard_written_anyway(api: Api, market: Any) -> None:
    moving, rider = same_shard(2, "R")
    other_shard = (keys.shard_of(moving, keys.PRICE_SHARDS) + 1) % keys.PRICE_SHARDS
    (elsewhere,) = same_shard(1, "E", other_shard)
    market.configure({"prices": {moving: 1, rider: 2, elsewhere: 3}})
    update_prices(symbols=[moving, rider, elsewhere])
    before = price_store.get_prices(SYSTEM, [moving, rider, elsewhere])
    market.configure({"prices": {moving: "1.01", rider: 2, elsewhere: 3}})
    changes: list[list[str]] = []
    with counted("UpdateItem") as writes:
        summary = update_prices(
            symbols=[moving, rider, elsewhere], on_changed=lambda prices, *_: changes.append(list(prices))
        )
    assert (len(writes), summary["written"], summary["changed"], changes) == (1, 1, 1, [[moving]])
    assert writes[0]["Key"] == price_store.shard_key(keys.shard_of(moving, keys.PRICE_SHARDS))
    after = price_store.get_prices(SYSTEM, [moving, rider, elsewhere])
    assert after[moving].price == Decimal("1.01")
    assert after[rider].updated_at > before[rider].updated_at  # free: the write is billed by the item's size
    assert after[elsewhere].updated_at == before[elsewhere].updated_at  # its shard got no request


def test_a_run_over_many_shards_writes_each_shard_once_and_reports_what_changed(api: Api, market: Any) -> None:
    symbols = [f"M{n:03d}" for n in range(600)]
    shards = {keys.shard_of(s, keys.PRICE_SHARDS) for s in symbols}
    assert len(shards) == keys.PRICE_SHARDS  # every shard
    prices = {s: f"{n}.{n:03d}" for n, s in enumerate(symbols, start=1)}
    market.configure({"prices": prices})
    changes: list[list[str]] = []
    with counted("UpdateItem") as writes:
        first = update_prices(symbols=symbols, on_changed=lambda prices, *_: changes.append(list(prices)))
    assert (first["updated"], first["written"], first["changed"]) == (600, 600, 600)
    assert first["price_batch_writes"] == len(writes) == len(shards)
    assert sorted(w["Key"]["pk"]["S"] for w in writes) == sorted(keys.prices_pk(s) for s in shards)
    assert changes == [sorted(symbols)]
    stored = price_store.get_prices(SYSTEM, symbols)
    assert {s: str(p.price) for s, p in stored.items()} == prices

    moved = {symbols[0]: "0.5", symbols[1]: "99999.000001", symbols[2]: "3.5"}
    same_value = {symbols[3]: "4.0040"}  # stored as 4.004: not a change, not written
    market.configure({"prices": {**prices, **moved, **same_value}})
    with counted("UpdateItem") as writes:
        second = update_prices(symbols=symbols, on_changed=lambda prices, *_: changes.append(list(prices)))
    moved_shards = {keys.shard_of(s, keys.PRICE_SHARDS) for s in moved}
    assert second["price_batch_writes"] == len(writes) == len(moved_shards)
    assert (second["written"], second["changed"], changes[-1]) == (3, 3, sorted(moved))
    assert {s: str(p.price) for s, p in price_store.get_prices(SYSTEM, list(moved)).items()} == moved


def test_a_shard_with_more_symbols_than_one_update_takes_is_split(api: Api) -> None:
    symbols = same_shard(2 * price_store.SYMBOLS_PER_UPDATE + 50, "W")
    prices = [cached(s, f"{n}.25") for n, s in enumerate(symbols, start=1)]
    with counted("UpdateItem") as writes:
        assert price_store.put_prices(SYSTEM, prices) == 3
    assert len(writes) == 3
    assert all(len(w["UpdateExpression"].encode()) < price_store.MAX_EXPRESSION_BYTES for w in writes)
    stored = price_store.get_prices(SYSTEM, symbols)
    assert {s: p.price for s, p in stored.items()} == {p.symbol: p.price for p in prices}
    # Unchanged ones fill the room the last request has left, and never make a request of their own.
    more = same_shard(2 * price_store.SYMBOLS_PER_UPDATE + 400, "W")[len(symbols) :]
    with counted("UpdateItem") as writes:
        assert price_store.put_prices(SYSTEM, prices[:1], unchanged=[cached(s, "7") for s in more]) == 1
    assert len(price_store.get_prices(SYSTEM, more)) == price_store.SYMBOLS_PER_UPDATE - 1
    with counted("UpdateItem") as writes:
        assert price_store.put_prices(SYSTEM, [], unchanged=[cached(s, "8") for s in more]) == 0
    assert writes == []


def test_valuation_reads_only_the_asked_symbols_of_a_shard(api: Api) -> None:
    asked, neighbour = same_shard(2, "V")
    price_store.put_prices(SYSTEM, [cached(asked, "12.5"), cached(neighbour, "99")])
    reads = cash_store.read_for_valuation("test-data", SYSTEM, "alice", iter([asked, "NOPRICE"]))
    assert {s: p.price for s, p in reads.prices.items()} == {asked: Decimal("12.5")}


def test_the_refresh_interval_stays_well_inside_the_freshness_window() -> None:
    price_update_period = timedelta(seconds=10)
    assert REFRESH_AFTER + price_update_period <= FRESH_FOR / 4


def test_a_sharded_run_fetches_and_monitors_only_its_shard_of_the_symbols(api: Api, market: Any) -> None:
    """Deployed, each 10-second slot of the price update is one invocation per shard of the active symbols
    (``declaration.Job.shards``): each fetches, stores and monitors its own symbols, and together they cover
    every one once."""
    symbols = ["AAPL", "MSFT", "BTCUSDT", "ETHUSDT", "TSLA", "NVDA", "SOLUSDT", "AMZN"]
    for symbol in symbols:
        open_position("alice", symbol, "1", "100")
    market.configure({"prices": dict.fromkeys(symbols, 101)})
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    seen: list[str] = []
    for shard in range(keys.SYMBOL_SHARDS):
        summary = api.run_job("price_update", {"time": when, "shard": shard, "shards": keys.SYMBOL_SHARDS})
        assert summary["shard"] == shard
        mine = sorted(s for s in symbols if keys.shard_of(s, keys.SYMBOL_SHARDS) == shard)
        assert (summary["symbols"], summary["changed"]) == (len(mine), len(mine))
        if mine:
            assert summary["monitor"]["symbols"] == len(mine)
        seen += mine
    assert sorted(seen) == sorted(symbols)
    from goalpost.settings import get_settings

    stored = price_store.get_prices(get_settings().system_table_name, symbols)
    assert {s: p.price for s, p in stored.items()} == dict.fromkeys(symbols, Decimal(101))


def test_the_items_of_the_256_shard_layout_are_never_read_and_are_deleted_once(api: Api) -> None:
    """The cache moved from 256 items (``PRICES#<nnn>``) to ``keys.PRICE_SHARDS`` (the count in the key): a
    price left in an old item is not read (the new item of its shard is, and the price update refills it in
    10 s), and ``delete_retired_shards`` removes the old items."""
    dynamodb = goalpost_aws.client("dynamodb")
    old = f"PRICES#{keys.shard_of('AAPL', 256):03d}"
    dynamodb.put_item(TableName=SYSTEM, Item={"pk": {"S": old}, "sk": {"S": "PRICES"}, "AAPL": {"S": "1|0|alpaca"}})
    assert price_store.get_prices(SYSTEM, ["AAPL"]) == {}
    assert keys.price_shard_pk("AAPL") == f"PRICES#88#{keys.shard_of('AAPL', 88):02d}"
    price_store.put_prices(SYSTEM, [cached("AAPL", "175")])
    assert price_store.get_prices(SYSTEM, ["AAPL"])["AAPL"].price == Decimal(175)
    assert price_store.delete_retired_shards(SYSTEM) == 256
    assert "Item" not in dynamodb.get_item(TableName=SYSTEM, Key={"pk": {"S": old}, "sk": {"S": "PRICES"}})
    assert price_store.get_prices(SYSTEM, ["AAPL"])["AAPL"].price == Decimal(175)  # the new items stay
