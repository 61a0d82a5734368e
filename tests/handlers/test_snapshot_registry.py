"""The snapshot job over the registry's holdings, through the handlers, over moto: the holdings follow every
open, close (manual, by the monitor, two at once) and delete exactly; a shard's worker reads one Query and the
prices, writes 25 snapshots a request, and values each user as ``value_portfolio`` values their positions."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.client import BaseClient

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.data import holdings as holding_codec
from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data import registry as registry_store
from goalpost.data import snapshots as snapshot_store
from goalpost.data.batches import batch_write
from goalpost.data.codec import deserialize, key, serialize
from goalpost.data.snapshot_codec import decode_snapshot, encode_snapshot
from goalpost.domain.charts import slot_of
from goalpost.domain.portfolio import CachedPrice, value_portfolio
from goalpost.domain.positions import Position, PositionStatus, Side
from goalpost.services.job_messages import ShardWork, shard_message
from goalpost.services.snapshots import _snapshot, backfill_holdings
from goalpost.settings import get_settings
from infra.local.event_sources import drain_queue
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

DATA, SYSTEM, SNAPSHOTS = "test-data", "test-system", "test-snapshots"
LONG = {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000, "stop_loss": 49000, "take_profit": 53000}


# ---------------------------------------------------------------- helpers
def profile(user: str) -> dict[str, Any]:
    raw = goalpost_aws.client("dynamodb").get_item(
        TableName=DATA, Key=key(keys.user_pk(user), keys.PROFILE_SK), ConsistentRead=True
    )
    return deserialize(raw.get("Item", {}))


def holdings(user: str) -> dict[str, str]:
    return {name: value for name, value in profile(user).items() if name.startswith(holding_codec.HOLDING_PREFIX)}


def open_positions(user: str) -> list[Position]:
    return position_store.open_positions(DATA, user)


def assert_holdings_exact(user: str) -> None:
    """The profile holds exactly the user's OPEN positions, each as it is stored."""
    assert holdings(user) == holding_codec.holdings_of(open_positions(user))


def opened(api: Api, user: str = "alice", **fields: Any) -> dict[str, Any]:
    reply = api.post("/positions", {**LONG, **fields}, user=user)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def set_prices(prices: dict[str, str], at: datetime | None = None) -> None:
    stamp = at or datetime.now(UTC)
    price_store.put_prices(
        SYSTEM, [CachedPrice(symbol=s, price=Decimal(p), updated_at=stamp, source="t") for s, p in prices.items()]
    )


@dataclass
class Calls:
    """DynamoDB requests made, by operation, with their parameters and whether they succeeded."""

    made: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)

    def count(self) -> Counter[str]:
        return Counter(operation for operation, _, _ in self.made)

    def of(self, operation: str, *, ok: bool | None = None) -> list[dict[str, Any]]:
        return [p for op, p, succeeded in self.made if op == operation and (ok is None or succeeded == ok)]


@contextmanager
def dynamodb_calls() -> Iterator[Calls]:
    calls, lock, original = Calls(), threading.Lock(), BaseClient._make_api_call

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation, params)
        try:
            result = original(client, operation, params)
        except Exception:
            with lock:
                calls.made.append((operation, params, False))
            raise
        with lock:
            calls.made.append((operation, params, True))
        return result

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def users_of_shard(shard: int, count: int, prefix: str = "user") -> list[str]:
    found: list[str] = []
    n = 0
    while len(found) < count:
        user = f"{prefix}-{n:05d}"
        if keys.shard_of(user, keys.USER_SHARDS) == shard:
            found.append(user)
        n += 1
    return found


def seed_registry(portfolios: dict[str, tuple[Decimal, list[Position]]]) -> None:
    """Registry items as the open transactions and ``PUT /portfolio/cash`` leave them, written directly."""
    items = [
        serialize(
            {
                "pk": keys.user_pk(user),
                "sk": keys.PROFILE_SK,
                "cash_balance": cash,
                "gsi3pk": keys.users_registry_pk(keys.shard_of(user, keys.USER_SHARDS)),
                "gsi3sk": keys.user_pk(user),
                **holding_codec.holdings_of(positions),
            }
        )
        for user, (cash, positions) in portfolios.items()
    ]
    for start in range(0, len(items), 25):
        batch_write(DATA, [{"PutRequest": {"Item": item}} for item in items[start : start + 25]])


