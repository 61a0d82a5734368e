"""The one declaration of what Goalpost runs: functions, routes, tables, topics and schedules.

Both the CDK stack (``infra/``) and the local server (``infra/local/``) are built from this module, so the
deployed system and ``make run`` cannot drift apart. It imports nothing but the standard library (and
``goalpost.environment``, the names the settings read too), so the CDK app, the local server and the Lambda
functions can all read it cheaply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, TypedDict, Unpack

from goalpost import environment

# DynamoDB IAM actions, by what the data layer calls (goalpost.data). A transaction has no IAM action of its
# own: each of its items needs its request's (Put -> PutItem, ..., ConditionCheck -> ConditionCheckItem).
# Nothing scans. Deletes and batch writes are granted only to the functions whose code issues them.
TableActions = tuple[str, ...]
READ: TableActions = ("GetItem", "BatchGetItem", "Query")
WRITE: TableActions = (*READ, "PutItem", "UpdateItem", "ConditionCheckItem")
DELETE = "DeleteItem"  # a transaction's Delete, or its plain request
BATCH_WRITE = "BatchWriteItem"  # goalpost.data.batches.batch_write
# Idempotency-Key records (goalpost.data.idempotency): put (conditionally, inside the request's transaction or
# alone) and read; never changed or deleted (the TTL removes them).
IDEMPOTENCY: TableActions = ("GetItem", "PutItem")
# What a function may do with the connected accounts' KMS key (goalpost.edges.accounts.vault): seal new keys
# (GenerateDataKey: envelope encryption) and open them to call the provider (Decrypt). Only the functions that
# must call a provider get it.
AccountKeys = Literal["none", "decrypt", "encrypt_decrypt"]

# The AWS-managed Powertools layer. Keep equal to the pin in pyproject.toml (a test checks it): the layer
# provides aws-lambda-powertools and pydantic to every function.
POWERTOOLS_VERSION = "3.37.0"
# Pinned, whatever Python synthesizes: python3.13 is supported by Lambda until mid-2029 and has a Powertools layer
# for arm64. The assets carry its bytecode only when Python 3.13 builds them (infra/constructs/bundling.py).
LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"
SERVICE_NAME = "goalpost"
METRICS_NAMESPACE = "Goalpost"
# What the settings read too (goalpost.environment, which they import instead of this module), here with the
# rest for CDK and the local server.
ADMIN_GROUP = environment.ADMIN_GROUP
TOPICS_KEY_ENV = environment.TOPICS_KEY_ENV
SMS_SENDER_ID_ENV = environment.SMS_SENDER_ID_ENV
SMS_MAX_PRICE_ENV = environment.SMS_MAX_PRICE_ENV
SMS_SENDER_ID_PATTERN = environment.SMS_SENDER_ID_PATTERN
SMS_SENDER_ID_MAX_LENGTH = environment.SMS_SENDER_ID_MAX_LENGTH
ORIGIN_SECRET_ENV = environment.ORIGIN_SECRET_ENV
# Every authenticated route requires this OAuth scope in a Cognito *access* token (ID tokens carry no scope, so
# the gateway refuses them): the user pool's resource server ``goalpost`` grants ``api`` to the app client.
API_RESOURCE_SERVER = "goalpost"
API_SCOPE_NAME = "api"
API_SCOPE = f"{API_RESOURCE_SERVER}/{API_SCOPE_NAME}"


@dataclass(frozen=True)
class Index:
    """A global secondary index; ``projection``: the attributes it copies besides the keys (None: every one)."""

    name: str
    partition_key: str
    sort_key: str
    projection: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Capacity:
    """Provisioned capacity with auto scaling (read and write units, each between its bounds), tracking
    ``target_percent`` utilisation (``write_target_percent`` for the writes, when they differ); a table without
    one is on-demand."""

    min_read: int
    max_read: int
    min_write: int
    max_write: int
    target_percent: int = 70
    write_target_percent: int | None = None

    @property
    def write_target(self) -> int:
        return self.target_percent if self.write_target_percent is None else self.write_target_percent


@dataclass(frozen=True)
class Table:
    """A DynamoDB table (string keys; on-demand unless it has a ``capacity``). ``env`` names the variable that
    carries its name."""

    key: str
    env: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    description: str = ""
    capacity: Capacity | None = None


@dataclass(frozen=True)
class Topic:
    key: str
    env: str
    description: str = ""


@dataclass(frozen=True)
class Queue:
    """An SQS work queue (SSE, TLS only, with its own dead-letter queue after ``max_receive_count`` tries)."""

    key: str
    env: str
    description: str = ""
    visibility_timeout_seconds: int = 180
    max_receive_count: int = 3


@dataclass(frozen=True)
class Secret:
    """A Secrets Manager secret the operator fills in; ``env`` carries its ARN (read with botocore and cached a
    few minutes, ``goalpost.edges.secrets``)."""

    key: str
    env: str
    description: str = ""


@dataclass(frozen=True)
class Route:
    """An API Gateway HTTP API route. ``path`` may end in ``{proxy+}`` to hand a whole prefix to a function;
    ``$default`` catches what no other route matches. Public routes carry no JWT authorizer."""

    method: str
    path: str
    public: bool = False

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class Function:
    """A Lambda function. ``handler`` is the dotted module path plus the entry point inside ``functions/``."""

    name: str
    handler: str
    description: str
    memory_mb: int = 512
    timeout_seconds: int = 10
    tables: dict[str, TableActions] = field(default_factory=dict)  # table key -> its DynamoDB actions
    topics: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    queues: tuple[str, ...] = ()  # queues it sends work to
    secrets: tuple[str, ...] = ()  # secrets it reads
    # Sends alerts by email and webhook and queues their SMS (goalpost.services.delivery): publishes to the users'
    # own alert topics (USER_TOPIC_PREFIX*), encrypted with the topics' key, and sends to the SMS queue.
    user_notifications: bool = False
    # Publishes SMS straight to phone numbers, which have no ARN: sns:Publish on *. Only the SMS sender does.
    sends_sms: bool = False
    # Creates the users' own alert topics (USER_TOPIC_PREFIX*, encrypted and TLS-only) and (un)subscribes
    # their email address and webhook; publishes nothing.
    manages_user_topics: bool = False
    # The connected accounts' KMS key (ACCOUNTS_KEY_ID): none, Decrypt only, or Encrypt and Decrypt.
    account_keys: AccountKeys = "none"


@dataclass(frozen=True)
class Schedule:
    """A job's cadence: ``every`` (local and deployed alike) or ``cron`` (minute hour, UTC) once a day.

    EventBridge fires at most once a minute, so a cadence under a minute is deployed as a Step Functions
    Express workflow started every minute that runs the job ``runs_per_minute`` times, ``every`` apart."""

    every: timedelta | None = None
    cron: tuple[int, int] | None = None

    @property
    def sub_minute(self) -> bool:
        return self.every is not None and self.every < timedelta(minutes=1)

    @property
    def runs_per_minute(self) -> int:
        assert self.every is not None
        return max(1, int(timedelta(minutes=1) / self.every)) if self.sub_minute else 1

    @property
    def expression(self) -> str:
        """The EventBridge schedule expression."""
        if self.cron is not None:
            minute, hour = self.cron
            return f"cron({minute} {hour} * * ? *)"
        assert self.every is not None
        minutes = max(1, -(-int(self.every.total_seconds()) // 60))
        return f"rate({minutes} minute{'s' if minutes > 1 else ''})"


@dataclass(frozen=True)
class Job:
    """A scheduled function. With a ``worker``, the scheduled function is a coordinator: it pages through
    the work and sends it in batches to ``queue``, which the worker consumes (partial-batch failures)."""

    function: Function
    schedule: Schedule
    worker: Function | None = None
    queue: Queue | None = None
    # At most this many worker invocations at once (the SQS event source's maximum concurrency): enough for
    # 1,000,000 users inside the cadence by the bench's arithmetic (docs/cost.md), and a bound on what a run
    # can take from the account's concurrency and the tables' throughput.
    max_workers: int | None = None
    # Each run of a sub-minute job is this many invocations at once, one per shard of the work (the event's
    # ``shard``): the price update's shards are the active symbols' (``data.keys.SYMBOL_SHARDS``), so that
    # 10,000 symbols are fetched, stored and monitored well inside the 10 seconds between runs.
    shards: int = 1
    # Messages a worker invocation receives at once (the SQS event source's batch size).
    worker_batch_size: int = 10

    @property
    def consumer(self) -> QueueConsumer | None:
        """The worker as the consumer of the job's queue (None for a job without one)."""
        if self.worker is None or self.queue is None:
            return None
        return QueueConsumer(self.worker, self.queue, self.worker_batch_size, self.max_workers)


