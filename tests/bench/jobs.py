"""Benchmark of the scheduled jobs at scale: the price update (10,000 symbols), the snapshot run (1,000 users
with 5 positions each), the position monitor (10,000 open positions in 1,000 symbols) and the end-of-day goals
run (1,000 users with 3 goals each).

Each job runs its production code against moto in this process and the simulated market (a real HTTP server
on loopback), in a world of its own (a fresh moto), seeded outside the measured window. Per job it reports the
provider requests, the DynamoDB requests by operation, the SQS requests and SNS publishes, an estimate of the
DynamoDB write units, the wall time, and requests per user / symbol / position. The request counts are what
AWS would see; wall times are moto's and loopback's, so they only compare runs of this benchmark with each
other (and moto runs with the speed-ups of ``infra.local.moto_speed``, ``attribute_values_as_they_are`` and
``tests.bench.moto_update_checks``, which change its time, never its answers).

    python -m tests.bench.jobs [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple
from unittest.mock import patch

from tests.bench.capacity import Meter, Units
from tests.bench.environment import QUIET_ENV
from tests.bench.moto_update_checks import faster_update_expressions

if TYPE_CHECKING:
    from goalpost.domain.goals import Goal
    from goalpost.domain.progress import ProgressEntry
    from goalpost.domain.trading import TradingGoal

Progress = Callable[[str], None]

DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
# The jobs at scale run on moto, tens of times slower than DynamoDB at 1,000 users: the declared timeouts are
# what Lambda holds a real run to, not a bound on how long moto may take.
BENCH_TIMEOUT_SCALE = 20


class Sizes(NamedTuple):
    """How much each job's world holds (the defaults are the scale its goals are stated at)."""

    symbols: int = 10_000
    users: int = 1_000
    positions_per_user: int = 5
    monitor_positions: int = 10_000
    monitor_symbols: int = 1_000
    moved_symbols: int = 100  # symbols whose price moves before the last monitor run
    goal_users: int = 1_000


# ---------------------------------------------------------------- measured windows
@dataclass
class Window:
    """One job's measured run: every AWS request and DynamoDB's units (tests.bench.capacity), its wall time."""

    units: Units = field(default_factory=Units)
    seconds: float = 0.0


@contextmanager
def measured() -> Iterator[Window]:
    """A measured window: fresh counters, the DynamoDB units, and the wall time of the block."""
    window = Window()
    started = time.perf_counter()
    try:
        with Meter().measure() as units:
            window.units = units
            yield window
    finally:
        window.seconds = time.perf_counter() - started


def per(count: float, units: int) -> float:
    return round(count / units, 3) if units else 0.0


def figures(window: Window, units: int, unit: str) -> dict[str, Any]:
    """What every job reports; ``unit`` names what the per-unit figures are per (user, symbol, position)."""
    requests = window.units
    dynamodb = requests.of("dynamodb")
    total = sum(dynamodb.values())
    writes = sum(n for op, n in dynamodb.items() if op in DYNAMODB_WRITES)
    others = {
        name: n
        for name, n in sorted(requests.requests.items())
        if name.split(".", 1)[0] not in ("dynamodb", "sqs", "sns")
    }
    return {
        "dynamodb_requests": dynamodb,
        "dynamodb_requests_total": total,
        f"requests_per_{unit}": per(total, units),
        f"write_requests_per_{unit}": per(writes, units),
        "read_units": round(window.units.read, 1),
        "write_units": round(window.units.write, 1),
        "sqs_requests": requests.of("sqs"),
        "sns_publishes": requests.of("sns").get("Publish", 0),
        **({"other_aws_requests": others} if others else {}),
        "wall_seconds": round(window.seconds, 2),
    }


# ---------------------------------------------------------------- moto: attribute values answered as they are
SCALAR_TYPES = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