def snapshot_worker(bodies: list[str]) -> dict[str, Any]:
    """Queues ``bodies`` and lets the snapshot worker consume them, as its event source mapping would."""
    job = declaration.JOBS_BY_NAME["snapshot"]
    assert job.worker is not None
    assert job.queue is not None
    sqs = goalpost_aws.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=get_settings().snapshot_queue_url, MessageBody=body)
    return drain_queue(registry, job.worker, job.queue)


def expected_snapshot(user: str, cash: Decimal, positions: list[Position], slot: datetime) -> dict[str, Any]:
    """The stored snapshot ``value_portfolio`` gives for ``positions`` (in the order the positions index returns
    them), as the job before the registry held positions wrote it; without its ``recorded_at``."""
    ordered = sorted(positions, key=lambda p: p.id)
    prices = price_store.get_prices(SYSTEM, {p.symbol for p in ordered})
    now = datetime.now(UTC)
    item = snapshot_store.snapshot_item(user, slot, _snapshot(value_portfolio(ordered, prices, cash, now), slot, now))
    return without_recorded_at(decode_snapshot(encode_snapshot(item, slot), slot))


def without_recorded_at(item: dict[str, Any] | None) -> dict[str, Any]:
    """A snapshot without its moment of recording and its expiry (which follows the owner's markets: the
    retention rule is tests/unit/test_snapshot_retention.py's)."""
    assert item is not None
    return {name: value for name, value in item.items() if name not in ("recorded_at", "expires_at")}


def item_count() -> int:
    """The items of the data and the snapshots tables."""
    dynamodb = goalpost_aws.client("dynamodb")
    return sum(int(dynamodb.scan(TableName=table, Select="COUNT")["Count"]) for table in (DATA, SNAPSHOTS))


# ---------------------------------------------------------------- the holdings follow the positions
def test_opening_closing_and_deleting_keep_the_holdings_exact(api: Api) -> None:
    assert holdings("alice") == {}
    first = opened(api)
    second = opened(api, symbol="ETHUSDT", quantity=2.25, entry_price=3000.5, stop_loss=2900, take_profit=3300)
    short = opened(api, symbol="AAPL", side="SHORT", quantity=10, entry_price=100, stop_loss=110, take_profit=80)
    opened(api, user="bob", symbol="MSFT", quantity=1, entry_price=300, stop_loss=None, take_profit=None)
    assert_holdings_exact("alice")
    assert holdings("alice") == {
        f"h_{first['id']}": "BTCUSDT|L|0.5|50000",
        f"h_{second['id']}": "ETHUSDT|L|2.25|3000.5",
        f"h_{short['id']}": "AAPL|S|10|100",
    }
    # The owner is in the registry, in their shard.
    shard = keys.shard_of("alice", keys.USER_SHARDS)
    assert profile("alice")["gsi3pk"] == keys.users_registry_pk(shard)
    assert [o.user_id for o in registry_store.registry_shard(DATA, shard) if o.user_id == "alice"] == ["alice"]

    assert api.post(f"/positions/{first['id']}/close", {"exit_price": 50500}).status == 200
    assert_holdings_exact("alice")
    assert f"h_{first['id']}" not in holdings("alice")
    # The close's alert counted itself on the same profile, in the same transaction.
    assert profile("alice")["unread_alerts"] == 1
    assert api.delete(f"/positions/{second['id']}").status == 204  # an OPEN one
    assert api.delete(f"/positions/{first['id']}").status == 204  # a CLOSED one: no holding to take
    assert holdings("alice") == {f"h_{short['id']}": "AAPL|S|10|100"}
    assert_holdings_exact("alice")
    assert api.post(f"/positions/{short['id']}/close", {"exit_price": 90}).status == 200
    assert holdings("alice") == {}
    assert profile("alice")["gsi3pk"] == keys.users_registry_pk(shard)  # still registered, with nothing held
    assert_holdings_exact("bob")