@dataclass(frozen=True)
class QueueConsumer:
    """A function that works what other functions send to ``queue``: the queue's SQS event source invokes it with
    up to ``batch_size`` messages (partial-batch failures), at most ``max_concurrency`` invocations at once. The
    ones in QUEUE_CONSUMERS have no schedule of their own and no batching window: each message goes as it
    arrives; a job's worker is one too (``Job.consumer``)."""

    function: Function
    queue: Queue
    batch_size: int = 10
    max_concurrency: int | None = None


def prefix_routes(prefix: str) -> tuple[Route, Route]:
    """The two routes that hand ``prefix`` and everything below it to one function."""
    return Route("ANY", prefix), Route("ANY", f"{prefix}/{{proxy+}}")


# ---------------------------------------------------------------- tables
# Access patterns and the key of each are written down in docs/data-model.md.
DATA_TABLE = Table(
    key="data",
    env="DATA_TABLE_NAME",
    partition_key="pk",
    sort_key="sk",
    indexes=(
        Index("gsi1", "gsi1pk", "gsi1sk"),
        Index("gsi2", "gsi2pk", "gsi2sk"),
        Index("gsi3", "gsi3pk", "gsi3sk"),
        Index("gsi4", "gsi4pk", "gsi4sk"),
        Index("gsi5", "gsi5pk", "gsi5sk"),
        Index("gsi6", "gsi6pk", "gsi6sk"),
        Index("gsi7", "gsi7pk", "gsi7sk"),
        Index("gsi8", "gsi8pk", "gsi8sk"),
    ),
    ttl_attribute="expires_at",
    description="Everything a user owns; every key begins with USER#<sub>.",
)
SYSTEM_TABLE = Table(
    key="system",
    env="SYSTEM_TABLE_NAME",
    partition_key="pk",
    sort_key="sk",
    indexes=(Index("gsi1", "gsi1pk", "gsi1sk"),),
    ttl_attribute="expires_at",
    description="What no user owns: the price cache, the active symbols, job runs and work queues.",
)
IDEMPOTENCY_TABLE = Table(
    key="idempotency",
    env="IDEMPOTENCY_TABLE_NAME",
    partition_key="id",
    ttl_attribute="expiration",
    description="Idempotency-Key records, written in the request's own transaction (24 h).",
)
# Portfolio snapshots (goalpost.data.snapshots): per 5-minute slot, one item of the snapshots of each group of
# ~15 users and one of the totals of each group of ~8 (goalpost.data.snapshots.GROUPS_PER_SHARD), written by
# paced writers at a steady rate, so on provisioned capacity with auto scaling (a write costs about half of
# on-demand's at the utilisation below: docs/cost.md). No index: a chart reads every slot it keeps in one small
# Query of its user's totals group whatever the holdings.
SNAPSHOT_WRITERS = 16  # the snapshot worker's maximum concurrency (its Job's max_workers)
SNAPSHOT_WRITE_SPREAD = 0.8  # the share of the 5 minutes the writers take for a slot at full scale
# A user's shares of its groups' two items (2,048 totals groups a registry shard of 15,625 users at full scale):
# 0.32 measured with five holdings (make bench), with a margin for larger portfolios.
SNAPSHOT_WRITE_UNITS_PER_USER = 0.36
SNAPSHOT_DESIGN_USERS = 1_000_000  # the scale the pace is set for (the cost model's)
# Each writer's pace, in write units a second: at full scale the 16 writers write a slot in 80 % of its 5
# minutes; fewer users take less time at the same pace.
SNAPSHOT_WRITE_UNITS_PER_SECOND = math.ceil(
    SNAPSHOT_DESIGN_USERS * SNAPSHOT_WRITE_UNITS_PER_USER / (SNAPSHOT_WRITERS * 300 * SNAPSHOT_WRITE_SPREAD)
)
SNAPSHOTS_TABLE = Table(
    key="snapshots",
    env=environment.SNAPSHOTS_TABLE_ENV,
    partition_key="pk",
    sort_key="sk",
    ttl_attribute="expires_at",
    description="Portfolio snapshots: per group of users and 5-minute slot, their snapshots and their totals.",
    # Writes: the writers' steady pace at full scale (16 x 94 = 1,504 a second) at 90 % utilisation: a paced
    # load is flat, so a tenth above it (and the table's burst capacity) is room enough for the retries of a
    # throttled burst, and the writers leave a fifth of each slot for them. Reads: the API's charts and lists,
    # as bursty as people, at 80 %.
    capacity=Capacity(
        min_read=5, max_read=4000, min_write=5, max_write=5000, target_percent=80, write_target_percent=90
    ),
)
TABLES: tuple[Table, ...] = (DATA_TABLE, SYSTEM_TABLE, IDEMPOTENCY_TABLE, SNAPSHOTS_TABLE)