def is_plain(value: Any) -> bool:
    """An AttributeValue that moto's serializer would copy unchanged: strings, numbers, booleans and nulls,
    string and number sets, and maps and lists of those (binary is left to moto, which encodes it)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind in SCALAR_TYPES:
        return isinstance(inner, SCALAR_TYPES[kind])
    if kind in ("SS", "NS"):
        return isinstance(inner, list) and all(isinstance(element, str) for element in inner)
    if kind == "M":
        return isinstance(inner, dict) and all(is_plain(element) for element in inner.values())
    return kind == "L" and isinstance(inner, list) and all(is_plain(element) for element in inner)


@contextmanager
def attribute_values_as_they_are() -> Iterator[None]:
    """moto 5.2 serializes every response through the service model, member by member, looking each member up
    under several aliases: about 1.7 ms per 25-attribute item, so a Query of 10,000 positions takes 18 s, more
    than its 10,000 UpdateItems' share of the monitor run. While this is on, an item's AttributeValues that
    serializer would copy unchanged are copied at once (same response, byte for byte). The bench's alone: the
    tests and the local server hold far fewer items per response (infra.local.moto_speed has what they need,
    and the bench runs with it too)."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and is_plain(value):
            self._default_serialize(serialized, value, shape, key)
        else:
            original(self, serialized, value, shape, key)

    with patch.object(BaseJSONSerializer, "_serialize_type_structure", serialize_structure):
        yield


# ---------------------------------------------------------------- worlds
@contextmanager
def world(environment: Mapping[str, str] | None = None) -> Iterator[None]:
    """A fresh moto with every declared resource, so each job sees only its own seed."""
    from goalpost import aws
    from goalpost.settings import reset_settings
    from infra.local.aws import LocalAws

    os.environ.update(environment or {})
    with LocalAws(prefix="bench"):
        reset_settings()
        aws.reset_clients()
        yield


def put_all(table: str, items: list[dict[str, Any]]) -> None:
    """Seeds serialized items through the data layer's BatchWriteItem, 25 a request."""
    from goalpost.data.batches import batch_write

    batch_write(table, [{"PutRequest": {"Item": item}} for item in items])


# ---------------------------------------------------------------- price update and snapshot
def bench_price(n: int) -> Decimal:
    """The market price of the bench's symbol ``n``: cents, and magnitudes from 1 to 60,000 (the digits a
    snapshot stores are what its size, so its write units, depend on)."""
    return Decimal(f"{(n * 7919) % 60_000 + 1}.{(n * 31) % 100:02d}")


def entry_price(n: int) -> Decimal:
    return (bench_price(n) * Decimal("0.97")).quantize(Decimal("0.01"))


def bench_quantity(n: int) -> Decimal:
    return Decimal((n * 13) % 997 + 3) / 1000  # 0.003 .. 0.999


def seed_portfolios(symbols: int, users: int, per_user: int, now: datetime) -> list[str]:
    """Active symbols, and users with cash and open positions in the registry the snapshot job pages."""
    from goalpost.data import keys
    from goalpost.data.codec import serialize
    from goalpost.data.holdings import holdings_of
    from goalpost.data.positions import position_item
    from goalpost.data.prices import set_symbol_counts
    from goalpost.domain.positions import Position
    from goalpost.settings import get_settings

    settings = get_settings()
    names = [f"S{n:05d}" for n in range(symbols)]
    set_symbol_counts(settings.system_table_name, dict.fromkeys(names, 1), now)
    items = []
    for u in range(users):
        user = f"user-{u:04d}"
        profile = {
            "pk": keys.user_pk(user),
            "sk": keys.PROFILE_SK,
            "cash_balance": Decimal(f"{1000 + u % 9000}.{u % 100:02d}"),
            "gsi3pk": keys.users_registry_pk(keys.shard_of(user, keys.USER_SHARDS)),
            "gsi3sk": keys.user_pk(user),
        }
        held = [
            Position.opened(user, names[n % symbols], bench_quantity(u * per_user + p), entry_price(n % symbols), now)
            for p in range(per_user)
            for n in [u * per_user + p]
        ]
        items.append(serialize({**profile, **holdings_of(held)}))  # the registry holds what the job values
        items += [serialize(position_item(position)) for position in held]
    put_all(settings.data_table_name, items)
    return names