def test_the_monitors_closes_take_the_holdings(api: Api, market: Any) -> None:
    tp = opened(api)
    sl = opened(api, symbol="ETHUSDT", entry_price=3000, stop_loss=2900, take_profit=3300)
    timed = opened(api, symbol="SOLUSDT", entry_price=100, stop_loss=None, take_profit=None, max_duration_minutes=2)
    kept = opened(api, symbol="AAPL", entry_price=100, stop_loss=50, take_profit=200)
    market.configure({"prices": {"BTCUSDT": 53100, "ETHUSDT": 2890, "SOLUSDT": 101, "AAPL": 110}})
    summary = api.post("/prices/refresh", groups=["admin"]).body
    assert summary["monitor"]["closed"] == {"TP_HIT": 1, "SL_HIT": 1}
    assert set(holdings("alice")) == {f"h_{timed['id']}", f"h_{kept['id']}"}
    later = datetime.now(UTC) + timedelta(minutes=3)
    set_prices({"SOLUSDT": "101", "AAPL": "110"}, at=later)
    api.run_job("position_monitor", {"time": later.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert set(holdings("alice")) == {f"h_{kept['id']}"}
    assert_holdings_exact("alice")
    assert {tp["id"], sl["id"]} <= {p["id"] for p in api.get("/positions", query={"status": "CLOSED"}).body}


def test_two_closes_at_once_remove_the_holding_once(api: Api) -> None:
    target = opened(api)
    other = opened(api, symbol="ETHUSDT", entry_price=3000, stop_loss=2900, take_profit=3300)
    with dynamodb_calls() as calls, ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(
            pool.map(lambda price: api.post(f"/positions/{target['id']}/close", {"exit_price": price}).status, (1, 2))
        )
    assert statuses == [200, 409]
    removals = [
        params
        for params in calls.of("TransactWriteItems", ok=True)
        for item in params["TransactItems"]
        if f"h_{target['id']}" in item.get("Update", {}).get("ExpressionAttributeNames", {}).values()
    ]
    assert len(removals) == 1  # only the close that happened took the holding
    assert holdings("alice") == {f"h_{other['id']}": "ETHUSDT|L|0.5|3000"}
    assert profile("alice")["unread_alerts"] == 1


# ---------------------------------------------------------------- the worker
def test_a_snapshot_is_what_value_portfolio_gives_for_the_open_positions(api: Api) -> None:
    now = datetime.now(UTC)
    portfolios = {
        "alice": (
            Decimal("5000.50"),
            [
                Position.opened("alice", "AAPL", Decimal("60"), Decimal("140"), now),
                Position.opened("alice", "AAPL", Decimal("40"), Decimal("165.125"), now),
                Position.opened("alice", "BTCUSDT", Decimal("0.5"), Decimal("50000"), now, side=Side.SHORT),
                Position.opened("alice", "BTCUSDT", Decimal("0.25"), Decimal("48000"), now),
                Position.opened("alice", "NOPRICE", Decimal("3"), Decimal("10"), now),
                Position.opened("alice", "MSFT", Decimal("1E+1"), Decimal("0.000001"), now),
            ],
        ),
        "bob": (Decimal(0), [Position.opened("bob", "MSFT", Decimal("2"), Decimal("300"), now)]),
        "carol": (Decimal("50"), []),
    }
    for _, positions in portfolios.values():
        for position in positions:
            position_store.open_position(DATA, SYSTEM, position)
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 5000.50})
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 50}, user="carol")
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 0}, user="dave")  # registered, nothing to snapshot
    set_prices({"AAPL": "175.37", "BTCUSDT": "51000.5", "MSFT": "310"})
    for user, (_, positions) in portfolios.items():
        assert sorted(p.id for p in open_positions(user)) == sorted(p.id for p in positions)
    summary = JobRunner(registry).run("snapshot", now)
    assert summary["worker"]["failed"] == 0
    slot = slot_of(now)
    for user, (cash, _) in portfolios.items():
        stored = snapshot_store.latest_snapshot(SNAPSHOTS, user)
        # The positions as stored (read back), valued as the job valued them before the registry held them.
        assert without_recorded_at(stored) == expected_snapshot(user, cash, open_positions(user), slot), user
    assert snapshot_store.latest_snapshot(SNAPSHOTS, "dave") is None
    assert [h["ticker"] for h in snapshot_store.latest_snapshot(SNAPSHOTS, "alice")["positions"]] == [  # type: ignore[index]
        "AAPL",
        "BTCUSDT",
        "BTCUSDT",
        "MSFT",
        "NOPRICE",
    ]