# ---------------------------------------------------------------- topics
ALERTS_TOPIC = Topic(
    key="alerts",
    env="ALERTS_TOPIC_ARN",
    description="Every alert, at once, with channel=event (subscribers filter on alert_type and severity).",
)
TOPICS: tuple[Topic, ...] = (ALERTS_TOPIC,)

# The variable that carries the connected accounts' KMS key (its ARN deployed), for the functions whose
# ``account_keys`` is not "none" only.
ACCOUNTS_KEY_ENV = "ACCOUNTS_KEY_ID"

# Each user's own email topic is named USER_TOPIC_PREFIX + a hash of the user (created at runtime).
USER_TOPIC_PREFIX = "goalpost-alerts-"

# ---------------------------------------------------------------- queues and secrets
SNAPSHOT_QUEUE = Queue(
    key="snapshot-work",
    env="SNAPSHOT_QUEUE_URL",
    description="Registry shards whose portfolios the snapshot worker values and records",
    visibility_timeout_seconds=6 * 300,  # six times the worker's timeout, as AWS recommends
)
END_OF_DAY_QUEUE = Queue(
    key="end-of-day-work",
    env="END_OF_DAY_QUEUE_URL",
    description="Batches of users whose goals the end-of-day worker evaluates",
    visibility_timeout_seconds=6 * 300,
)
ACCOUNT_SYNC_QUEUE = Queue(
    key="account-sync-work",
    env="ACCOUNT_SYNC_QUEUE_URL",
    description="Accounts-registry shards whose connected accounts the account sync worker syncs",
    visibility_timeout_seconds=6 * 120,  # six times the worker's timeout, as AWS recommends
)
# Every function that raises alerts sends its SMS deliveries here (the alert and the phone number); the SMS
# sender alone publishes them, so that only it may publish to any phone number (sns:Publish on *).
SMS_QUEUE = Queue(
    key="sms",
    env=environment.SMS_QUEUE_ENV,
    description="SMS deliveries (an alert and a phone number) for the SMS sender to publish",
    visibility_timeout_seconds=6 * 10,  # six times the sender's timeout, as AWS recommends
)
GOAL_CLEANUP_QUEUE = Queue(
    key="goal-cleanup-work",
    env=environment.GOAL_CLEANUP_QUEUE_ENV,
    description="Deleted goals whose children, and disconnected accounts whose positions, the goal-cleanup worker "
    "clears",
    visibility_timeout_seconds=6 * 120,  # six times the worker's timeout, as AWS recommends
)
QUEUES: tuple[Queue, ...] = (SNAPSHOT_QUEUE, END_OF_DAY_QUEUE, ACCOUNT_SYNC_QUEUE, SMS_QUEUE, GOAL_CLEANUP_QUEUE)
ALPACA_SECRET = Secret(
    key="alpaca",
    env="ALPACA_SECRET_ARN",
    description='Alpaca market-data API keys: {"key_id": "...", "secret_key": "..."}',
)
SECRETS: tuple[Secret, ...] = (ALPACA_SECRET,)


