"""Benchmark: the DynamoDB requests of every API route, for a user with 5 and with 500 objects of each kind.

Every route of the served OpenAPI document is called through its real handler (as API Gateway would after its
JWT authorizer: ``tests.handlers.conftest.Api``) over moto, once for a user who has 5 objects of each kind the
route touches and once for a user who has 500, and the AWS requests of each call are counted. The goal: every
route costs the same for both, at most 3 DynamoDB requests, and a page of a list costs one Query.

The data is split into worlds (``WORLDS``), one moto each, holding one user with the kinds of object its routes
touch. moto copies a whole table for every item of a transaction, so one table holding 500 of everything would
make the run take minutes; what a route requests depends only on the partitions it reads, which are the same
either way. Objects are written through the data layer's item builders in batches, not through hundreds of API
calls; the few kept by transactions (funding links) go through the data layer's own writes, before the table
fills up.

``make bench`` runs ``run()``; ``python -m tests.bench.routes`` prints the table."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from goalpost import aws as goalpost_aws
from goalpost.data import accounts as account_store
from goalpost.data import budgets as budget_store
from goalpost.data import funding as funding_store
from goalpost.data import keys
from goalpost.data import trading as trading_store
from goalpost.data.alerts import alert_item
from goalpost.data.batches import batch_write
from goalpost.data.codec import Item, serialize
from goalpost.data.goals import goal_item, progress_item
from goalpost.data.holdings import holdings_of
from goalpost.data.positions import MAX_OPEN_PER_USER, position_item
from goalpost.data.prices import put_prices, set_symbol_counts
from goalpost.data.snapshots import put_snapshots, snapshot_item
from goalpost.domain.accounts import Account, ApiCredentials, Provider
from goalpost.domain.alerts import EVENT_CHANNEL, IN_APP_CHANNEL, SEVERITY, Alert, AlertType
from goalpost.domain.budget import BudgetSnapshot
from goalpost.domain.funding import MAX_LINKS_PER_GOAL, FundingSource
from goalpost.domain.goals import MAX_MILESTONES, Goal, GoalType, Milestone, progress_alerts
from goalpost.domain.ids import new_id
from goalpost.domain.money import ZERO
from goalpost.domain.performance import ALL_STRATEGIES, contribution
from goalpost.domain.portfolio import CachedPrice, value_portfolio
from goalpost.domain.positions import ExitReason, Position, PositionStatus, close
from goalpost.domain.progress import ProgressSource, record
from goalpost.domain.trading import TradingGoal, TradingGoalType, month_of
from goalpost.edges.accounts import vault
from goalpost.services import accounts as account_service
from goalpost.settings import get_settings, reset_settings
from infra.local.aws import LOCAL_ALPACA_CREDENTIALS, LocalAws
from infra.local.market import SimulatedMarket
from infra.local.routing import RouteTable
from tests.bench.capacity import Meter
from tests.bench.environment import QUIET_ENV
from tests.bench.moto_update_checks import faster_update_expressions
from tests.handlers.conftest import Api, Reply, investment_goals

SMALL = 5
LARGE = 500
# Every provider's base URL, pointed at the simulated market and exchange.
PROVIDER_URLS = ("ALPACA_DATA_URL", "BINANCE_FUTURES_URL", "BINANCE_API_URL", "ALPACA_TRADING_URL", "ALPACA_PAPER_URL")
MIN_OBJECTS = 4  # the scenarios act on the first four objects of a kind, and read a second page of two
GOAL_REQUESTS = 3  # the most DynamoDB requests any route should make
IDEMPOTENT = "Idempotency-Key"
SECOND_PAGE = "second page (limit=2)"
STRATEGIES = ("breakout", "swing", "scalp", "trend", "news")
PRICE = Decimal(10)  # every seeded position: 1 share at 10, stop 5, target 20, so no price here closes one
CASH = Decimal(1000)
# Holdings in each seeded portfolio snapshot. The snapshot job writes one row per symbol held, so a user with 500
# positions in 500 symbols has ~60 KB snapshots, which DynamoDB reads 1 MB a Query (projections do not help):
# moto takes minutes to write and read 500 of them, so the bench keeps them small and says so in its notes.
SNAPSHOT_HOLDINGS = 5
ROUTES = RouteTable()
# Routes that run a job on demand, judged as that job: by contract their work grows with the data, as the job's.
JOB_TRIGGERS = {"POST /prices/refresh": "price_update"}
JOB_TRIGGER_NOTE = (
    "POST /prices/refresh is the price_update job run on demand (API.md: it 'runs the price update now and "
    "returns its summary'; the scheduled job runs the same function, the monitor of the changed symbols "
    "included): every active symbol's work, so it cannot be constant in the symbols. It is judged as the job: "
    "its requests within the job's batching for the symbols it ran over (per 100 symbols), not the route goal."
)
IDEMPOTENCY_NOTE = (
    f"Routes that honour {IDEMPOTENT} are measured without it in their world, and once more with a fresh key in "
    "the 'idempotency keys' world (one goal, the same for both users): the key's record is one more item in the "
    "route's own write (goalpost.data.idempotency), so a fresh key adds no request."
)


# ---------------------------------------------------------------- calls and what they cost


@dataclass(frozen=True)
class Call:
    """One measured request. ``second_page``: sent with limit=2 and the X-Next-Token of an unmeasured first
    page; ``idempotent``: sent with a fresh Idempotency-Key; ``as_user``: another user than the world's."""

    method: str
    path: str
    variant: str | None = None
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    public: bool = False
    admin: bool = False
    idempotent: bool = False
    second_page: bool = False
    as_user: str | None = None