def bench_prices_and_snapshot(sizes: Sizes, progress: Progress) -> dict[str, Any]:
    """The price update over every active symbol, then a snapshot run (coordinator -> SQS -> worker) over
    users whose positions it just priced."""
    from goalpost.data.prices import get_prices
    from goalpost.services.prices import update_prices
    from goalpost.settings import get_settings
    from infra.local.lambdas import HandlerRegistry
    from infra.local.market import SimulatedMarket
    from infra.local.scheduler import JobRunner

    market = SimulatedMarket().start()
    try:
        with world({"ALPACA_DATA_URL": market.url, "BINANCE_FUTURES_URL": market.url}):
            now = datetime.now(UTC)
            names = seed_portfolios(sizes.symbols, sizes.users, sizes.positions_per_user, now)
            progress(f"{sizes.symbols} symbols, {sizes.users} users with {sizes.positions_per_user} positions")
            market.configure({"prices": {name: bench_price(n) for n, name in enumerate(names)}, "fault": None})
            market.reset_counts()
            progress("price update ...")
            with measured() as price_window:
                prices = update_prices(now)
            provider = sum(market.requests.values())
            progress("snapshot (coordinator -> SQS -> worker) ...")
            with measured() as snapshot_window, groups_at_design_size(sizes.users):
                snapshot = JobRunner(HandlerRegistry(timeout_scale=BENCH_TIMEOUT_SCALE)).run(
                    "snapshot", plain_slot(now)
                )
            stored = stored_snapshot_bytes()
            # What one shard's worker reads at most for prices: every packed price item once.
            with measured() as all_prices:
                get_prices(get_settings().system_table_name, names)
    finally:
        market.stop()
    return {
        "price_update": price_figures(sizes.symbols, prices, provider, price_window),
        "snapshot": {
            **snapshot_figures(snapshot, sizes.users, snapshot_window),
            "all_prices_read_units": all_prices.units.read,
            **stored,
        },
    }


def plain_slot(now: datetime) -> datetime:
    """The latest slot up to ``now`` that closes no coarser tier (every slot writes the same: its item and its
    group's totals; a slot that closes a tier is only kept longer)."""
    from goalpost.domain.charts import SLOT, slot_of, tiers_closed_by

    slot = slot_of(now)
    while len(tiers_closed_by(slot)) > 1:
        slot -= SLOT
    return slot


@contextmanager
def groups_at_design_size(users: int) -> Iterator[None]:
    """The snapshots' totals groups as full as at 1,000,000 users (``GROUPS_PER_SHARD``, ~8 members), for
    ``users``: the units a user writes and the bytes it keeps depend on how many share a totals item."""
    from goalpost import declaration
    from goalpost.data import keys
    from goalpost.data import snapshots as snapshot_store

    declared = snapshot_store.GROUPS_PER_SHARD
    members = declaration.SNAPSHOT_DESIGN_USERS / keys.USER_SHARDS / declared
    snapshot_store.GROUPS_PER_SHARD = max(1, round(users / keys.USER_SHARDS / members))
    try:
        yield
    finally:
        snapshot_store.GROUPS_PER_SHARD = declared


def stored_snapshot_bytes() -> dict[str, float]:
    """Per snapshot stored, the bytes and the items of its groups' snapshots and totals items, by DynamoDB's
    accounting (the bench's one slot: a Scan of the table)."""
    from goalpost import aws
    from goalpost.data import snapshots as snapshot_store
    from goalpost.settings import get_settings
    from tests.bench.capacity import item_size

    table = get_settings().snapshots_table_name
    items = [
        item
        for page in aws.client("dynamodb").get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]
    groups = [item for item in items if item["pk"]["S"].startswith(snapshot_store.SNAPSHOTS_PREFIX)]
    snapshots = sum(1 for item in groups for name in item if name.startswith("s") and name != "sk")
    return {
        "bytes_per_snapshot": per(sum(item_size(item) for item in items), snapshots),
        "items_per_snapshot": per(len(items), snapshots),
    }


def price_figures(symbols: int, summary: dict[str, Any], provider: int, window: Window) -> dict[str, Any]:
    return {
        "symbols": symbols,
        "updated": summary["updated"],
        "provider_requests": provider,
        "symbols_per_provider_request": per(symbols, provider),
        **figures(window, symbols, "symbol"),
    }