# ---------------------------------------------------------------- functions, by module
class FunctionSettings(TypedDict, total=False):
    """The fields of ``Function`` that ``api_function`` and ``job_function`` take as they are."""

    memory_mb: int
    timeout_seconds: int
    tables: dict[str, TableActions]
    routes: tuple[Route, ...]
    queues: tuple[str, ...]
    secrets: tuple[str, ...]
    user_notifications: bool
    sends_sms: bool
    manages_user_topics: bool
    account_keys: AccountKeys


def _function(
    name: str, handler_module: str, description: str, *, raises_alerts: bool, **settings: Unpack[FunctionSettings]
) -> Function:
    # A function that raises alerts publishes them to the alerts topic, sends them by email and webhook itself,
    # and queues their SMS for the SMS sender.
    if raises_alerts:
        settings["user_notifications"] = True
        settings["queues"] = (*settings.get("queues", ()), SMS_QUEUE.key)
    topics = (ALERTS_TOPIC.key,) if raises_alerts else ()
    return Function(name=name, handler=f"{handler_module}.handler", description=description, topics=topics, **settings)


def api_function(
    module: str, description: str, *, raises_alerts: bool = False, **settings: Unpack[FunctionSettings]
) -> Function:
    """The API function ``functions/api/<module>.py``, named ``<module>-api`` (``goal_tracking`` ->
    ``goal-tracking-api``); ``settings`` are the other fields of ``Function``."""
    name = f"{module.replace('_', '-')}-api"
    return _function(name, f"functions.api.{module}", description, raises_alerts=raises_alerts, **settings)