def test_a_shard_of_many_users_is_one_query_one_price_read_and_a_write_a_group_item(api: Api) -> None:
    now = datetime.now(UTC)
    slot = slot_of(now)
    shard = 5
    users = users_of_shard(shard, 120)
    symbols = [f"SYM{n:02d}" for n in range(30)]
    portfolios = {
        user: (
            Decimal(n % 3) * Decimal("100.25"),  # a third of them without cash
            [
                Position.opened(user, symbols[(n + k) % len(symbols)], Decimal(k + 1), Decimal("10.5"), now)
                for k in range(n % 4)  # a quarter of them without positions
            ],
        )
        for n, user in enumerate(users)
    }
    others = users_of_shard(shard + 1, 3, prefix="neighbour")  # another shard: not this message's
    seed_registry({**portfolios, **{user: (Decimal(7), []) for user in others}})
    set_prices({symbol: str(100 + n) for n, symbol in enumerate(symbols[:-1])})  # the last one has no price
    worth = {user: p for user, p in portfolios.items() if p[0] != 0 or p[1]}
    assert 60 < len(worth) < len(users)

    with dynamodb_calls() as calls:
        drained = snapshot_worker([shard_message(ShardWork(slot, shard))])
    assert drained == {"batches": 1, "messages": 1, "failed": 0}
    # An item a group: its members' snapshots, and their totals (two totals groups a snapshots group),
    # whatever tiers the slot closes, put 25 a BatchWriteItem after one BatchGetItem found none stored.
    snapshot_groups = len({snapshot_store.group_pk(user) for user in worth})
    totals_groups = len({snapshot_store.totals_pk(user) for user in worth})
    writes = math.ceil(snapshot_groups / 25) + math.ceil(totals_groups / 25)
    assert calls.count() == {"Query": 1, "BatchGetItem": 1 + math.ceil(snapshot_groups / 100), "BatchWriteItem": writes}
    (query,) = calls.of("Query")
    assert (query["IndexName"], query["ExpressionAttributeValues"]) == ("gsi3", {":partition": {"S": "USERS#05"}})
    for user, (cash, positions) in portfolios.items():
        stored = snapshot_store.latest_snapshot(SNAPSHOTS, user)
        if user in worth:
            assert without_recorded_at(stored) == expected_snapshot(user, cash, positions, slot), user
        else:
            assert stored is None, user
    assert all(snapshot_store.latest_snapshot(SNAPSHOTS, user) is None for user in others)


def test_the_job_reads_one_query_a_shard_and_no_position(api: Api) -> None:
    for n in range(12):
        user = f"spread-{n}"
        api.call("PUT", "/portfolio/cash", body={"cash_balance": n + 1}, user=user)
        api.post("/positions", {**LONG, "symbol": f"S{n % 4}"}, user=user)
    set_prices({f"S{n}": "100" for n in range(4)})
    occupied = {keys.shard_of(f"spread-{n}", keys.USER_SHARDS) for n in range(12)}
    with dynamodb_calls() as calls:
        summary = JobRunner(registry).run("snapshot", datetime.now(UTC))
    assert summary["worker"]["failed"] == 0
    counted = calls.count()
    assert counted["Query"] == keys.USER_SHARDS  # the registry, one Query a shard, nothing per user
    # The prices, once a shard that holds positions; and whether its snapshots' group items are stored already.
    assert counted["BatchGetItem"] == 2 * len(occupied)
    assert set(counted) == {"Query", "BatchGetItem", "BatchWriteItem"}
    assert all(p["IndexName"] == "gsi3" for p in calls.of("Query"))
    for n in range(12):
        stored = snapshot_store.latest_snapshot(SNAPSHOTS, f"spread-{n}")
        assert stored is not None
        assert stored["cash_balance"] == n + 1


def test_a_retried_message_writes_the_same_items_and_no_new_one(api: Api) -> None:
    now = datetime.now(UTC)
    slot = slot_of(now)
    shard = 9
    users = users_of_shard(shard, 30)
    seed_registry(
        {
            user: (Decimal(n), [Position.opened(user, "AAPL", Decimal(n + 1), Decimal("99.5"), now)])
            for n, user in enumerate(users)
        }
    )
    set_prices({"AAPL": "101"})
    assert snapshot_worker([shard_message(ShardWork(slot, shard))])["failed"] == 0
    count, first = item_count(), {u: snapshot_store.latest_snapshot(SNAPSHOTS, u) for u in users}
    # Delivered again (SQS at least once), twice at once, and for another moment of the same slot.
    again = [
        shard_message(ShardWork(slot, shard)),
        shard_message(ShardWork(slot, shard)),
        shard_message(ShardWork(slot + timedelta(minutes=4), shard)),
    ]
    assert snapshot_worker(again)["failed"] == 0
    assert item_count() == count
    for user in users:
        assert without_recorded_at(snapshot_store.latest_snapshot(SNAPSHOTS, user)) == without_recorded_at(first[user])