def snapshot_figures(summary: dict[str, Any], users: int, window: Window) -> dict[str, Any]:
    result = {"users": users, "sqs_messages": summary["messages"], **figures(window, users, "user")}
    # What the job is about: write requests per user (its groups' items, 25 a BatchWriteItem, or an UpdateItem
    # each where another run of the slot stored them).
    requests = result["dynamodb_requests"]
    result["write_requests_per_user"] = per(requests.get("BatchWriteItem", 0) + requests.get("UpdateItem", 0), users)
    return result


# ---------------------------------------------------------------- position monitor
TRAILING_EVERY = 5  # one position in five trails its best price by 10 %


def seed_open_positions(positions: int, names: list[str], now: datetime) -> None:
    """LONGs entered at 100 in ``names``: four in five with a stop loss at 50 and a take profit at 200, the
    fifth trailing by 10 % (best 100: its stop at 90)."""
    from goalpost.data.codec import serialize
    from goalpost.data.positions import position_item
    from goalpost.data.prices import set_symbol_counts
    from goalpost.domain.positions import Position
    from goalpost.settings import get_settings

    def opened(n: int) -> Position:
        levels: dict[str, Any] = (
            {"trailing_stop_percent": Decimal(10)}
            if n % TRAILING_EVERY == 0
            else {"stop_loss": Decimal(50), "take_profit": Decimal(200)}
        )
        trader, symbol = f"trader-{n % 1000:04d}", names[n % len(names)]
        position = Position.opened(trader, symbol, Decimal(1), Decimal(100), now, **levels)
        position.best_price = position.entry_price
        return position

    put_all(get_settings().data_table_name, [serialize(position_item(opened(n))) for n in range(positions)])
    set_symbol_counts(get_settings().system_table_name, {name: positions // len(names) for name in names}, now)


def cache_prices(prices: Mapping[str, Decimal]) -> dict[str, Any]:
    from goalpost.data.prices import get_prices, put_prices
    from goalpost.domain.portfolio import CachedPrice
    from goalpost.settings import get_settings

    moment = datetime.now(UTC)
    table = get_settings().system_table_name
    put_prices(table, [CachedPrice(symbol=n, price=p, updated_at=moment, source="bench") for n, p in prices.items()])
    return get_prices(table, prices)


def monitor_run(
    progress: Progress,
    label: str,
    count: int,
    unit: str,
    symbols: list[str] | None = None,
    prices: Any = None,
    previous: Any = None,
) -> dict[str, Any]:
    from goalpost.services.monitor import run_monitor

    progress(f"position monitor: {label} ...")
    with measured() as window:
        summary = run_monitor(datetime.now(UTC), symbols, prices, previous=previous)
    return {
        "symbols": summary["symbols"],
        "checked": summary["checked"],
        "closed": sum(summary["closed"].values()),
        "trailed": summary["trailed"],
        **figures(window, count, unit),
    }


def bench_monitor(sizes: Sizes, progress: Progress) -> dict[str, Any]:
    """The monitor over ``monitor_positions`` open positions in ``monitor_symbols`` symbols:

    - "full": the 3-minute run over every symbol, no level reached (prices at 99.5): what it costs to find
      that there is nothing to do;
    - "trailed": right after a price update that turned ``moved_symbols`` symbols down (101.5) from a peak
      (102, a new best): the trailing stops there record the peak, nothing else is read;
    - "closed": right after a price update that moved a fifth of those symbols past every take profit (250):
      each position there is closed (the trailing ones are still rising: nothing to record)."""
    positions = sizes.monitor_positions
    with world():
        names = [f"M{n:04d}" for n in range(sizes.monitor_symbols)]
        seed_open_positions(positions, names, datetime.now(UTC))
        progress(f"{positions} open positions in {sizes.monitor_symbols} symbols")
        cache_prices(dict.fromkeys(names, Decimal("99.5")))
        full = monitor_run(progress, "3-minute run, no level reached", len(names), "symbol")
        moved = names[: sizes.moved_symbols]
        peak = cache_prices(dict.fromkeys(moved, Decimal(102)))
        prices = cache_prices(dict.fromkeys(moved, Decimal("101.5")))
        label = f"{len(moved)} symbols turned from a new best"
        trailed = monitor_run(progress, label, len(moved), "symbol", moved, prices, peak)
        crossed = moved[: max(1, len(moved) // 5)]  # closes are transactions: moto's slowest requests
        before, prices = prices, cache_prices(dict.fromkeys(crossed, Decimal(250)))
        closed = monitor_run(
            progress, f"{len(crossed)} symbols past every level", len(crossed), "symbol", crossed, prices, before
        )
    return {"positions": positions, "symbols": len(names), "full": full, "trailed": trailed, "closed": closed}


# ---------------------------------------------------------------- end-of-day goals
@dataclass(frozen=True)
class GoalUser:
    """One seeded user of the end-of-day run; ``n`` picks which cases (alerts, cash) the user has."""

    user_id: str
    n: int
    day: date

    @property
    def cash(self) -> Decimal | None:
        return Decimal(1500) if self.n % 2 == 0 else None  # every other user has a portfolio (cash)

    def days_before(self, days: int) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 9, tzinfo=UTC) - timedelta(days=days)

    @property
    def created(self) -> datetime:
        return self.days_before(120)  # the goals' creation, so each has a pace to be on or off track with

    def deadline(self, days: int) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC) + timedelta(days=days)


def new_goal(user: GoalUser, name: str, goal_type: str, target: int, current: int, **fields: Any) -> Goal:
    """A goal as ``services.goals.create_goal`` makes it (its amount set, what it has got to marked)."""
    from goalpost.domain.goals import Goal, GoalType, default_start_amount, progress_alerts, set_amount
    from goalpost.domain.ids import new_id

    created = user.created
    kind = GoalType(goal_type)
    goal = Goal(
        id=new_id(int(created.timestamp() * 1000)),
        user_id=user.user_id,
        name=name,
        type=kind,
        target_amount=Decimal(target),
        current_amount=Decimal(current),
        start_amount=default_start_amount(kind, Decimal(current)),
        created_at=created,
        updated_at=created,
        initial_amount=Decimal(current),
        **fields,
    )
    set_amount(goal, goal.current_amount, created.date())
    progress_alerts(goal, created.date(), silent=True)
    return goal


def progressed(goal: Goal, value: int, when: datetime) -> ProgressEntry:
    """A manual progress entry made at ``when``, applied as ``change_goal`` applies one."""
    from goalpost.domain.goals import progress_alerts
    from goalpost.domain.progress import ProgressSource, record

    entry = record(
        goal,
        value=Decimal(value),
        period_date=when.date(),
        now=when,
        source=ProgressSource.MANUAL,
        contribution=Decimal(value) - goal.current_amount,
    )
    progress_alerts(goal, when.date())
    goal.version += 1
    goal.updated_at = when
    return entry


def user_goals(user: GoalUser) -> tuple[list[Goal], list[ProgressEntry]]:
    """Three active goals with deadlines and mixed types, so that each alert of the run fires for some users:
    - savings, due in 20 days (approaching), 5 (imminent) or 200, with progress for three users in four;
    - debt payoff (decreasing), due in a year, its update reminder due today for one user in five;
    - portfolio value (calculated: follows the user's portfolio), at yesterday's value for users with cash.
    """
    n = user.n
    savings = new_goal(user, "Savings", "savings", 10_000, 0, deadline=user.deadline((20, 5, 200)[n % 3]))
    entries = [progressed(savings, 3000 * (n % 4), user.days_before(10))] if n % 4 else []
    reminder = user.day.day if n % 5 == 0 and user.day.day <= 28 else 1 + (user.day.day % 28)
    debt = new_goal(user, "Card debt", "debt_payoff", 0, 8000, deadline=user.deadline(365), reminder_day=reminder)
    entries.append(progressed(debt, 8000 - 500 * (n % 8), user.days_before(40)))
    yesterday = user.cash - 100 if user.cash is not None else Decimal(0)
    portfolio = new_goal(user, "Portfolio", "portfolio_value", 5000, int(yesterday), deadline=user.deadline(300))
    return [savings, debt, portfolio], entries


def settle_on_track(goals: list[Goal], user: GoalUser) -> None:
    """The on-track flag as yesterday's run left it: today's, except for one user in ten, whose goals flip
    (off_track / back_on_track alerts)."""
    from goalpost.domain.progress import is_on_track

    for goal in goals:
        today = is_on_track(goal, user.day)
        goal.last_on_track = (not today) if user.n % 10 == 0 else today


def earlier_alerts(goals: list[Goal], user: GoalUser, table: str) -> list[dict[str, Any]]:
    """For half the users with a deadline 20 days out, the approaching-deadline alert as the run that first
    saw it (ten days ago) stored it, delivered: the guard that makes today's run find it raised."""
    from goalpost.data.alerts import alert_item
    from goalpost.data.codec import serialize
    from goalpost.domain.goal_checks import deadline_alert
    from goalpost.services.alerts import prepare

    if user.n % 6 != 0:
        return []
    raised = deadline_alert(goals[0], user.day)
    if raised is None:
        return []
    when = user.days_before(10)
    write = prepare(user.user_id, raised, when)
    write.alert.delivered_at = when
    guard, _ = write.guard_and_alert()
    return [guard["Put"]["Item"], serialize(alert_item(write.alert))]


def trading_goals(user: GoalUser) -> list[TradingGoal]:
    """The three trading goals as yesterday's run left them (default targets). One user in twenty had a
    portfolio value at risk yesterday (36,000 of 50,000): it falls behind today (a goal_behind alert)."""
    from goalpost.domain.trading import TradingGoal, TradingGoalType, evaluate

    yesterday = user.days_before(1)
    goals = [TradingGoal.default(kind) for kind in TradingGoalType]
    if user.n % 20 == 0:
        goals = [
            evaluate(goal, Decimal(36_000), yesterday)[0] if goal.goal_type == TradingGoalType.PORTFOLIO_VALUE else goal
            for goal in goals
        ]
    return goals


def user_items(user: GoalUser, table: str) -> list[dict[str, Any]]:
    """Everything the user's goals, cash and earlier runs wrote, serialized (see ``seed_goal_users``)."""
    from goalpost.data import goals as goal_store
    from goalpost.data import keys
    from goalpost.data import trading as trading_store
    from goalpost.data.codec import serialize
    from goalpost.domain.trading import month_of

    goals, entries = user_goals(user)
    settle_on_track(goals, user)
    profile: dict[str, Any] = {
        "pk": keys.user_pk(user.user_id),
        "sk": keys.PROFILE_SK,
        "gsi3pk": keys.users_registry_pk(keys.shard_of(user.user_id, keys.USER_SHARDS)),
        "gsi3sk": keys.user_pk(user.user_id),
        goal_store.GOAL_COUNT: len(goals),
    }
    items = [serialize(goal_store.goal_item(goal)) for goal in goals]
    items += [serialize(goal_store.progress_item(user.user_id, entry)) for entry in entries]
    if user.cash is not None:
        profile.update(cash_balance=user.cash, cash_updated_at=user.created)
        month = {"pk": keys.user_pk(user.user_id), "sk": keys.month_sk(month_of(user.day)), "start_value": user.cash}
        items.append(serialize(month))
    items.append(serialize(profile))
    items += [trading_store.goal_put(table, user.user_id, goal)["Put"]["Item"] for goal in trading_goals(user)]
    return items + earlier_alerts(goals, user, table)


def seed_goal_users(users: int, day: date) -> int:
    """Users as the goal API, the cash API and earlier end-of-day runs left them: per user the profile (in
    the users registry with its goal count, as ``data.goals.create`` writes it, and the cash), three goals
    (some with a progress entry), the three trading goals, the month's start value, and some earlier alerts.
    Returns how many goals."""
    from goalpost.settings import get_settings

    table = get_settings().data_table_name
    items = [item for n in range(users) for item in user_items(GoalUser(f"goal-user-{n:04d}", n, day), table)]
    put_all(table, items)
    return sum(1 for item in items if item["sk"]["S"].startswith("GOAL#"))


def bench_end_of_day(sizes: Sizes, progress: Progress) -> dict[str, Any]:
    """The end_of_day_goals job as scheduled (23:59 UTC): its coordinator queues every registered user, its
    worker evaluates each user's trading and personal goals."""
    from infra.local.lambdas import HandlerRegistry
    from infra.local.scheduler import JobRunner

    with world():
        today = datetime.now(UTC).date()
        moment = datetime(today.year, today.month, today.day, 23, 59, tzinfo=UTC)
        goals = seed_goal_users(sizes.goal_users, today)
        progress(f"{sizes.goal_users} users with {goals} goals")
        progress("end-of-day goals (coordinator -> SQS -> worker) ...")
        with measured() as window:
            summary = JobRunner(HandlerRegistry(timeout_scale=BENCH_TIMEOUT_SCALE)).run("end_of_day_goals", moment)
    users = summary["users"]
    if summary["worker"]["failed"]:
        progress(f"WARNING: {summary['worker']['failed']} end-of-day messages failed (see the log above)")
    return {
        "users": users,
        "goals": goals,
        "sqs_messages": summary["messages"],
        "failed_messages": summary["worker"]["failed"],
        # Each alert goes once to the shared topic (the seeded users have no email or SMS).
        "alerts_published": window.units.of("sns").get("Publish", 0),
        **figures(window, users, "user"),
    }


# ---------------------------------------------------------------- the whole run
JOBS = ("price_update", "snapshot", "position_monitor", "end_of_day")


def run(progress: Progress, sizes: Sizes | None = None, only: tuple[str, ...] = JOBS) -> dict[str, Any]:
    """{"price_update": {...}, "snapshot": {...}, "position_monitor": {...}, "end_of_day": {...}}; each with
    "dynamodb_requests" {op: n}, "dynamodb_requests_total", "wall_seconds", "sqs_requests" {op: n},
    "sns_publishes", "read_units" and "write_units" (tests.bench.capacity) and per-unit figures ("requests_per_user",
    "write_requests_per_user", ...; the price update's also "provider_requests" and
    "symbols_per_provider_request"). ``seconds`` per job is the whole part, seeding included."""
    sizes = sizes or Sizes()
    os.environ.update(QUIET_ENV)
    results: dict[str, Any] = {}
    parts: list[tuple[tuple[str, ...], Callable[[Sizes, Progress], dict[str, Any]]]] = [
        (("price_update", "snapshot"), bench_prices_and_snapshot),
        (("position_monitor",), lambda s, p: {"position_monitor": bench_monitor(s, p)}),
        (("end_of_day",), lambda s, p: {"end_of_day": bench_end_of_day(s, p)}),
    ]
    with attribute_values_as_they_are(), faster_update_expressions():
        for names, part in parts:
            if not set(names) & set(only):
                continue
            started = time.perf_counter()
            produced = part(sizes, progress)
            progress(f"{' + '.join(names)}: {time.perf_counter() - started:.1f} s with seeding")
            results.update({name: produced[name] for name in names if name in only})
    return results


def print_summary(results: dict[str, Any]) -> None:
    for job, values in results.items():
        print(job)
        for name, value in values.items():
            if isinstance(value, dict) and "wall_seconds" in value:  # a further run of the job
                print(f"  {name}")
                for inner, figure in value.items():
                    print(f"    {inner:30} {figure}")
            else:
                print(f"  {name:32} {value}")


def progress_to_stderr(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Sizes()
    for name, value in defaults._asdict().items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value)
    parser.add_argument("--only", nargs="+", choices=JOBS, default=list(JOBS), help="run only these jobs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sizes = Sizes(**{name: getattr(args, name) for name in Sizes._fields})
    # The handlers log on stdout (Powertools Logger), as on Lambda: keep stdout for the figures.
    with redirect_stdout(sys.stderr):
        results = run(progress_to_stderr, sizes, tuple(args.only))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