def job_function(
    module: str, description: str, *, raises_alerts: bool = False, **settings: Unpack[FunctionSettings]
) -> Function:
    """The job function or worker ``functions/jobs/<module>.py``, named after it (``price_update`` ->
    ``price-update``), with a timeout of 120 s unless ``settings`` say otherwise."""
    settings.setdefault("timeout_seconds", 120)
    name = module.replace("_", "-")
    return _function(name, f"functions.jobs.{module}", description, raises_alerts=raises_alerts, **settings)


# ---------------------------------------------------------------- API functions
# Swagger UI's script and stylesheet, served as files beside /docs so a browser caches them (docs/decisions.md).
DOCS_ASSET_PATHS = ("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css")
PUBLIC_PATHS = ("/health", "/openapi.json", "/docs", *DOCS_ASSET_PATHS)


SYSTEM_API = api_function(
    "system",
    "Health, the OpenAPI document, Swagger UI, and 404 for unknown routes",
    routes=(*(Route("GET", path, public=True) for path in PUBLIC_PATHS), Route("ANY", "$default")),
)
GOALS_API = api_function(
    "goals",
    "Personal finance goals: the goal, its lifecycle, the dashboard, templates, budget sync",
    memory_mb=1024,
    # Deleting a goal deletes the goal item in a transaction (its children are the goal-cleanup job's); the
    # trading goals' results with no alert to guard go as batched plain puts (transact_with_alerts); a trading
    # goal's manual snapshot values the portfolio at the cached prices.
    tables={"data": (*WRITE, DELETE, BATCH_WRITE), "system": READ, "idempotency": IDEMPOTENCY, "snapshots": READ},
    raises_alerts=True,
    routes=prefix_routes("/goals"),
)
GOAL_TRACKING_API = api_function(
    "goal_tracking",
    "A goal's progress entries and summary, milestones and funding links",
    memory_mb=1024,
    tables={"data": (*WRITE, DELETE), "idempotency": IDEMPOTENCY},  # unlinking deletes the funding link
    raises_alerts=True,
    routes=(
        *prefix_routes("/goals/{goal_id}/progress"),
        *prefix_routes("/goals/{goal_id}/milestones"),
        *prefix_routes("/goals/{goal_id}/funding"),
    ),
)
POSITIONS_API = api_function(
    "positions",
    "Trading positions and their performance metrics",
    memory_mb=1024,
    # Deleting an entry; GET /performance reads the portfolio's daily values from the snapshots.
    tables={"data": (*WRITE, DELETE), "system": WRITE, "idempotency": IDEMPOTENCY, "snapshots": READ},
    raises_alerts=True,
    routes=(*prefix_routes("/positions"), *prefix_routes("/performance")),
)
# Manages the users' own alert topics (subscriptions follow the preferences) but raises and sends no alert.
ALERTS_API = api_function(
    "alerts",
    "In-app alerts and alert preferences",
    tables={"data": WRITE},
    manages_user_topics=True,
    routes=prefix_routes("/alerts"),
)
PRICES_API = api_function(
    "prices",
    "Cached prices, and an admin refresh that runs the price update (and monitor) now",
    # Under API Gateway's 30 s integration timeout, so that a slow refresh ends as the function's own
    # timeout (logged, in its metrics) rather than as the gateway's bare 503 while the function goes on.
    timeout_seconds=25,
    tables={"system": WRITE, "data": WRITE},
    raises_alerts=True,
    secrets=(ALPACA_SECRET.key,),
    routes=prefix_routes("/prices"),
)
PORTFOLIO_API = api_function(
    "portfolio",
    "Cash, the live portfolio value, performance charts and snapshots",
    memory_mb=1024,
    tables={"data": WRITE, "system": READ, "snapshots": READ},
    routes=prefix_routes("/portfolio"),
)
# Connecting seals the keys (Encrypt); an on-demand sync opens them to call the provider (Decrypt). The sync
# may close positions, which raises position_closed alerts.
ACCOUNTS_API = api_function(
    "accounts",
    "Connected exchange and brokerage accounts: connect (keys checked, then sealed), read, sync now, disconnect",
    # A connect or a sync waits on the provider: an unreachable one ends the request after one call's retries
    # (3 tries of 3 s, about 11 s: a 502). Under API Gateway's 30 s like prices-api, so that a sync slowed by a
    # provider ends as the function's own timeout; each change it made is its own versioned transaction, so
    # what was applied stays and the next sync goes on from there (tests/handlers/test_job_crashes.py).
    timeout_seconds=25,
    # Disconnecting deletes the account, frees its key's claim (in the system table) and leaves a tombstone (its
    # positions are the goal-cleanup job's to unlink).
    tables={"data": (*WRITE, DELETE), "system": (*WRITE, DELETE)},
    raises_alerts=True,
    account_keys="encrypt_decrypt",
    routes=prefix_routes("/accounts"),
)
API_FUNCTIONS: tuple[Function, ...] = (
    SYSTEM_API,
    GOALS_API,
    GOAL_TRACKING_API,
    PRICES_API,
    PORTFOLIO_API,
    POSITIONS_API,
    ALERTS_API,
    ACCOUNTS_API,
)