@dataclass(frozen=True)
class Measured:
    call: Call
    function: str
    status: int
    requests: Counter[str]  # "service.Operation" -> calls
    error: str | None
    units: dict[str, float] = field(default_factory=dict)  # DynamoDB read and write units (tests.bench.capacity)
    body: Any = None  # the answer (a job trigger's summary is what it is judged on)

    def dynamodb(self) -> Counter[str]:
        return Counter({name.split(".", 1)[1]: n for name, n in self.requests.items() if name.startswith("dynamodb.")})

    def others(self) -> dict[str, int]:
        return {name: n for name, n in sorted(self.requests.items()) if not name.startswith("dynamodb.")}


def measure(api: Api, user: str, call: Call, number: int) -> Measured:
    match = ROUTES.match(call.method, call.path)
    assert match is not None, call.path
    function = match.function.name
    query = dict(call.query)
    if call.second_page:
        query["limit"] = "2"
        first = send(api, user, call, query)
        token = first.headers.get("x-next-token")
        if token is None:
            return Measured(call, function, first.status, Counter(), "no second page to measure")
        query["next_token"] = token
    with Meter().measure() as units:
        reply = send(api, user, call, query, {"idempotency-key": f"bench-{number}"} if call.idempotent else None)
    error = None if 200 <= reply.status < 300 else f"{reply.status} {reply.body}"
    units_used = {"read": units.read, "write": units.write}
    return Measured(call, function, reply.status, units.requests, error, units_used, reply.body)


