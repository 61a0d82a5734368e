"""The cost model: dollars per active user per month and per million API calls at 1,000,000 users, and how many
workers each job needs to finish 1,000,000 users inside its cadence, computed from what the bench measured
(request counts, read and write units, warm durations) and the published AWS prices below.

Everything that is an assumption rather than a measurement is a named constant here and is printed with the
result in docs/cost.md, so a reader can disagree with a number and see what follows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

# ---------------------------------------------------------------- published prices (us-east-1, on-demand)
# AWS price pages, November 2026: Lambda, API Gateway (HTTP APIs), DynamoDB (on-demand, Standard table class),
# SQS (standard), SNS, Step Functions (Express), CloudWatch Logs.
PRICES: dict[str, tuple[float, str]] = {
    "lambda_gb_second": (0.0000133334, "Lambda, arm64, per GB-second (first tier)"),
    "lambda_request": (0.20 / 1e6, "Lambda, per request"),
    "http_api_request": (1.00 / 1e6, "API Gateway HTTP API, per request (first 300 M a month)"),
    "write_unit": (0.625 / 1e6, "DynamoDB on-demand, per write request unit"),
    "write_capacity_unit_hour": (0.00065, "DynamoDB provisioned, per write capacity unit-hour"),
    "read_unit": (0.125 / 1e6, "DynamoDB on-demand, per read request unit"),
    "storage_gb_month": (0.25, "DynamoDB Standard, per GB-month stored (first 25 GB free, ignored)"),
    "sqs_request": (0.40 / 1e6, "SQS standard, per request (64 KB chunk)"),
    "sns_publish": (0.50 / 1e6, "SNS, per publish (64 KB chunk)"),
    "sns_email": (2.00 / 1e5, "SNS email delivery, per message"),
    "express_request": (1.00 / 1e6, "Step Functions Express, per workflow request"),
    "express_gb_second": (0.00001667, "Step Functions Express, per GB-second (64 MB minimum)"),
    "log_gb": (0.50, "CloudWatch Logs, per GB ingested"),
    "kms_request": (0.03 / 1e4, "KMS, per API request (Decrypt, GenerateDataKey; symmetric keys)"),
    "provider_request": (0.0, "Binance and Alpaca read requests: free, but rate-limited (see the sync's limits)"),
}


ZERO_CASH = Decimal(0)
ONE = Decimal(1)


def price(name: str) -> float:
    return PRICES[name][0]


# ---------------------------------------------------------------- the workload (assumptions)
USERS = 1_000_000
DAYS = 30
SLOTS_PER_DAY = 24 * 12  # 5-minute snapshot slots
MONITOR_RUNS = DAYS * 24 * 20  # every 3 minutes
PRICE_RUNS = DAYS * 24 * 360  # every 10 seconds
# US equities: 6.5 h a day on 21 trading days a month; crypto: always.
STOCK_HOURS = 6.5 * 21
PROFILES: dict[str, dict[str, Any]] = {
    # trading_share: the share of the month the user's markets trade (their prices move then); holding: a symbol
    # of the profile's market, which decides the slots the snapshot schedule records (``snapshot_plan``).
    "stocks": {"trading_share": STOCK_HOURS / (DAYS * 24), "holding": "AAPL"},
    "crypto": {"trading_share": 1.0, "holding": "BTCUSDT"},
}
# The schedule's snapshots are counted over four whole weeks (from a Monday) and scaled to the 30-day month.
PLAN_START = datetime(2026, 11, 2, tzinfo=UTC)
PLAN_DAYS = 28
KEPT_DAYS = 365  # daily points are kept forever; the model keeps a year of them
ITEM_OVERHEAD_BYTES = 100  # DynamoDB's storage overhead per item (and per index copy)
API_CALLS_PER_USER = 300  # 10 a day: the app opened a few times, a position or progress entry recorded
READ_SHARE = 0.8  # of API calls that only read
POSITIONS_PER_USER = 5
ALERTS_PER_USER = 10  # a month, each published once as an event and sent by email
LOG_BYTES_PER_INVOCATION = 1200  # the function's JSON log lines plus Lambda's START/END/REPORT
COLD_START_SHARE = 0.02  # of API invocations that start a new execution environment (init is billed)
SYMBOLS = 10_000  # active symbols at 1,000,000 users
TRAILING_SHARE = 0.2  # of open positions with a trailing stop
PEAKS_PER_NEW_BEST = 0.5  # a trailing stop's peaks recorded per new best price (recorded_peaks)
AUTO_CLOSES_PER_USER = 10  # positions a month the monitor closes on a level
GOAL = 0.005  # dollars per active user per month

# ---------------------------------------------------------------- connected accounts' sync (as designed)
# The account_sync job: every minute a coordinator (reads nothing) queues one message per accounts-registry
# shard; a worker (batch size 1) Queries its shard's account items (gsi3 ``ACCOUNTS#<shard>``) and syncs each
# account with its provider, writing only when something changed (its shard's run record says when the others
# were synced: data.sync_runs). Credentials are sealed under data keys shared by a shard (edges.accounts.vault).
CONNECTED_SHARE = 0.10  # of users connect one account
PROVIDER_SHARES = {"binance": 0.5, "alpaca": 0.5}
SYNC_RUNS = DAYS * 24 * 60  # every minute
HOLDING_SHARE = 0.3  # of accounts hold positions: Binance's userTrades calls and the open-positions Query
SYMBOLS_PER_HOLDING_ACCOUNT = 2  # Binance userTrades is per symbol: the symbols of interest of such an account
# Binance USD-M futures requests of one sync and their documented request weights.
BINANCE_WEIGHTS = {"GET /fapi/v2/account": 5, "GET /fapi/v2/positionRisk": 5}
BINANCE_TRADES_WEIGHT = 5  # GET /fapi/v1/userTrades, once per symbol of interest
ALPACA_REQUESTS = ("GET /v2/account", "GET /v2/positions", "GET /v2/account/activities/FILL")  # one page each
# The account item, its sealed credentials included (~370 bytes: the wrapped data key, nonce, cipher text, tag).
ACCOUNT_ITEM_BYTES = 1200
PROFILE_ITEM_BYTES = 1000  # the owner's profile: the registry's holdings and each account's cash
# The user's open positions (gsi1, filtered by account; eventually consistent): five positions, one 4 KB unit.
# Read by a scheduled sync when the provider shows positions, else once every FULL_CHECK_MINUTES.
POSITIONS_QUERY_READ_UNITS = 0.5
# What makes a sync write (one that changed nothing writes nothing). Each change is one transaction with the
# account's update, the sync's record included when it is the last: opens and closes; then, an hour after a
# change's fills, the record that moves the fills' window past them; and the cash that moves by itself.
SYNC_CLOSES_PER_ACCOUNT = 20  # a month: fills that close a position (an ~8-item transaction each)
SYNC_OPENS_PER_ACCOUNT = 20  # a month: positions the sync creates (the ones it later closes)
# A create: the position (1 KB, 2 units in a transaction) and its 3 index copies, the symbol count (2), the profile's
# holding (2, and its gsi3 copy 1), the owner's open count (2), the account (2 KB: 4, and its gsi3 copy 2).
OPEN_WRITE_UNITS = 18
WINDOW_MOVES_PER_ACCOUNT = SYNC_OPENS_PER_ACCOUNT + SYNC_CLOSES_PER_ACCOUNT  # one record an hour after each change
BINANCE_FUNDINGS_PER_DAY = 3  # every 8 h funding moves a holding account's wallet, so its cash: a record write
RUN_RECORD_WRITE_UNITS = 1  # a shard's run record: its moment and 6 bytes per account it missed (few), < 1 KB
RUN_RECORD_READ_UNITS = 0.5  # the worker reads its shard's last run (eventually consistent)
# KMS: a worker environment opens each shard's data key once (vault.DATA_KEY_CACHE_SECONDS outlives it), and
# meets every shard over its life (a shard's message goes to any environment). AWS recycles Lambda environments
# within hours; the shorter their life, the more Decrypts.
SYNC_ENVIRONMENT_HOURS = 2
# Environments of the accounts API sealing at once: each asks GenerateDataKey at most once a
# vault.SEAL_KEY_SECONDS while it connects accounts (an upper bound: every window of the month).
CONNECTING_ENVIRONMENTS = 2
SYNC_SECONDS_PER_ACCOUNT = 0.150  # wall time of one account's sync: the providers' latency
# CPU time of one sync at one full vCPU, measured against the local simulators (tests/handlers over moto and the
# simulated exchange, one thread): 2.0 ms for an account holding nothing (the vault's AES-GCM open, the signed
# requests, their JSON, reconcile); ~3.6 ms holding (userTrades, the positions' Query's client side); plus the
# registry item's share of its page (~0.3 ms). Weighted by HOLDING_SHARE: 2.8 ms (docs/performance.md).
SYNC_CPU_SECONDS_PER_ACCOUNT = 0.0028
SYNC_COORDINATOR_MS = 100
SYNC_COORDINATOR_MEMORY_MB = 512
# The providers' rate limits.
BINANCE_WEIGHT_PER_MINUTE = 2400  # USD-M futures REQUEST_WEIGHT, per IP
BINANCE_PACED_WEIGHT = 2000  # a worker stops calling Binance at this X-MBX-USED-WEIGHT-1M until the next minute
ALPACA_REQUESTS_PER_MINUTE = 200  # per API key, i.e. per account

# ---------------------------------------------------------------- the snapshots table (provisioned, as declared)
# Its write capacity follows the paced writers (declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND): auto scaling keeps
# the provisioned units at the writers' rate / the target utilisation, and the writers write a slot's snapshots
# in SNAPSHOT_WRITE_SPREAD of its 5 minutes, idle the rest; so a unit-hour carries target x spread of the
# writes it could. The minimum capacity (5 units) is shared by every user: nothing at 1,000,000.


# ---------------------------------------------------------------- latencies for the worker arithmetic
# AWS's own figures for requests inside a region, conservative: single-digit ms for DynamoDB item reads and
# writes, more for batches and transactions; SQS tens of ms.
LATENCY_SECONDS = {
    "GetItem": 0.006,
    "PutItem": 0.008,
    "UpdateItem": 0.008,
    "DeleteItem": 0.008,
    "Query": 0.010,
    "BatchGetItem": 0.015,
    "BatchWriteItem": 0.025,
    "TransactWriteItems": 0.030,
    "TransactGetItems": 0.020,
    "SendMessageBatch": 0.030,
    "Publish": 0.030,
}
DEFAULT_LATENCY = 0.010
UTILISATION = 0.5  # a job must finish in half its cadence, leaving room for retries and slow partitions


@dataclass(frozen=True)
class Line:
    """One line of the bill for one user in a month: what, how many, at what unit price."""

    what: str
    quantity: float
    unit_price: float

    @property
    def dollars(self) -> float:
        return self.quantity * self.unit_price

    def as_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "quantity": round(self.quantity, 3),
            "unit_price": self.unit_price,
            "dollars": self.dollars,
        }


def units_lines(what: str, count: float, read_units: float, write_units: float) -> list[Line]:
    """``count`` times an operation that reads and writes the given units."""
    return [
        Line(f"{what}: DynamoDB reads", count * read_units, price("read_unit")),
        Line(f"{what}: DynamoDB writes", count * write_units, price("write_unit")),
    ]


def lambda_lines(what: str, invocations: float, milliseconds: float, memory_mb: int) -> list[Line]:
    gb_seconds = invocations * max(1.0, milliseconds) / 1000 * memory_mb / 1024
    return [
        Line(f"{what}: Lambda requests", invocations, price("lambda_request")),
        Line(f"{what}: Lambda GB-seconds", gb_seconds, price("lambda_gb_second")),
        Line(f"{what}: logs (GB)", invocations * LOG_BYTES_PER_INVOCATION / 1e9, price("log_gb")),
    ]


def api_lines(api: dict[str, Any]) -> list[Line]:
    """The user's API calls: the gateway, the function (warm duration, plus the billed init of cold starts) and
    the read and write units per call, averaged over the routes measured (reads weighted ``READ_SHARE``)."""
    calls = API_CALLS_PER_USER
    milliseconds = api["warm_ms"] + COLD_START_SHARE * api["cold_ms"]
    return [
        Line("API: HTTP API requests", calls, price("http_api_request")),
        *lambda_lines("API", calls, milliseconds, api["memory_mb"]),
        *units_lines("API", calls, api["read_units_per_call"], api["write_units_per_call"]),
    ]


@cache
def snapshot_plan(profile: str) -> dict[str, float]:
    """What the snapshot schedule does for one user of ``profile`` in a month, by the job's own rules
    (``services.snapshots.due`` and ``kept_tier``, the declared price routes): the slots it records (each one
    item and its total in its group's totals item, whatever tiers it closes), and the items kept at the month's
    end (each until its kept tier's ``expires_at``)."""
    from goalpost.data.holdings import HeldPosition
    from goalpost.data.registry import Owner
    from goalpost.data.snapshots import expires_at
    from goalpost.domain.charts import SLOT
    from goalpost.domain.positions import Side
    from goalpost.services.snapshots import _due_at, kept_tier
    from goalpost.settings import Settings

    symbol = PROFILES[profile]["holding"]
    owner = Owner("model", ZERO_CASH, {"p": HeldPosition(symbol, Side.LONG, ONE, ONE)})
    due_at = _due_at(owner, Settings().price_routes)  # the declared default routes
    end = PLAN_START + timedelta(days=PLAN_DAYS)
    slots = kept = 0.0
    slot = end - timedelta(days=KEPT_DAYS)
    while slot < end:
        if due_at(slot):
            if slot >= PLAN_START:
                slots += 1
            expiry = expires_at(slot, kept_tier(slot, due_at))
            if expiry is None or expiry > end.timestamp():
                kept += 1
        slot += SLOT
    scale = DAYS / PLAN_DAYS
    return {"slots": slots * scale, "item_writes": slots * scale, "kept_copies": kept}


def snapshot_table_assumptions() -> dict[str, Any]:
    """The snapshots table's declared capacity and the writers' pace: what the provisioned price follows from."""
    from goalpost import declaration
    from goalpost.data.snapshots import GROUPS_PER_SHARD

    capacity = declaration.SNAPSHOTS_TABLE.capacity
    assert capacity is not None
    return {
        "totals_groups_per_registry_shard": GROUPS_PER_SHARD,
        "target_utilisation_percent": capacity.write_target,
        "write_units_min_max": (capacity.min_write, capacity.max_write),
        "writers": declaration.SNAPSHOT_WRITERS,
        "write_units_per_second_per_writer": declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND,
        "write_spread": declaration.SNAPSHOT_WRITE_SPREAD,
        "dollars_per_write_unit": snapshot_write_unit_price(),
        "dollars_per_write_unit_on_demand": price("write_unit"),
    }


def snapshot_write_unit_price() -> float:
    """A write unit on the snapshots table's provisioned capacity: the unit-hour's price over the writes it
    carries at the target utilisation while the paced writers write (``SNAPSHOT_WRITE_SPREAD`` of the time)."""
    from goalpost import declaration

    capacity = declaration.SNAPSHOTS_TABLE.capacity
    assert capacity is not None
    utilisation = capacity.write_target / 100 * declaration.SNAPSHOT_WRITE_SPREAD
    return price("write_capacity_unit_hour") / 3600 / utilisation


def snapshot_lines(snapshot: dict[str, Any], profile: str) -> list[Line]:
    """Every slot: one message per registry shard (``keys.USER_SHARDS``), each worker reading its shard's
    registry items and its symbols' packed prices; then the snapshots of the users ``due`` in the slot, written
    25 a request (the worker's time is billed for every slot, as if every user were due: an upper bound)."""
    plan = snapshot_plan(profile)
    slots = SLOTS_PER_DAY * DAYS
    messages = slots * snapshot["shards"] / USERS  # this user's share of the run's messages
    # Per message: send (amortised over a 10-message batch), receive and delete (the event source mapping).
    sqs_requests = messages * (1 / 10 + 2)
    return [
        Line("snapshots: DynamoDB reads", slots * snapshot["read_units_per_user"], price("read_unit")),
        Line(
            "snapshots: DynamoDB writes (provisioned; its shares of its group's items)",
            plan["item_writes"] * snapshot["write_units_per_item"],
            snapshot_write_unit_price(),
        ),
        Line("snapshots: SQS requests", sqs_requests, price("sqs_request")),
        *lambda_lines("snapshots", messages, snapshot["worker_ms_per_message"], snapshot["memory_mb"]),
    ]


def new_bests(trading_share: float) -> float:
    """New best prices a trailing stop sees in a month: the records of a random walk of one step a price update
    while its market trades, about sqrt(2n / pi) for n steps of +-1 (the model's least certain count: a walk of
    continuous steps makes about sqrt(2) as many, and a position closed and replaced restarts its records;
    docs/performance.md prices that range)."""
    return math.sqrt(2 * PRICE_RUNS * trading_share / math.pi)


def recorded_peaks(trading_share: float) -> float:
    """The best prices the monitor records in a month: one at the end of each run of new bests (it records a
    peak when the price turns: ``services.monitor``). After a new best the next step of a symmetric walk is
    another with probability 1/2, so the runs are 2 long on average (``PEAKS_PER_NEW_BEST``; a test walks it)."""
    return new_bests(trading_share) * PEAKS_PER_NEW_BEST


def monitor_lines(monitor: dict[str, Any], trading_share: float) -> list[Line]:
    """The monitor reads per symbol, not per position: two Queries a symbol after each price update that moved it
    (every 10 s while its market trades) and in every 3-minute run, shared by all users. It writes only when it
    acts: a trailing stop's new best price, and a close."""
    symbol_runs = (MONITOR_RUNS + PRICE_RUNS * trading_share) * SYMBOLS / USERS
    trailing = POSITIONS_PER_USER * TRAILING_SHARE * recorded_peaks(trading_share)
    return [
        Line(
            "monitor (per symbol, shared): DynamoDB reads",
            symbol_runs * monitor["read_units_per_symbol"],
            price("read_unit"),
        ),
        *units_lines(
            "monitor: trailing stops' peaks",
            trailing,
            monitor["read_units_per_trail"],
            monitor["write_units_per_trail"],
        ),
        *units_lines(
            "monitor: automatic closes",
            AUTO_CLOSES_PER_USER,
            monitor["read_units_per_close"],
            monitor["write_units_per_close"],
        ),
    ]


def shared_lines(prices: dict[str, Any], end_of_day: dict[str, Any]) -> list[Line]:
    """What does not grow with one user's activity: the price update (shared by all users) and the daily
    evaluation of the user's goals, plus alerts."""
    per_user_price_runs = PRICE_RUNS / USERS
    return [
        *units_lines(
            "price update (shared)", per_user_price_runs, prices["read_units_per_run"], prices["write_units_per_run"]
        ),
        Line("price update: Express workflow requests (shared)", DAYS * 24 * 60 / USERS, price("express_request")),
        *units_lines("end of day", DAYS, end_of_day["read_units_per_user"], end_of_day["write_units_per_user"]),
        Line("alerts: SNS event publishes", ALERTS_PER_USER, price("sns_publish")),
        Line("alerts: email deliveries", ALERTS_PER_USER, price("sns_email")),
    ]


def storage_lines(snapshot: dict[str, Any], profile: str) -> list[Line]:
    """Snapshots kept: 5-minute points 2 days, 30-minute 8, hourly 31, 3-hourly 92, daily forever (a year here),
    each slot by the tier it is kept by: a snapshot's measured share of its group's snapshots and totals items
    (their bytes and its part of the items), each item plus DynamoDB's per-item overhead. A group's items are
    kept as long as their longest-kept member's snapshot: as long as each's in a group of one profile."""
    kept = snapshot_plan(profile)["kept_copies"]
    per_slot = snapshot["bytes_per_snapshot"] + snapshot["items_per_snapshot"] * ITEM_OVERHEAD_BYTES
    return [Line("storage: snapshots (GB-month)", kept * per_slot / 1e9, price("storage_gb_month"))]


def connected_accounts() -> float:
    return USERS * CONNECTED_SHARE


def kilobytes(size_bytes: int) -> int:
    """DynamoDB's write units round each item up to a whole KB."""
    return math.ceil(size_bytes / 1024)


def sync_worker() -> Any:
    from goalpost import declaration

    worker = declaration.JOBS_BY_NAME["account_sync"].worker
    assert worker is not None
    return worker


def sync_threads() -> int:
    from goalpost.services.account_sync import SYNC_THREADS

    return SYNC_THREADS


def full_check_minutes() -> int:
    from goalpost.services.account_sync import FULL_CHECK_MINUTES

    return FULL_CHECK_MINUTES


def sync_billed_seconds_per_account() -> float:
    """A worker's billed time per account: its share of the shard's wall time (the providers' latency,
    ``SYNC_THREADS`` accounts at once), or its CPU time at the worker's share of a vCPU when that is longer (it
    is: the waits overlap, the CPU does not)."""
    waiting = SYNC_SECONDS_PER_ACCOUNT / sync_threads()
    computing = SYNC_CPU_SECONDS_PER_ACCOUNT * FULL_VCPU_MB / sync_worker().memory_mb
    return max(waiting, computing)


def kms_decrypts_per_account() -> float:
    """KMS Decrypts a month per account: every worker environment opens every shard's data key once a life."""
    from goalpost import declaration
    from goalpost.data import keys

    environments = declaration.JOBS_BY_NAME["account_sync"].max_workers or 1
    lives = DAYS * 24 / SYNC_ENVIRONMENT_HOURS
    return environments * keys.ACCOUNT_SHARDS * lives / connected_accounts()


def kms_data_keys_made_per_account() -> float:
    """GenerateDataKey a month per account, at most: each connecting environment, every sealing window."""
    from goalpost.edges.accounts.vault import SEAL_KEY_SECONDS

    return CONNECTING_ENVIRONMENTS * DAYS * 24 * 3600 / SEAL_KEY_SECONDS / connected_accounts()


def positions_query_share() -> float:
    """The share of scheduled syncs that Query the account's open positions."""
    return HOLDING_SHARE + (1 - HOLDING_SHARE) / full_check_minutes()


def record_writes_per_account(provider: str) -> float:
    """The sync's records a month that go with no change: the fills' window moving on, Binance's funding."""
    funding = BINANCE_FUNDINGS_PER_DAY * DAYS * HOLDING_SHARE if provider == "binance" else 0.0
    return WINDOW_MOVES_PER_ACCOUNT + funding


def binance_weight(holding: bool) -> int:
    """The request weight of one Binance account's sync."""
    return sum(BINANCE_WEIGHTS.values()) + (BINANCE_TRADES_WEIGHT * SYMBOLS_PER_HOLDING_ACCOUNT if holding else 0)


def provider_requests_per_sync(provider: str) -> float:
    if provider == "binance":
        return len(BINANCE_WEIGHTS) + HOLDING_SHARE * SYMBOLS_PER_HOLDING_ACCOUNT
    return len(ALPACA_REQUESTS)


def record_write_units() -> int:
    """The write that records a sync: a transaction of the account item and the owner's profile (2 units a KB
    an item), plus each item's copy in gsi3, where both are (the accounts and the users registries, projected
    ALL; 1 unit a KB)."""
    item_kilobytes = kilobytes(ACCOUNT_ITEM_BYTES) + kilobytes(PROFILE_ITEM_BYTES)
    return 2 * item_kilobytes + item_kilobytes


def sync_lines(provider: str, monitor: dict[str, Any]) -> list[Line]:
    """One connected account's month. Per sync: its provider's requests; its item in the registry Query
    (eventually consistent, 4 KB a half unit); the open-positions Query when due (``positions_query_share``).
    Writes only for changes: opens, closes (the monitor's measured close plus the account item, in the
    transaction and in gsi3), and records without a change. The account's share of KMS (data keys, not
    accounts) and of the per-run costs: the shard run records, the coordinator, the shard messages, the worker
    invocations (``sync_billed_seconds_per_account``)."""
    from goalpost.data import keys

    accounts = connected_accounts()
    account_kilobytes = kilobytes(ACCOUNT_ITEM_BYTES)
    close_write_units = monitor["write_units_per_close"] + 2 * account_kilobytes + account_kilobytes
    shard_runs = SYNC_RUNS * keys.ACCOUNT_SHARDS / accounts  # this account's share of the shards' runs
    # Per run: the sends (10 a batch), then a receive and a delete a message (the event source mapping).
    sqs_requests = SYNC_RUNS * (math.ceil(keys.ACCOUNT_SHARDS / 10) + 2 * keys.ACCOUNT_SHARDS) / accounts
    shard_ms = 1000 * sync_billed_seconds_per_account() * accounts / keys.ACCOUNT_SHARDS
    return [
        Line("provider requests", SYNC_RUNS * provider_requests_per_sync(provider), price("provider_request")),
        Line("KMS Decrypt requests (shards' data keys)", kms_decrypts_per_account(), price("kms_request")),
        Line("KMS GenerateDataKey requests (connects)", kms_data_keys_made_per_account(), price("kms_request")),
        Line(
            "DynamoDB reads: the accounts registry",
            SYNC_RUNS * ACCOUNT_ITEM_BYTES / 4096 / 2,
            price("read_unit"),
        ),
        Line(
            "DynamoDB reads: open positions",
            SYNC_RUNS * positions_query_share() * POSITIONS_QUERY_READ_UNITS,
            price("read_unit"),
        ),
        Line("DynamoDB reads: shard run records", shard_runs * RUN_RECORD_READ_UNITS, price("read_unit")),
        Line("DynamoDB writes: shard run records", shard_runs * RUN_RECORD_WRITE_UNITS, price("write_unit")),
        Line(
            "DynamoDB writes: records alone (account, profile)",
            record_writes_per_account(provider) * record_write_units(),
            price("write_unit"),
        ),
        Line("DynamoDB writes: opens", SYNC_OPENS_PER_ACCOUNT * OPEN_WRITE_UNITS, price("write_unit")),
        Line("DynamoDB writes: closes", SYNC_CLOSES_PER_ACCOUNT * close_write_units, price("write_unit")),
        Line("SNS: position_closed events", SYNC_CLOSES_PER_ACCOUNT, price("sns_publish")),
        Line("SQS requests", sqs_requests, price("sqs_request")),
        *lambda_lines("worker", shard_runs, shard_ms, sync_worker().memory_mb),
        *lambda_lines("coordinator", SYNC_RUNS / accounts, SYNC_COORDINATOR_MS, SYNC_COORDINATOR_MEMORY_MB),
    ]


def sync_dollars_per_account(monitor: dict[str, Any]) -> float:
    """A connected account's month, averaged over the providers' shares."""
    return sum(
        share * sum(line.dollars for line in sync_lines(provider, monitor))
        for provider, share in PROVIDER_SHARES.items()
    )


def sync_rate_limits() -> dict[str, Any]:
    """Binance limits the request weight per IP, summed over every account synced from it; Alpaca limits the
    requests per API key, i.e. per account, so the job's total does not meet Alpaca's limit at all."""
    binance_accounts = connected_accounts() * PROVIDER_SHARES["binance"]
    weight = binance_weight(holding=True)
    mean_weight = HOLDING_SHARE * weight + (1 - HOLDING_SHARE) * binance_weight(holding=False)
    paced = BINANCE_PACED_WEIGHT // weight
    alpaca_requests = len(ALPACA_REQUESTS)
    return {
        "binance": {
            "accounts": binance_accounts,
            "weight_per_sync": weight,
            "weight_per_sync_without_positions": binance_weight(holding=False),
            "mean_weight_per_sync": mean_weight,
            "weight_per_minute": binance_accounts * weight,
            "ips_for_every_minute": math.ceil(binance_accounts * weight / BINANCE_WEIGHT_PER_MINUTE),
            "ips_for_every_minute_mean": math.ceil(binance_accounts * mean_weight / BINANCE_WEIGHT_PER_MINUTE),
            "limit_per_ip_minute": BINANCE_WEIGHT_PER_MINUTE,
            "paced_weight": BINANCE_PACED_WEIGHT,
            "accounts_per_ip_minute": BINANCE_WEIGHT_PER_MINUTE // weight,
            "paced_accounts_per_ip_minute": paced,
            # If every worker's requests left from one IP: how long until each account is synced again.
            "minutes_between_syncs_one_ip": binance_accounts / paced,
        },
        "alpaca": {
            "requests_per_minute": alpaca_requests,
            "limit_per_key_minute": ALPACA_REQUESTS_PER_MINUTE,
            "share_of_limit": alpaca_requests / ALPACA_REQUESTS_PER_MINUTE,
        },
    }


def account_sync(measured: dict[str, Any]) -> dict[str, Any]:
    """The connected accounts' sync at ``CONNECTED_SHARE`` of ``USERS``: itemized per account and provider, per
    user over all users, and the providers' rate limits at that scale."""
    per_account = sync_dollars_per_account(measured["monitor"])
    providers = {}
    for provider in PROVIDER_SHARES:
        lines = sync_lines(provider, measured["monitor"])
        providers[provider] = {
            "dollars_per_account_month": sum(line.dollars for line in lines),
            "lines": [line.as_json() for line in lines],
        }
    return {
        "accounts": connected_accounts(),
        "runs_per_month": SYNC_RUNS,
        "kms_decrypts_per_account_month": kms_decrypts_per_account(),
        "billed_ms_per_account": 1000 * sync_billed_seconds_per_account(),
        "positions_query_share": positions_query_share(),
        "providers": providers,
        "dollars_per_account_month": per_account,
        "dollars_per_user_month": per_account * CONNECTED_SHARE,
        "rate_limits": sync_rate_limits(),
        "assumptions": {
            "connected_share": CONNECTED_SHARE,
            "provider_shares": PROVIDER_SHARES,
            "holding_share": HOLDING_SHARE,
            "symbols_per_holding_account": SYMBOLS_PER_HOLDING_ACCOUNT,
            "binance_weights": {**BINANCE_WEIGHTS, "GET /fapi/v1/userTrades (per symbol)": BINANCE_TRADES_WEIGHT},
            "alpaca_requests": ALPACA_REQUESTS,
            "account_item_bytes": ACCOUNT_ITEM_BYTES,
            "profile_item_bytes": PROFILE_ITEM_BYTES,
            "positions_query_read_units": POSITIONS_QUERY_READ_UNITS,
            "full_check_minutes": full_check_minutes(),
            "closes_per_account_month": SYNC_CLOSES_PER_ACCOUNT,
            "opens_per_account_month": SYNC_OPENS_PER_ACCOUNT,
            "open_write_units": OPEN_WRITE_UNITS,
            "window_moves_per_account_month": WINDOW_MOVES_PER_ACCOUNT,
            "binance_fundings_per_day": BINANCE_FUNDINGS_PER_DAY,
            "run_record_write_units": RUN_RECORD_WRITE_UNITS,
            "environment_hours": SYNC_ENVIRONMENT_HOURS,
            "connecting_environments": CONNECTING_ENVIRONMENTS,
            "seconds_per_account": SYNC_SECONDS_PER_ACCOUNT,
            "cpu_seconds_per_account": SYNC_CPU_SECONDS_PER_ACCOUNT,
            "threads": sync_threads(),
            "worker_memory_mb": sync_worker().memory_mb,
            "coordinator_ms": SYNC_COORDINATOR_MS,
        },
    }


def bill(measured: dict[str, Any], profile: str) -> dict[str, Any]:
    share = PROFILES[profile]["trading_share"]
    lines = [
        *api_lines(measured["api"]),
        *snapshot_lines(measured["snapshot"], profile),
        *monitor_lines(measured["monitor"], share),
        *shared_lines(measured["prices"], measured["end_of_day"]),
        *storage_lines(measured["snapshot"], profile),
    ]
    without_sync = sum(line.dollars for line in lines)
    # Every user's share of the connected accounts' sync: CONNECTED_SHARE accounts a user.
    sync = Line(
        "connected accounts' sync (per user, all users)", CONNECTED_SHARE, sync_dollars_per_account(measured["monitor"])
    )
    lines.append(sync)
    total = without_sync + sync.dollars
    return {
        "profile": profile,
        "snapshots_per_month": round(snapshot_plan(profile)["slots"], 1),
        "dollars_per_user_month": total,
        "dollars_without_account_sync": without_sync,
        "meets_goal": total <= GOAL,
        "lines": [line.as_json() for line in sorted(lines, key=lambda line: -line.dollars)],
    }


def per_million_api_calls(api: dict[str, Any]) -> float:
    return sum(line.dollars for line in api_lines(api)) / API_CALLS_PER_USER * 1e6


def request_seconds(requests: dict[str, float], parallel: int) -> float:
    """Seconds one invocation spends waiting on AWS for these requests, ``parallel`` at a time."""
    total = sum(count * LATENCY_SECONDS.get(operation, DEFAULT_LATENCY) for operation, count in requests.items())
    return total / max(1, parallel)


def workers(
    name: str,
    cadence_seconds: float,
    seconds_per_user: float,
    configured: int | None,
    users: float = USERS,
    utilisation: float = UTILISATION,
) -> dict[str, Any]:
    """Concurrent workers that finish ``users`` users (or accounts) inside ``utilisation`` of the cadence."""
    needed = math.ceil(users * seconds_per_user / (cadence_seconds * utilisation) - 1e-9)
    return {
        "job": name,
        "cadence_seconds": cadence_seconds,
        "seconds_per_user": seconds_per_user,
        "work_seconds_at_1m_users": users * seconds_per_user,
        "workers_needed": needed,
        "workers_configured": configured,
        "fits": configured is None or needed <= configured,
    }


# ---------------------------------------------------------------- from the jobs bench to the model's inputs
PROVIDER_SECONDS = 0.25  # one market-data request (Alpaca/Binance), including their latency
PROVIDER_PARALLEL = 4  # goalpost.services.prices fetches this many batches at a time
READ_PARALLEL = 8  # the snapshot worker writes this many batches at a time
# Valuing one portfolio and building its snapshot item in Python, on one full vCPU (1,769 MB): measured
# at about 0.5 ms (7.6 s for a 15,600-user shard, botocore's parameter validation included).
SNAPSHOT_CPU_SECONDS_PER_USER = 0.0005
FULL_VCPU_MB = 1769  # Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB
WRITE_PARALLEL = 8  # goalpost.data.prices writes this many batches at a time
END_OF_DAY_PARALLEL = 8  # goalpost.services.end_of_day evaluates this many users of a message at a time
MONITOR_PARALLEL = 16  # goalpost.services.monitor queries this many symbols at a time
END_OF_DAY_WINDOW_SECONDS = 15 * 60  # the day's evaluation should be done a quarter of an hour after 23:59


def _per(value: float, count: float) -> float:
    return value / count if count else 0.0


def job_inputs(jobs: dict[str, Any]) -> dict[str, Any]:
    snapshot, prices, end_of_day = jobs["snapshot"], jobs["price_update"], jobs["end_of_day"]
    monitor = jobs["position_monitor"]
    full, trailed, closed = monitor["full"], monitor["trailed"], monitor["closed"]
    len_moved = trailed["symbols"]
    users = snapshot["users"]
    from goalpost import declaration
    from goalpost.data import keys

    worker = declaration.JOBS_BY_NAME["snapshot"].worker
    assert worker is not None
    # The bench's run had ``sqs_messages`` shard messages, each reading (at most) every price item once: that
    # part is per shard, the rest (the registry, the writes) per user. At 1,000,000 users the same shards hold
    # USERS / USER_SHARDS users each.
    price_reads = snapshot["sqs_messages"] * snapshot["all_prices_read_units"]
    per_user_reads = _per(max(0.0, snapshot["read_units"] - price_reads), users)
    per_user_ops = {op: n / users for op, n in snapshot["dynamodb_requests"].items() if op != "BatchGetItem"}
    cpu = SNAPSHOT_CPU_SECONDS_PER_USER * FULL_VCPU_MB / worker.memory_mb
    working = request_seconds(per_user_ops, READ_PARALLEL) + cpu
    # The writers keep to their pace (declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND): a worker spends at least a
    # user's write units at that rate on each user, and is billed for the wait.
    paced = _per(snapshot["write_units"], users) / declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND
    seconds_per_user = max(working, paced)
    users_per_shard = USERS / keys.USER_SHARDS
    return {
        "snapshot": {
            "shards": keys.USER_SHARDS,
            "read_units_per_user": per_user_reads + keys.USER_SHARDS * snapshot["all_prices_read_units"] / USERS,
            # The units of one slot's snapshot: its shares of its group's snapshots and totals items.
            "write_units_per_item": _per(snapshot["write_units"], users),
            "worker_ms_per_message": 1000 * seconds_per_user * users_per_shard,
            "memory_mb": worker.memory_mb,
            "bytes_per_snapshot": snapshot["bytes_per_snapshot"],
            "items_per_snapshot": snapshot["items_per_snapshot"],
        },
        "monitor": {
            "read_units_per_symbol": _per(full["read_units"], full["symbols"]),
            "read_units_per_trail": _per(
                max(0.0, trailed["read_units"] - len_moved * _per(full["read_units"], full["symbols"])),
                trailed["trailed"],
            ),
            "write_units_per_trail": _per(trailed["write_units"], trailed["trailed"]),
            "read_units_per_close": _per(
                max(0.0, closed["read_units"] - closed["symbols"] * _per(full["read_units"], full["symbols"])),
                closed["closed"],
            ),
            "write_units_per_close": _per(closed["write_units"], closed["closed"]),
        },
        "prices": {"read_units_per_run": prices["read_units"], "write_units_per_run": prices["write_units"]},
        "end_of_day": {
            "read_units_per_user": _per(end_of_day["read_units"], end_of_day["users"]),
            "write_units_per_user": _per(end_of_day["write_units"], end_of_day["users"]),
        },
        "workload": {
            "snapshot_seconds_per_user": seconds_per_user,
            "end_of_day_seconds_per_user": request_seconds(
                {op: n / end_of_day["users"] for op, n in end_of_day["dynamodb_requests"].items()}, END_OF_DAY_PARALLEL
            ),
            # Every symbol's Queries in a 3-minute run, ``MONITOR_PARALLEL`` at a time.
            "monitor_seconds_per_run": request_seconds(
                {op: n / full["symbols"] * SYMBOLS for op, n in full["dynamodb_requests"].items()}, MONITOR_PARALLEL
            ),
            # Fetching and storing, then the monitor's Queries for the symbol (every price moves, at worst).
            "price_seconds_per_symbol": (
                prices["provider_requests"] * PROVIDER_SECONDS / PROVIDER_PARALLEL
                + request_seconds(prices["dynamodb_requests"], WRITE_PARALLEL)
            )
            / prices["symbols"]
            + request_seconds(
                {op: n / full["symbols"] for op, n in full["dynamodb_requests"].items()}, MONITOR_PARALLEL
            ),
        },
    }


def capacity(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Workers each job needs for 1,000,000 users (5,000,000 positions, 10,000 symbols) against what the stack
    is configured to run at once."""
    from goalpost import declaration

    def configured(name: str) -> int | None:
        job = declaration.JOBS_BY_NAME[name]
        return job.max_workers if job.worker is not None else job.shards

    work = inputs["workload"]
    return [
        # Paced to take SNAPSHOT_WRITE_SPREAD of the 5 minutes at full scale (the provisioned capacity's use).
        workers(
            "snapshot",
            300,
            work["snapshot_seconds_per_user"],
            configured("snapshot"),
            utilisation=declaration.SNAPSHOT_WRITE_SPREAD,
        ),
        workers(
            "end_of_day_goals",
            END_OF_DAY_WINDOW_SECONDS,
            work["end_of_day_seconds_per_user"],
            configured("end_of_day_goals"),
        ),
        workers("position_monitor", 180, work["monitor_seconds_per_run"] / USERS, configured("position_monitor")),
        workers("price_update", 10, work["price_seconds_per_symbol"] * SYMBOLS / USERS, configured("price_update")),
        # The connected accounts (CONNECTED_SHARE of the users), each a worker thread's wall time.
        workers(
            "account_sync",
            60,
            sync_billed_seconds_per_account(),
            configured("account_sync"),
            users=connected_accounts(),
        ),
    ]


def model(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "users": USERS,
        "goal_dollars_per_user_month": GOAL,
        "profiles": [bill(inputs, profile) for profile in PROFILES],
        "dollars_per_million_api_calls": per_million_api_calls(inputs["api"]),
        "workers": capacity(inputs),
        "account_sync": account_sync(inputs),
        "inputs": inputs,
        "assumptions": {
            "api_calls_per_user_month": API_CALLS_PER_USER,
            "read_share": READ_SHARE,
            "positions_per_user": POSITIONS_PER_USER,
            "profiles": PROFILES,
            "trailing_share": TRAILING_SHARE,
            "auto_closes_per_user_month": AUTO_CLOSES_PER_USER,
            "alerts_per_user_month": ALERTS_PER_USER,
            "symbols": SYMBOLS,
            "stock_trading_hours_month": STOCK_HOURS,
            "log_bytes_per_invocation": LOG_BYTES_PER_INVOCATION,
            "cold_start_share": COLD_START_SHARE,
            "utilisation": UTILISATION,
            "snapshots_table": snapshot_table_assumptions(),
            "latency_seconds": LATENCY_SECONDS,
            "provider_seconds": PROVIDER_SECONDS,
        },
        "prices": {name: {"dollars": value, "what": what} for name, (value, what) in PRICES.items()},
    }