# ---------------------------------------------------------------- jobs
JOBS: tuple[Job, ...] = (
    Job(
        job_function(
            "price_update",
            "Refreshes the price cache, then monitors the positions whose price changed",
            # Inside its 10 s slot (SLOT_MARKET_SETTINGS bounds the HTTP retries to fit): a run that overran
            # would delay the next slot, and the next slot does the same work anyway.
            timeout_seconds=8,
            tables={"system": WRITE, "data": WRITE},
            raises_alerts=True,
            secrets=(ALPACA_SECRET.key,),
        ),
        Schedule(every=timedelta(seconds=10)),
        shards=8,
    ),
    Job(
        job_function(
            "snapshot",
            "Queues one message per registry shard for the snapshot worker (reads nothing)",
            queues=(SNAPSHOT_QUEUE.key,),
        ),
        Schedule(every=timedelta(minutes=5)),
        # A message is a whole registry shard (~15,600 users at 1,000,000), written at the writers' pace
        # (SNAPSHOT_WRITE_UNITS_PER_SECOND): about 55 s, of which valuing and serializing take ~8 s of a full
        # vCPU. 512 MB (0.29 vCPU: ~27 s of CPU) keeps up with the pace at under a third of the GB-seconds of a
        # full vCPU (1,769 MB), which would mostly wait; the GB-seconds are billed for the wait.
        worker=job_function(
            "snapshot_worker",
            "Values the portfolios of one registry shard and records their snapshots",
            memory_mb=512,
            timeout_seconds=300,
            # The registry from the data table; the snapshots go to their groups' items in their own table: put in
            # batches, or added to the items another run of the slot stored (read first).
            tables={"data": READ, "system": READ, "snapshots": ("BatchGetItem", BATCH_WRITE, "UpdateItem")},
        ),
        queue=SNAPSHOT_QUEUE,
        # One shard (~15,600 users at 1,000,000) a worker invocation, 16 at once: 64 shards in four rounds of
        # ~60 s at the writers' pace (SNAPSHOT_WRITE_UNITS_PER_SECOND), inside the 5 minutes (docs/cost.md).
        worker_batch_size=1,
        max_workers=SNAPSHOT_WRITERS,
    ),
    Job(
        job_function(
            "position_monitor",
            "Closes positions whose levels are hit",
            tables={"data": WRITE, "system": WRITE},
            raises_alerts=True,
        ),
        Schedule(every=timedelta(minutes=3)),
    ),
    Job(
        job_function(
            "end_of_day_goals",
            "Queues every user for the end-of-day evaluation of their goals",
            tables={"data": READ},
            queues=(END_OF_DAY_QUEUE.key,),
        ),
        Schedule(cron=(59, 23)),
        worker=job_function(
            "end_of_day_worker",
            "Evaluates a batch of users' trading and personal goals for the business date",
            timeout_seconds=300,
            # Trading goals' results with no alert to guard go as batched plain puts (transact_with_alerts); a
            # month's first evaluation reads its start value from the snapshots.
            tables={"data": (*WRITE, BATCH_WRITE), "system": READ, "snapshots": READ},
            raises_alerts=True,
        ),
        queue=END_OF_DAY_QUEUE,
        max_workers=50,
    ),
    Job(
        job_function(
            "deliver_alerts",
            "Sends deferred email and SMS deliveries",
            tables={"data": WRITE, "system": WRITE},
            raises_alerts=True,
        ),
        Schedule(every=timedelta(minutes=5)),
    ),
    Job(
        job_function(
            "account_sync",
            "Queues one message per connected-accounts registry shard for the sync worker (reads nothing)",
            queues=(ACCOUNT_SYNC_QUEUE.key,),
        ),
        Schedule(every=timedelta(minutes=1)),
        # A message is one accounts-registry shard; a sync waits ~150 ms on its provider for ~3 ms of CPU, so the
        # worker syncs SYNC_THREADS (32) accounts at once and is billed for its CPU; below 1,769 MB the memory does
        # not change what that CPU costs, and 512 MB keeps a shard inside the minute: at 100,000 connected
        # accounts a shard holds ~1,560, ~15 s at 512/1,769 of a vCPU (docs/performance.md, "Account sync
        # cost"), inside the 120 s timeout (the queue's visibility timeout is six times that). Syncing closes
        # positions, which raises alerts.
        worker=job_function(
            "account_sync_worker",
            "Syncs the connected accounts of one registry shard with their providers",
            timeout_seconds=120,
            tables={"data": WRITE, "system": WRITE},
            raises_alerts=True,
            account_keys="decrypt",
        ),
        queue=ACCOUNT_SYNC_QUEUE,
        # One shard a worker invocation, every shard at once: four rounds of 16 would take ~2 minutes a run at
        # 100,000 accounts (docs/cost.md). Binance's per-IP weight limit is kept by the worker's pacing, Alpaca's
        # is per key (docs/accounts.md).
        worker_batch_size=1,
        max_workers=64,
    ),
    Job(
        job_function(
            "goal_cleanup",
            "Queues one message per deleted goal whose children are still stored and per disconnected account whose "
            "positions are still linked",
            tables={"data": READ},
            queues=(GOAL_CLEANUP_QUEUE.key,),
        ),
        # The children of a deleted goal are invisible from its delete on (data.deleted_goals), and the positions of
        # a disconnected account read unlinked from its disconnect on (data.deleted_accounts): what waits for the
        # next run is storage only, so every 5 minutes is plenty, and a run with no tombstone reads 8 empty
        # index partitions and queues nothing.
        Schedule(every=timedelta(minutes=5)),
        worker=job_function(
            "goal_cleanup_worker",
            "Deletes a deleted goal's children page by page, or unlinks a disconnected account's positions; then "
            "the tombstone",
            # A goal's children in batches, an account's positions one conditional UpdateItem each, the tombstone
            # alone.
            tables={"data": (*READ, "UpdateItem", DELETE, BATCH_WRITE)},
        ),
        queue=GOAL_CLEANUP_QUEUE,
        # Nobody waits for it: two invocations at once keep its writes a trickle next to the API's.
        max_workers=2,
    ),
)