def send(api: Api, user: str, call: Call, query: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
    return api.call(
        call.method,
        call.path,
        user=None if call.public else call.as_user or user,
        body=call.body,
        query=query,
        headers=headers,
        groups=["admin"] if call.admin else None,
    )


# ---------------------------------------------------------------- seeding


@dataclass(frozen=True)
class Seed:
    """What a world is seeded for: its user, how many objects of each kind, when."""

    user: str
    count: int
    now: datetime
    market: SimulatedMarket

    @property
    def data(self) -> str:
        return get_settings().data_table_name

    @property
    def system(self) -> str:
        return get_settings().system_table_name


@dataclass
class Scenario:
    calls: list[Call]
    seeded: dict[str, int]


def write_serialized(table: str, items: Iterable[dict[str, Any]]) -> None:
    batch_write(table, [{"PutRequest": {"Item": item}} for item in items])


def write_items(table: str, items: Iterable[Item]) -> None:
    write_serialized(table, map(serialize, items))


def profile_item(user: str, **counters: Any) -> Item:
    """The user's profile, with the counters the seeded objects keep on it (goals, unread alerts, cash) and the
    user's entry in the portfolio owners' registry."""
    return {
        "pk": keys.user_pk(user),
        "sk": keys.PROFILE_SK,
        "gsi3pk": keys.users_registry_pk(keys.shard_of(user, keys.USER_SHARDS)),
        "gsi3sk": keys.user_pk(user),
        **counters,
    }


def background_goals(user: str, count: int, now: datetime) -> list[Goal]:
    """Goals of a type budget sync does not measure, as the jobs leave them (the on-track flag recorded, updated
    this month, the percentage marks they have passed announced), so evaluating them again writes nothing: the
    cost of reading 500 goals, not of a first evaluation that writes each of them once."""
    goals = investment_goals(user, count, now, last_on_track=True, latest_period=now.date())
    for goal in goals:
        progress_alerts(goal, now.date(), silent=True)
    return goals


def probe_goal(user: str, now: datetime, *, milestones: int, entries: int) -> tuple[Goal, list[Item]]:
    """The goal the per-goal routes work on (savings 100,000, measured by budget category 'rainy'), with
    ``milestones`` milestones from 50,000 up and ``entries`` daily progress entries up to yesterday, recorded
    by the domain's own rule so the goal's pace and periods agree with them."""
    goal = Goal(
        id=new_id(),
        user_id=user,
        name="Probe",
        type=GoalType.SAVINGS,
        target_amount=Decimal(100_000),
        current_amount=ZERO,
        start_amount=ZERO,
        deadline=now + timedelta(days=200),
        tags=["category:rainy"],
        created_at=now - timedelta(days=entries + 1),
        updated_at=now,
        initial_amount=ZERO,
        milestones=[
            Milestone(id=new_id(), amount=Decimal(50_000 + 1000 * n), description=f"Milestone {n}")
            for n in range(milestones)
        ],
    )
    recorded = [
        record(
            goal,
            value=Decimal(n + 1),
            period_date=(now - timedelta(days=entries - n)).date(),
            now=now,
            source=ProgressSource.MANUAL,
            contribution=Decimal(1),
        )
        for n in range(entries)
    ]
    return goal, [progress_item(user, entry) for entry in recorded]


def link_accounts(seed: Seed, goal: Goal, links: int) -> None:
    """Funding links through the data layer's own transaction (it keeps the goal's allocation total and link
    count): done while the table is still nearly empty, as moto copies the table for every transaction item."""
    for n in range(links):
        source = FundingSource(account_id=f"account-{n:03d}", allocation_percent=Decimal(2))
        funding_store.link(seed.data, seed.user, goal.id, source)


def seed_budgets(seed: Seed) -> None:
    """One budget snapshot a month, for the ``count`` months before this one (the latest is what a template
    without a budget reads)."""
    year, month = seed.now.year, seed.now.month
    for _ in range(seed.count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        snapshot = BudgetSnapshot(
            period_year=year, period_month=month, total_income=Decimal(5000), monthly_expenses=Decimal(3000)
        )
        budget_store.put(seed.data, seed.user, snapshot, seed.now)


def symbol(n: int) -> str:
    return f"S{n:04d}"


def open_positions(user: str, count: int, now: datetime) -> list[Position]:
    """Open positions, each in a symbol of its own: the most prices a portfolio of ``count`` positions needs."""
    return [
        Position.opened(
            user,
            symbol(n),
            Decimal(1),
            PRICE,
            now - timedelta(minutes=count - n),
            stop_loss=Decimal(5),
            take_profit=Decimal(20),
            strategy=STRATEGIES[n % len(STRATEGIES)],
        )
        for n in range(count)
    ]


def closed_positions(user: str, count: int, now: datetime) -> list[Position]:
    """Positions opened and closed over the last days, winners and losers, in every strategy."""
    closed = []
    for n in range(count):
        opened_at = now - timedelta(days=count - n, hours=2)
        position = Position.opened(
            user,
            symbol(n),
            Decimal(1),
            PRICE,
            opened_at,
            stop_loss=Decimal(5),
            strategy=STRATEGIES[n % len(STRATEGIES)],
        )
        exit_price = PRICE + (1 if n % 3 else -1)
        close(position, exit_price=exit_price, exit_time=opened_at + timedelta(hours=1), reason=ExitReason.MANUAL)
        closed.append(position)
    return closed


def aggregate_items(user: str, closed: list[Position]) -> list[Item]:
    """The per-strategy aggregates the close transactions keep (``*``: all strategies)."""
    totals: dict[str, Counter[str]] = {}
    for position in closed:
        for strategy in (ALL_STRATEGIES, position.strategy or ALL_STRATEGIES):
            totals.setdefault(strategy, Counter()).update(contribution(position, +1))
    return [{"pk": keys.user_pk(user), "sk": keys.perf_sk(name), **stats} for name, stats in totals.items()]


def seed_positions(seed: Seed, *, open_count: int, closed_count: int, list_closed: bool = True) -> list[Position]:
    """Open and closed positions with everything kept beside them: the open count, the strategy aggregates,
    the symbols' open counts (what the price update fetches) and a fresh price for each open symbol. The closed
    positions themselves are stored only where a route lists them (``list_closed``); their aggregates always."""
    held = open_positions(seed.user, open_count, seed.now)
    closed = closed_positions(seed.user, closed_count, seed.now)
    count_item = {"pk": keys.user_pk(seed.user), "sk": keys.OPEN_COUNT_SK, "open_count": open_count}
    stored = held + closed if list_closed else held
    write_items(seed.data, [*map(position_item, stored), *aggregate_items(seed.user, closed), count_item])
    symbols = [p.symbol for p in held]
    set_symbol_counts(seed.system, dict.fromkeys(symbols, 1), seed.now)
    put_prices(seed.system, [CachedPrice(symbol=s, price=PRICE, updated_at=seed.now, source="bench") for s in symbols])
    return held


def portfolio_value(held: list[Position], now: datetime) -> Any:
    prices = {p.symbol: CachedPrice(symbol=p.symbol, price=PRICE, updated_at=now, source="bench") for p in held}
    return value_portfolio(held, prices, CASH, now)


def seed_daily_snapshots(seed: Seed, held: list[Position]) -> None:
    """One snapshot a day for the ``count`` days before today, each the day's last 5-minute slot (kept forever),
    in the snapshots table as the snapshot job writes it, holding ``SNAPSHOT_HOLDINGS`` of the open positions."""
    from goalpost.services.snapshots import _snapshot  # the job's own layout (services import Powertools)

    value = portfolio_value(held[:SNAPSHOT_HOLDINGS], seed.now)
    items = []
    for days in range(1, seed.count + 1):
        slot = datetime.combine(seed.now.date() - timedelta(days=days), clock_time(23, 55), tzinfo=UTC)
        items.append(snapshot_item(seed.user, slot, _snapshot(value, slot, seed.now)))
    put_snapshots(get_settings().snapshots_table_name, items)  # into their groups' items, as the job writes


def seeded_alerts(user: str, count: int, now: datetime) -> list[Alert]:
    """Alerts of four types, one a minute back from now, every fifth one read, all released already."""
    types = (AlertType.POSITION_CLOSED, AlertType.MILESTONE_25, AlertType.GOAL_COMPLETED, AlertType.OFF_TRACK)
    alerts = []
    for n in range(count):
        created = now - timedelta(minutes=n + 1)
        kind = types[n % len(types)]
        alerts.append(
            Alert(
                id=new_id(int(created.timestamp() * 1000)),
                user_id=user,
                alert_type=kind,
                goal_id="bench-goal",
                title=f"Alert {n}",
                message=f"Alert {n} of the bench",
                severity=SEVERITY[kind],
                created_at=created,
                delivered_at=created,
                read_at=created if n % 5 == 4 else None,
                channels=[IN_APP_CHANNEL, EVENT_CHANNEL],
            )
        )
    return alerts


def trading_puts(seed: Seed) -> list[dict[str, Any]]:
    """The three trading goals (behind, as the portfolio here leaves them), ``count`` days of the monthly return
    goal's history (the one read; the others' rows would only fill moto's table) and ``count`` logged target
    changes, as the trading store's own Put requests."""
    data, user = seed.data, seed.user
    goals = {kind: TradingGoal.default(kind).model_copy(update={"updated_at": seed.now}) for kind in TradingGoalType}
    puts = [trading_store.goal_put(data, user, goal) for goal in goals.values()]
    read = goals[TradingGoalType.MONTHLY_RETURN]
    puts += [
        trading_store.history_put(data, user, read, seed.now.date() - timedelta(days=n), Decimal(-100))
        for n in range(1, seed.count + 1)
    ]
    for n in range(seed.count):
        changed_at = seed.now - timedelta(hours=n + 1)
        entry = {
            "changed_at": changed_at,
            "portfolio_value": CASH,
            "adjustment_factor": Decimal(1),
            "reason": "Targets updated through the API",
            "updates": {"monthly_income_target": Decimal(2000)},
        }
        puts.append(trading_store.targets_change(data, user, changed_at, new_id(), entry))
    return puts


# ---------------------------------------------------------------- worlds: what each seeds and calls


def new_goal_body() -> dict[str, Any]:
    return {"name": "New", "type": "savings", "target_amount": 5}


def budget_body(now: datetime, rainy: int) -> dict[str, Any]:
    """This month's budget: the probe goal (category 'rainy') moves to ``rainy``."""
    return {"period_year": now.year, "period_month": now.month, "category_totals": {"rainy": rainy}}


# A template that needs a budget: without one in the request, the latest stored budget snapshot is read.
TEMPLATE_BODY = {"template_id": "emergency_fund_6_months"}
EMAILED = {"email": "bench@example.com", "quiet_hours_start": None, "quiet_hours_end": None}
POSITION_BODY = {"quantity": 1, "entry_price": 10, "stop_loss": 5, "take_profit": 20, "strategy": "swing"}


def goal_list(seed: Seed) -> Scenario:
    """The routes over all of a user's goals (lists, dashboard, budget sync) and on goals among many."""
    user, count, now = seed.user, seed.count, seed.now
    goal, _ = probe_goal(user, now, milestones=0, entries=0)
    others = background_goals(user, count, now)
    write_items(seed.data, [profile_item(user, goal_count=count + 1), goal_item(goal), *map(goal_item, others)])
    seed_budgets(seed)
    calls = [
        Call("POST", "/goals", body=new_goal_body()),
        Call("GET", "/goals"),
        Call("GET", "/goals", "status and type", query={"status": "active", "type": "investment"}),
        Call("GET", "/goals", SECOND_PAGE, second_page=True),
        Call("GET", "/goals/dashboard"),
        Call("GET", "/goals/templates"),
        Call("GET", "/goals/templates/debt_free"),
        Call("POST", "/goals/from-template", body=TEMPLATE_BODY),
        Call("POST", "/goals/preview", "a template: reads the latest budget snapshot", body=TEMPLATE_BODY),
        Call("POST", "/goals/preview", "a goal: reads nothing", body=new_goal_body()),
        Call("GET", "/goals/recommendations", "the latest snapshot's surplus over every goal"),  # before the sync
        Call("POST", "/goals/sync-from-budget", "moves one goal: raises one alert", body=budget_body(now, 30_000)),
        Call("POST", f"/goals/{others[0].id}/abandon"),
        Call("DELETE", f"/goals/{others[1].id}", "a goal without children"),
    ]
    return Scenario(calls, {"goals": count + 1, "budget snapshots": count})


def one_goal(seed: Seed) -> Scenario:
    """The routes on one goal and its progress entries, milestones and funding links."""
    user, count, now = seed.user, seed.count, seed.now
    # The routes add a milestone and a funding link: the large user's goal is at each cap after them.
    milestones = min(count, MAX_MILESTONES - 1)
    links = min(count, MAX_LINKS_PER_GOAL - 1)
    goal, entries = probe_goal(user, now, milestones=milestones, entries=count)
    write_items(seed.data, [profile_item(user, goal_count=1), goal_item(goal)])
    link_accounts(seed, goal, links)
    write_items(seed.data, entries)
    base = f"/goals/{goal.id}"
    calls = [
        Call("GET", base),
        Call("PATCH", base, "to 26 %: raises one alert", body={"current_amount": 26_000}),
        Call("POST", f"{base}/pause"),
        Call("POST", f"{base}/resume"),
        Call("GET", f"{base}/progress"),
        Call("POST", f"{base}/progress", body={"contribution_amount": 10}),
        Call("GET", f"{base}/progress/history"),
        Call("GET", f"{base}/progress/history", SECOND_PAGE, second_page=True),
        Call("POST", f"{base}/milestones", body={"amount": 90_000, "description": "Bench"}),
        Call("GET", f"{base}/milestones"),
        Call("GET", f"{base}/milestones/progress"),
        Call(
            "PATCH",
            f"{base}/milestones/{goal.milestones[0].id}",
            "to an amount already reached",
            body={"amount": 20_000, "description": "Bench"},
        ),
        Call("DELETE", f"{base}/milestones/{goal.milestones[-1].id}"),
        Call("POST", f"{base}/funding", body={"account_id": "bench", "allocation_percent": 5}),
        Call("GET", f"{base}/funding"),
        Call("GET", f"{base}/funding", SECOND_PAGE, second_page=True),
        Call("PATCH", f"{base}/funding/bench", body={"allocation_percent": 6}),
        Call("DELETE", f"{base}/funding/account-000"),
        Call("POST", f"{base}/complete"),
        Call("DELETE", base, f"with {count} progress entries, {links} funding links"),
    ]
    seeded = {"progress entries": count, "milestones": milestones, "funding links": links}
    return Scenario(calls, seeded)


def milestones_reached(seed: Seed) -> Scenario:
    """One progress entry that reaches every milestone of a goal at once (and its 25/50/75 % marks)."""
    milestones = min(seed.count, MAX_MILESTONES)
    goal, _ = probe_goal(seed.user, seed.now, milestones=milestones, entries=0)
    write_items(seed.data, [goal_item(goal), profile_item(seed.user, goal_count=1)])
    reach = Call("POST", f"/goals/{goal.id}/progress", f"reaches all {milestones} milestones", body={"value": 99_000})
    return Scenario([reach], {"milestones": milestones})


def idempotency_keys(seed: Seed) -> Scenario:
    """Every route that honours an Idempotency-Key, sent with a fresh one. What the key adds is requests to the
    idempotency table, whatever the user holds, so this world holds one goal and one budget for both users:
    the same calls without a key, in the other worlds, show what the user's objects cost."""
    goal, _ = probe_goal(seed.user, seed.now, milestones=0, entries=0)
    write_items(seed.data, [profile_item(seed.user, goal_count=1), goal_item(goal)])
    budget_store.put(
        seed.data, seed.user, BudgetSnapshot(period_year=2000, period_month=1, monthly_expenses=Decimal(3000)), seed.now
    )
    base = f"/goals/{goal.id}"
    bodies = {
        "/goals": new_goal_body(),
        f"{base}/progress": {"contribution_amount": 10},
        f"{base}/milestones": {"amount": 90_000, "description": "Bench"},
        f"{base}/funding": {"account_id": "bench", "allocation_percent": 5},
        "/goals/from-template": TEMPLATE_BODY,
        "/goals/sync-from-budget": budget_body(seed.now, 30_000),
        "/positions": {"symbol": "NEWA", **POSITION_BODY},
    }
    calls = [Call("POST", path, IDEMPOTENT, body=body, idempotent=True) for path, body in bodies.items()]
    profit = Call("POST", "/goals/record-profit", IDEMPOTENT, query={"profit": "150"}, idempotent=True)
    return Scenario([*calls, profit], {})


def trading_goals(seed: Seed) -> Scenario:
    """The trading goal routes; the evaluation also values the portfolio and reads the personal goals."""
    others = background_goals(seed.user, seed.count, seed.now)
    held = seed_positions(seed, open_count=seed.count, closed_count=0)
    # The profile holds the open positions, as their transactions leave it: manual-snapshot values them there.
    profile = profile_item(seed.user, goal_count=seed.count, cash_balance=CASH, **holdings_of(held))
    write_items(seed.data, [profile, *map(goal_item, others)])
    write_serialized(seed.data, [put["Put"]["Item"] for put in trading_puts(seed)])
    # The month's start value is today's value: the monthly return is 0 and every goal stays 'behind', so no
    # run raises an alert and both users' runs do the same.
    month = month_of(seed.now.date())
    trading_store.set_start_value(seed.data, seed.user, month, portfolio_value(held, seed.now).total_value)
    calls = [
        Call("GET", "/goals/status"),
        Call("GET", "/goals/status", "first use: creates the three goals", as_user=f"{seed.user}-new"),
        Call("GET", "/goals/history/monthly_return", "days=365", query={"days": "365"}),
        Call("PUT", "/goals/targets", query={"monthly_income_target": "3000"}),
        Call("GET", "/goals/targets/history"),
        Call("GET", "/goals/targets/history", SECOND_PAGE, second_page=True),
        Call("POST", "/goals/record-profit", query={"profit": "150"}),
        Call("POST", "/goals/manual-snapshot"),
    ]
    seeded = {
        "goals": seed.count,
        "monthly return history days": seed.count,
        "target changes": seed.count,
        "open positions (one symbol each)": seed.count,
    }
    return Scenario(calls, seeded)


def positions(seed: Seed) -> Scenario:
    """The positions routes: open, list, read, change, close, delete; place, fill and cancel an order."""
    opened = min(seed.count, MAX_OPEN_PER_USER - 2)  # the routes open one and fill one: the large user ends at the cap
    write_items(seed.data, [profile_item(seed.user, cash_balance=CASH)])
    held = seed_positions(seed, open_count=opened, closed_count=seed.count)
    orders = [
        Position.opened(
            seed.user, f"ORD{n}", Decimal(1), PRICE, seed.now, status=PositionStatus.PENDING, bot_id="bot-1"
        )
        for n in range(2)
    ]
    write_items(seed.data, map(position_item, orders))
    calls = [
        Call("POST", "/positions", body={"symbol": "NEWA", **POSITION_BODY}),
        Call("GET", "/positions"),
        Call("GET", "/positions", "status=OPEN", query={"status": "OPEN"}),
        Call("GET", "/positions", "symbol", query={"symbol": held[0].symbol}),
        Call("GET", "/positions", "strategy (a filter, 1 in 5)", query={"strategy": "swing"}),
        Call("GET", "/positions", SECOND_PAGE, second_page=True),
        Call("GET", f"/positions/{held[0].id}"),
        Call("PATCH", f"/positions/{held[0].id}", body={"stop_loss": 4}),
        Call("POST", f"/positions/{held[1].id}/close", "raises one alert (in-app only)", body={"exit_price": 12}),
        Call("DELETE", f"/positions/{held[2].id}"),
        Call("POST", "/positions", "a PENDING order", body={"symbol": "NEWB", **POSITION_BODY, "status": "PENDING"}),
        Call("POST", f"/positions/{orders[0].id}/fill", body={"entry_price": 11}),
        Call("POST", f"/positions/{orders[1].id}/cancel", body={"failed": True}),
        Call("GET", "/positions", "bot_id (its index)", query={"bot_id": "bot-1"}),
        Call("DELETE", f"/positions/{orders[1].id}", "a FAILED order (the item alone)"),
        # With an email address and no quiet hours, the next alert is also emailed at once.
        Call("PATCH", "/alerts/preferences", "sets an email address: creates the user's topic", body=EMAILED),
        Call("POST", f"/positions/{held[3].id}/close", "raises one alert, emailed", body={"exit_price": 12}),
    ]
    return Scenario(calls, {"open positions (one symbol each)": opened, "closed positions": seed.count})


def portfolio(seed: Seed) -> Scenario:
    """The portfolio, performance and prices routes over open positions (one symbol each) and daily
    snapshots; last, the admin price refresh, which moves every price (so the monitor marks every position)."""
    write_items(seed.data, [profile_item(seed.user, cash_balance=CASH)])
    held = seed_positions(seed, open_count=seed.count, closed_count=seed.count, list_closed=False)
    seed_daily_snapshots(seed, held)
    seed.market.configure({"prices": {p.symbol: float(PRICE + 1) for p in held}, "fault": None})
    calls = [
        Call("GET", "/portfolio/cash"),
        Call("PUT", "/portfolio/cash", body={"cash_balance": 1500}),
        Call("GET", "/portfolio/current"),
        Call("GET", "/portfolio/performance", "timeframe=ALL: every daily snapshot", query={"timeframe": "ALL"}),
        Call("GET", "/portfolio/snapshots"),
        Call("GET", "/portfolio/snapshots", SECOND_PAGE, second_page=True),
        Call("GET", "/performance"),
        Call("GET", "/prices", "5 symbols", query={"symbols": ",".join(p.symbol for p in held[:5])}),
        Call("POST", "/prices/refresh", "every open symbol's price moves", admin=True),
    ]
    seeded = {
        "open positions (one symbol each)": seed.count,
        "closed positions (their aggregates)": seed.count,
        f"daily portfolio snapshots ({SNAPSHOT_HOLDINGS} holdings each)": seed.count,
    }
    return Scenario(calls, seeded)


def alerts(seed: Seed) -> Scenario:
    found = seeded_alerts(seed.user, seed.count, seed.now)
    unread = [a for a in found if a.read_at is None]
    write_items(seed.data, [profile_item(seed.user, unread_alerts=len(unread)), *map(alert_item, found)])
    calls = [
        Call("GET", "/alerts"),
        Call("GET", "/alerts", "unread=true", query={"unread": "true"}),
        Call("GET", "/alerts", "unread=false (1 in 5)", query={"unread": "false"}),
        Call("GET", "/alerts", "type", query={"type": AlertType.POSITION_CLOSED.value}),
        Call("GET", "/alerts", "unread and type", query={"unread": "true", "type": AlertType.MILESTONE_25.value}),
        Call("GET", "/alerts", SECOND_PAGE, second_page=True),
        Call("PATCH", f"/alerts/{unread[0].id}/read"),
        Call("GET", "/alerts/preferences"),
        Call("PATCH", "/alerts/preferences", body={"max_alerts_per_day": 7}),
    ]
    return Scenario(calls, {"alerts (1 in 5 read)": seed.count})


def simulated_binance(seed: Seed, name: str, positions: list[dict[str, Any]]) -> ApiCredentials:
    """A Binance USD-M account on the simulated exchange, behind a key of its own."""
    credentials = ApiCredentials(f"{seed.user}-{name}-key", f"{seed.user}-{name}-secret")
    seed.market.exchange.configure(
        {"provider": "binance_futures", "api_key": credentials.key, "api_secret": credentials.secret,
         "can_withdraw": False, "cash": 10000, "positions": positions, "fills": []}
    )  # fmt: skip
    return credentials


def accounts(seed: Seed) -> Scenario:
    """The connected accounts' routes, for a user with ``count`` accounts (each sealed by KMS as connecting
    does) and as many closed positions linked to the one that is synced and then disconnected."""
    linked = simulated_binance(seed, "linked", [{"symbol": "BTCUSDT", "side": "LONG", "quantity": 1,
                                                  "entry_price": 50000, "leverage": 5}])  # fmt: skip
    connected = [account_service.connect(seed.user, Provider.BINANCE_FUTURES, linked, label="bot", now=seed.now)]
    for n in range(seed.count - 1):  # stored as connecting stores them, without asking the exchange each time
        other = Account(id=new_id(), user_id=seed.user, provider=Provider.BINANCE_FUTURES, key_hint=f"{n:04d}",
                        created_at=seed.now)  # fmt: skip
        sealed = vault.seal(ApiCredentials(f"{seed.user}-other{n}", "secret"), user_id=seed.user, account_id=other.id)
        digest = account_store.key_digest(other.provider, f"{seed.user}-other{n}")
        account_store.create(seed.data, seed.system, other, credentials=sealed, digest=digest, fills_from=seed.now)
        connected.append(other)
    history = [
        position.model_copy(update={"account_id": connected[0].id})
        for position in closed_positions(seed.user, seed.count, seed.now)
    ]
    write_items(seed.data, map(position_item, history))
    fresh = simulated_binance(seed, "fresh", [])
    connect = {"provider": "binance_futures", "api_key": fresh.key, "api_secret": fresh.secret, "label": "new"}
    calls = [
        Call("POST", "/accounts", "checks the keys with the provider", body=connect),
        Call("GET", "/accounts"),
        Call("GET", f"/accounts/{connected[0].id}"),
        Call("POST", f"/accounts/{connected[0].id}/sync", "creates the account's position"),
        Call("DELETE", f"/accounts/{connected[0].id}", "unlinks its positions"),
    ]
    return Scenario(calls, {"connected accounts": seed.count, "closed positions of the account": seed.count})


def system(seed: Seed) -> Scenario:
    paths = ("/health", "/openapi.json", "/docs")
    return Scenario([Call("GET", path, public=True) for path in paths], {})


WORLDS: dict[str, Callable[[Seed], Scenario]] = {
    "goal list": goal_list,
    "one goal": one_goal,
    "milestones": milestones_reached,
    "idempotency keys": idempotency_keys,
    "trading goals": trading_goals,
    "positions": positions,
    "portfolio": portfolio,
    "alerts": alerts,
    "accounts": accounts,
    "system": system,
}


# ---------------------------------------------------------------- running and reporting


@contextmanager
def restored_environment() -> Iterator[None]:
    """moto, the market and the handlers are configured through the environment: it is put back afterwards,
    so a test process that runs the bench goes on as before."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        goalpost_aws.reset_clients()


def run_world(name: str, count: int, market: SimulatedMarket, api: Api) -> tuple[list[Measured], dict[str, int]]:
    with LocalAws(prefix=f"bench-{count}"):
        user = f"{name.replace(' ', '-')}-{count}"
        scenario = WORLDS[name](Seed(user, count, datetime.now(UTC), market))
        return [measure(api, user, call, n) for n, call in enumerate(scenario.calls)], scenario.seeded


def route_templates(document: Mapping[str, Any]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(method, path template, pattern) of every operation of the OpenAPI document."""
    return [
        (method.upper(), path, re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"))
        for path, operations in document.get("paths", {}).items()
        for method in operations
    ]


def route_of(call: Call, templates: list[tuple[str, str, re.Pattern[str]]]) -> str:
    """The documented route a call went to (a literal segment wins over a parameter, as in the resolver)."""
    matches = [path for method, path, pattern in templates if method == call.method and pattern.match(call.path)]
    path = min(matches, key=lambda p: p.count("{")) if matches else call.path
    return f"{call.method} {path}"


def row(route: str, small: Measured, large: Measured) -> dict[str, Any]:
    errors = [f"{size}: {m.error}" for size, m in (("small", small), ("large", large)) if m.error]
    return {
        "route": route,
        "variant": large.call.variant,
        "function": large.function,
        "small": sum(small.dynamodb().values()),
        "large": sum(large.dynamodb().values()),
        "operations": dict(sorted(large.dynamodb().items())),
        "read_units": round(large.units.get("read", 0.0), 2),
        "write_units": round(large.units.get("write", 0.0), 2),
        # the cost model's active user has a few of each (positions_per_user): its units are these
        "read_units_small": round(small.units.get("read", 0.0), 2),
        "write_units_small": round(small.units.get("write", 0.0), 2),
        "other_aws": large.others(),
        "status": {"small": small.status, "large": large.status},
        "error": "; ".join(errors) or None,
        "job_trigger": job_trigger(route, small, large),
    }


def price_update_budget(summary: Mapping[str, Any]) -> int:
    """The DynamoDB requests a price update may make for the symbols of its ``summary``, by the job's batching:
    a Query per active-symbol shard, a BatchGetItem per 100 packed price items read back and at most one write
    per price item (``keys.PRICE_SHARDS`` of them, whatever the symbols); then the position monitor over the
    changed symbols: a Query per trigger direction of each, and one per timeout shard."""
    price_items = min(summary["symbols"], keys.PRICE_SHARDS)
    prices = keys.SYMBOL_SHARDS + math.ceil(price_items / 100) + price_items
    return prices + 2 * summary["changed"] + keys.TIMEOUT_SHARDS


JOB_BUDGETS: dict[str, Callable[[Mapping[str, Any]], int]] = {"price_update": price_update_budget}


def job_trigger(route: str, small: Measured, large: Measured) -> dict[str, Any] | None:
    """For a job trigger (``JOB_TRIGGERS``): the job, the symbols each run covered, the requests its batching
    allows for them, and both per 100 symbols; whether both runs stayed within. None for any other route."""
    job = JOB_TRIGGERS.get(route)
    if job is None or not all(isinstance(m.body, dict) and "symbols" in m.body for m in (small, large)):
        return None
    runs = {}
    for size, measured in (("small", small), ("large", large)):
        symbols, requests = measured.body["symbols"], sum(measured.dynamodb().values())
        budget = JOB_BUDGETS[job](measured.body)
        runs[size] = {
            "symbols": symbols,
            "changed": measured.body["changed"],
            "requests": requests,
            "budget": budget,
            "per_100_symbols": round(100 * requests / max(symbols, 1), 1),
            "budget_per_100_symbols": round(100 * budget / max(symbols, 1), 1),
        }
    return {"job": job, **runs, "within": all(run["requests"] <= run["budget"] for run in runs.values())}


def meets_goal(entry: Mapping[str, Any]) -> bool:
    """A route: at most GOAL_REQUESTS, the same for both users; a job trigger: within its job's batching."""
    trigger = entry.get("job_trigger")
    if trigger is not None:
        return bool(trigger["within"])
    return entry["small"] == entry["large"] and max(entry["small"], entry["large"]) <= GOAL_REQUESTS


def label(entry: Mapping[str, Any]) -> str:
    return entry["route"] + (f" [{entry['variant']}]" if entry["variant"] else "")


def compare_world(
    name: str, counts: dict[str, int], market: SimulatedMarket, api: Api, progress: Callable[[str], None]
) -> tuple[list[tuple[Measured, Measured]], dict[str, dict[str, int]]]:
    """Runs one world for each user size: the (small, large) measurements of each call, and what was seeded."""
    runs = {}
    for size, count in counts.items():
        started = time.perf_counter()
        runs[size] = run_world(name, count, market, api)
        progress(f"routes: {name}, {count} objects: {time.perf_counter() - started:.1f} s")
    (small, few), (large, many) = runs["small"], runs["large"]
    seeded = {kind: {"small": few[kind], "large": many[kind]} for kind in many}
    return list(zip(small, large, strict=True)), seeded


def run(progress: Callable[[str], None], *, small: int = SMALL, large: int = LARGE) -> dict[str, Any]:
    """DynamoDB requests of every route for a user with ``small`` and with ``large`` objects of each kind."""
    if min(small, large) < MIN_OBJECTS:
        raise ValueError(f"the scenarios need at least {MIN_OBJECTS} objects of each kind")
    started = time.perf_counter()
    api = Api()
    rows: list[dict[str, Any]] = []
    seeded: dict[str, dict[str, dict[str, int]]] = {}
    # moto's UpdateExpressions checked and parsed once (the same answers; tests/bench/moto_update_checks.py).
    with restored_environment(), faster_update_expressions():
        for name, value in QUIET_ENV.items():
            os.environ.setdefault(name, value)
        market = SimulatedMarket(credentials=LOCAL_ALPACA_CREDENTIALS).start()
        os.environ.update({name: market.url for name in PROVIDER_URLS})
        try:
            templates = route_templates(api.get("/openapi.json", user=None).body)
            for name in WORLDS:
                pairs, seeded[name] = compare_world(name, {"small": small, "large": large}, market, api, progress)
                rows += [row(route_of(many.call, templates), few, many) for few, many in pairs]
        finally:
            market.stop()
    documented = {f"{method} {path}" for method, path, _ in templates}
    return summary(rows, seeded, documented, small, large, time.perf_counter() - started)


def summary(
    rows: list[dict[str, Any]],
    seeded: dict[str, Any],
    documented: set[str],
    small: int,
    large: int,
    seconds: float,
) -> dict[str, Any]:
    routes = [r for r in rows if r.get("job_trigger") is None]  # the job triggers are judged as their jobs
    return {
        "routes": rows,
        "objects": {"small": small, "large": large},
        "max_requests": max((max(r["small"], r["large"]) for r in routes), default=0),
        "all_equal": all(r["small"] == r["large"] for r in routes),
        "over_goal": [label(r) for r in routes if max(r["small"], r["large"]) > GOAL_REQUESTS],
        "unequal": [label(r) for r in routes if r["small"] != r["large"]],
        "job_triggers_over_budget": [label(r) for r in rows if r["job_trigger"] and not r["job_trigger"]["within"]],
        "failed": [label(r) for r in rows if r["error"]],
        "missing": sorted(documented - {r["route"] for r in rows}),
        "seeded": seeded,
        "job_trigger_note": JOB_TRIGGER_NOTE,
        "notes": [
            IDEMPOTENCY_NOTE,
            f"A goal has at most {MAX_MILESTONES} milestones and {MAX_LINKS_PER_GOAL} funding links, and a user at "
            f"most {MAX_OPEN_PER_USER} open positions: the large user is seeded up to each cap less what the "
            "routes add (see 'seeded').",
            "Each world (see 'seeded') is a moto of its own holding one user with the kinds its routes touch.",
            f"Portfolio snapshots hold {SNAPSHOT_HOLDINGS} holdings each; the job writes one per symbol held, and "
            "DynamoDB reads them 1 MB a Query, so fatter ones make the snapshot and chart reads page.",
        ],
        "goal_requests": GOAL_REQUESTS,
        "seconds": round(seconds, 1),
    }


def render(result: Mapping[str, Any]) -> str:
    """The table: route, function, requests with few and with many objects, and the operations (many); a row
    over the goal, unequal or failed is marked with '!'."""
    objects = result["objects"]
    width = max(len(label(r)) for r in result["routes"])
    lines = [f"  {'route':{width}} {'function':18} {objects['small']:>4} {objects['large']:>4}  operations (large)"]
    for r in result["routes"]:
        flag = "!" if not meets_goal(r) or r["error"] else " "
        ops = ", ".join(f"{name} {n}" for name, n in r["operations"].items())
        error = f"  ERROR {r['error']}" if r["error"] else ""
        lines.append(f"{flag} {label(r):{width}} {r['function']:18} {r['small']:>4} {r['large']:>4}  {ops}{error}")
    lines += [
        "",
        f"max requests {result['max_requests']} (goal {GOAL_REQUESTS}; job triggers apart); all equal: "
        f"{result['all_equal']}; job triggers over their job's budget: {result['job_triggers_over_budget'] or 'none'}; "
        f"failed: {len(result['failed'])}; missing: {result['missing'] or 'none'}; {result['seconds']} s",
        result["job_trigger_note"],
        *result["notes"],
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=SMALL, help="objects of each kind of the small user")
    parser.add_argument("--large", type=int, default=LARGE, help="objects of each kind of the large user")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(
        lambda message: print(f"  .. {message}", file=sys.stderr, flush=True), small=args.small, large=args.large
    )
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0 if not result["failed"] and not result["missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