def test_a_message_of_the_earlier_per_user_shape_is_skipped_not_failed(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 10})
    before = item_count()
    legacy = '{"moment": "2026-11-21T10:55:00+00:00", "users": [{"user_id": "alice", "cash": "10"}]}'
    assert snapshot_worker([legacy]) == {"batches": 1, "messages": 1, "failed": 0}
    assert item_count() == before


# ---------------------------------------------------------------- positions from before the holdings
def test_the_backfill_gives_positions_from_before_the_holdings_theirs_once(api: Api) -> None:
    now = datetime.now(UTC)
    held = Position.opened("alice", "AAPL", Decimal("2.5"), Decimal("100"), now)
    closed = Position.opened("alice", "MSFT", Decimal(1), Decimal("300"), now).model_copy(
        update={"status": PositionStatus.CLOSED, "exit_price": Decimal(310), "exit_time": now}
    )
    legacy = {
        "pk": keys.user_pk("alice"),
        "sk": keys.PROFILE_SK,
        "cash_balance": Decimal(10),
        # Registered under the shard count of the version before: still read, and moved by the next write.
        "gsi3pk": keys.users_registry_pk(keys.shard_of("alice", 16)),
        "gsi3sk": keys.user_pk("alice"),
    }
    items = [legacy, position_store.position_item(held), position_store.position_item(closed)]
    batch_write(DATA, [{"PutRequest": {"Item": serialize(item)}} for item in items])
    assert holdings("alice") == {}

    assert backfill_holdings() == {"users": 1, "holdings_added": 1, "holdings_repaired": 0}
    assert holdings("alice") == {f"h_{held.id}": "AAPL|L|2.5|100"}
    assert_holdings_exact("alice")
    assert backfill_holdings() == {"users": 1, "holdings_added": 0, "holdings_repaired": 0}
    # A position closed between the backfill's read and its write is not given a holding.
    assert registry_store.backfill_holding(DATA, closed) is False
    assert holdings("alice") == {f"h_{held.id}": "AAPL|L|2.5|100"}


# ---------------------------------------------------------------- scheduled runs: while the markets trade
SATURDAY_NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MONDAY_SESSION = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York
MONDAY_NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 in New York


def snapshotted(moment: datetime, users: list[str]) -> list[str]:
    return sorted(
        user
        for user in users
        if any(
            item["slot"] == slot_of(moment)
            for item in snapshot_store.snapshots_page(
                SNAPSHOTS, user, start=None, end=None, limit=100, next_token=None
            )[0]
        )
    )


@pytest.mark.parametrize(
    ("moment", "recorded"),
    [
        (SATURDAY_NOON, ["crypto", "mixed"]),
        (MONDAY_NIGHT, ["crypto", "mixed"]),
        (MONDAY_SESSION, ["cash", "crypto", "mixed", "stocks"]),
        (datetime(2026, 11, 21, 23, 55, tzinfo=UTC), ["cash", "crypto", "mixed", "stocks"]),  # the day's last slot
    ],
)
def test_the_schedule_records_a_portfolio_while_one_of_its_markets_trades(
    api: Api, moment: datetime, recorded: list[str]
) -> None:
    """Stocks and cash alone repeat their last snapshot while the US market is closed: the schedule records them
    in its session and in each day's last slot (the daily charts' point); crypto always. A run asked for now
    (``/_local/jobs/snapshot``) records every portfolio whatever the markets do."""
    at = moment - timedelta(days=1)
    portfolios = {
        "stocks": (Decimal(0), [Position.opened("stocks", "AAPL", Decimal(2), Decimal(150), at)]),
        "crypto": (Decimal(0), [Position.opened("crypto", "BTCUSDT", Decimal("0.1"), Decimal(50000), at)]),
        "mixed": (
            Decimal(10),
            [
                Position.opened("mixed", "MSFT", Decimal(1), Decimal(300), at),
                Position.opened("mixed", "ETHUSDT", Decimal(1), Decimal(3000), at),
            ],
        ),
        "cash": (Decimal(500), []),
    }
    seed_registry(portfolios)
    set_prices({"AAPL": "170", "BTCUSDT": "51000", "MSFT": "310", "ETHUSDT": "3100"}, at=moment)
    users = sorted(portfolios)

    summary = JobRunner(registry).run("snapshot", moment, scheduled=True)
    assert summary["trading_only"] is True
    assert summary["worker"]["failed"] == 0
    assert snapshotted(moment, users) == recorded

    later = moment + timedelta(minutes=5)
    manual = JobRunner(registry).run("snapshot", later)
    assert manual["trading_only"] is False
    assert snapshotted(later, users) == users