# ---------------------------------------------------------------- queue consumers
SMS_SENDER = job_function(
    "sms_sender",
    "Publishes the queued SMS deliveries to their phone numbers (the only function that may)",
    timeout_seconds=10,
    memory_mb=256,
    sends_sms=True,
)
# At most two senders at once: the account's SMS rate (20 messages a second by default) is the limit, not Lambda,
# and two senders of ten messages reach it (an SMS publish takes ~100 ms).
SMS_DELIVERY = QueueConsumer(SMS_SENDER, SMS_QUEUE, batch_size=10, max_concurrency=2)
QUEUE_CONSUMERS: tuple[QueueConsumer, ...] = (SMS_DELIVERY,)


def job_name(job: Job) -> str:
    """The name a job goes by in the spec and in ``/_local/jobs/{name}`` (``price_update``)."""
    return job.function.name.replace("-", "_")


JOBS_BY_NAME: dict[str, Job] = {job_name(job): job for job in JOBS}
JOB_WORKERS: tuple[Function, ...] = tuple(job.worker for job in JOBS if job.worker is not None)
# Every function an SQS event source invokes: the jobs' workers and the queue consumers.
QUEUE_WORKERS: tuple[Function, ...] = JOB_WORKERS + tuple(consumer.function for consumer in QUEUE_CONSUMERS)
ALL_FUNCTIONS: tuple[Function, ...] = API_FUNCTIONS + tuple(job.function for job in JOBS) + QUEUE_WORKERS
QUEUES_BY_KEY: dict[str, Queue] = {queue.key: queue for queue in QUEUES}
SECRETS_BY_KEY: dict[str, Secret] = {secret.key: secret for secret in SECRETS}
TABLES_BY_KEY: dict[str, Table] = {table.key: table for table in TABLES}
TOPICS_BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}

# CORS, on the deployed API and the local gateway alike.
CORS_ALLOW_HEADERS = ("authorization", "content-type", "idempotency-key")
CORS_EXPOSE_HEADERS = ("x-next-token", "retry-after")  # a browser app reads when to send a 409 again

# API Gateway stage throttling, applied to the deployed stage and mirrored by the local gateway. Each client has
# its own, lower, limits at the edge (AWS WAF, infra.constructs.edge): this one protects the functions and the
# tables from every client together, so it leaves room for many clients at their own limit at once.
THROTTLE_RATE_PER_SECOND = 200
THROTTLE_BURST = 400

# Deployed, CloudFront adds this header, holding a generated secret, to every request it sends to the API; each API
# function refuses a request without it (goalpost.edges.api), so the API is reachable through the edge only. The
# functions get the secret's ARN in ORIGIN_SECRET_ENV (goalpost.environment).
ORIGIN_VERIFY_HEADER = "x-origin-verify"
ORIGIN_SECRET_FIELD = "value"  # noqa: S105 (a JSON key: the secret is {"value": "<generated>"})
# The routes whose every call costs a provider round trip (or a whole price update): the edge gives each caller
# a tighter rate limit on them.
COSTLY_ROUTES: tuple[Route, ...] = (Route("POST", "/prices/refresh"), Route("POST", "/accounts/{id}/sync"))


# The price providers' HTTP budget (goalpost.settings) of a function that must finish inside a short slot: the
# price update's 8 s run fetches for 5 s at worst (2 attempts of 2 s, and a backoff or a 429's Retry-After of at
# most 1 s), leaving the rest to store and monitor; the settings' defaults (3 attempts of 3 s) could take 10 s.
SLOT_MARKET_SETTINGS: dict[str, dict[str, str]] = {
    "price-update": {
        "GOALPOST_MARKET_TIMEOUT_SECONDS": "2",
        "GOALPOST_MARKET_RETRIES": "1",
        "GOALPOST_MARKET_BACKOFF_CAP_SECONDS": "1",
    },
}


def function_environment(function: Function) -> dict[str, str]:
    """The environment a function needs besides its tables' names, its topics' and secrets' ARNs and its
    queues' URLs (which the deployer fills in)."""
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        # No Powertools Tracer anywhere: its subsegment per AWS call costs 100-270 ms of cold start, which no
        # function can spare against its goal (docs/performance.md); Lambda's active tracing, on for every
        # function, records each invocation and its duration at no cold-start cost.
        "POWERTOOLS_TRACE_DISABLED": "true",
        # pydantic otherwise scans every installed distribution for plugins when the first model is built.
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "GOALPOST_FUNCTION": function.name,
        **SLOT_MARKET_SETTINGS.get(function.name, {}),
    }
