"""Cold start of every function: a fresh interpreter imports the handler module and serves its first
invocation, against a moto server and the simulated market on loopback (real HTTP, as AWS would be reached).

Each round runs every function once, in a shuffled order, together with the naive reference
(tests/bench/naive_function.py), so the ratios compare runs made under the same conditions. The environment
is each function's deployed one (goalpost.declaration.function_environment) plus what the Lambda runtime sets.
Interpreter start-up itself is left out: it is the same for every function and not ours to change.

The cold starts alone, for some functions only (the reference always runs, each ratio needs it):

    python -m tests.bench.cold_start [--rounds 5] [--only end-of-day-worker,account-sync-worker]"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from goalpost import declaration

REPO_ROOT = Path(__file__).resolve().parents[2]
NAIVE_HANDLER = "tests.bench.naive_function.handler"
USER = "bench-user"
COORDINATORS = {job.function.name for job in declaration.JOBS if job.worker is not None}
GOAL_RATIO = {"api": 0.6, "job": 0.4}  # the largest ratio to the naive reference each kind may reach

# The child: everything from the first import of the handler to the end of its first invocation is timed.
CHILD = r"""
import time
started = time.perf_counter()
import importlib, json, sys
module_name, attribute = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), attribute)
imported = time.perf_counter()

class Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 60000

event = sys.argv[2]
result = handler(json.loads(event), Context())
done = time.perf_counter()
handler(json.loads(event), Context())  # a warm invocation, for the memory and cost model
warm = time.perf_counter()
status = result.get("statusCode") if isinstance(result, dict) else None
failures = result.get("batchItemFailures") if isinstance(result, dict) else None
figures = {"import_ms": (imported - started) * 1000, "total_ms": (done - started) * 1000,
           "warm_ms": (warm - done) * 1000, "status": status, "failures": failures}
print("BENCH-RESULT " + json.dumps(figures), flush=True)
# Measured: leave without the interpreter's teardown (every module and object freed, ~150-250 ms a child for
# the handlers' imports), which is not a cold start and only lengthened the bench.
import os
os._exit(0)
"""


@dataclass(frozen=True)
class Subject:
    """One thing measured: a declared function (or the naive reference), its first event and its kind."""

    name: str
    handler: str
    kind: str  # "api", "job" or "reference"
    event: dict[str, Any]
    environment: dict[str, str]


def _api_event(function: declaration.Function, method: str, path: str, query: str = "") -> dict[str, Any]:
    from infra.local.routing import RouteTable, build_event

    match = RouteTable((function,)).match(method, path)
    assert match is not None, f"{function.name} has no route for {method} {path}"
    return build_event(
        match=match,
        method=method,
        raw_path=path,
        raw_query=query,
        headers=[("host", "127.0.0.1"), ("user-agent", "bench")],
        body=b"",
        source_ip="127.0.0.1",
        claims={"sub": USER, "cognito:groups": "[users]"},
        host="127.0.0.1",
    )


def _first_requests(goal_id: str) -> dict[str, tuple[str, str, str]]:
    """The request each API function serves first: a typical read of the seeded user's data."""
    return {
        "system-api": ("GET", "/health", ""),
        "goals-api": ("GET", "/goals", ""),
        "goal-tracking-api": ("GET", f"/goals/{goal_id}/milestones", ""),
        "prices-api": ("GET", "/prices", "symbols=AAPL"),
        "portfolio-api": ("GET", "/portfolio/current", ""),
        "positions-api": ("GET", "/positions", ""),
        "alerts-api": ("GET", "/alerts", ""),
        "accounts-api": ("GET", "/accounts", ""),
    }


def _worker_event(job: declaration.Job, now: datetime) -> dict[str, Any]:
    from goalpost.data import keys
    from goalpost.domain.charts import slot_of
    from goalpost.services.goal_cleanup import cleanup_message
    from goalpost.services.job_messages import ShardWork, account_sync_message, shard_message
    from infra.local.aws import ACCOUNT_ID, REGION
    from infra.local.event_sources import sqs_event

    assert job.queue is not None
    if job.function.name == "snapshot":  # the seeded user's registry shard
        body = shard_message(ShardWork(slot_of(now), keys.shard_of(USER, keys.USER_SHARDS)))
    elif job.function.name == "account-sync":  # an accounts-registry shard (the seeded user has no account)
        body = account_sync_message(now, 0)
    elif job.function.name == "goal-cleanup":  # a goal of the seeded user (the worker reads whether it was deleted)
        body = cleanup_message(USER, "bench-deleted-goal")
    else:
        body = json.dumps({"moment": now.isoformat(), "users": [{"user_id": USER, "cash": "1000"}]})
    message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": body}
    return sqs_event(f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:bench-{job.queue.key}", [message])


def _sms_event(now: datetime) -> dict[str, Any]:
    """One queued SMS delivery for the SMS sender (declaration.SMS_DELIVERY): an alert of the seeded user."""
    from goalpost.domain.alerts import Alert, AlertType, Severity
    from goalpost.edges.sms_queue import sms_message
    from infra.local.aws import ACCOUNT_ID, REGION
    from infra.local.event_sources import sqs_event

    alert = Alert(
        id="bench-alert",
        user_id=USER,
        alert_type=AlertType.POSITION_CLOSED,
        title="AAPL closed",
        message="Your AAPL position closed.",
        severity=Severity.INFO,
        created_at=now,
        channels=["in_app", "event"],
    )
    message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": sms_message(alert, "+14155550100")}
    queue = declaration.SMS_DELIVERY.queue
    return sqs_event(f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:bench-{queue.key}", [message])


def subjects(base_environment: dict[str, str], goal_id: str, now: datetime) -> list[Subject]:
    from infra.local.scheduler import scheduled_event

    def environment(function: declaration.Function) -> dict[str, str]:
        lambda_runtime = {
            "AWS_LAMBDA_FUNCTION_NAME": f"bench-{function.name}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        }
        return {**base_environment, **lambda_runtime, **declaration.function_environment(function)}

    requests = _first_requests(goal_id)
    measured = [
        Subject(f.name, f.handler, "api", _api_event(f, *requests[f.name]), environment(f))
        for f in declaration.API_FUNCTIONS
    ]
    for job in declaration.JOBS:
        function = job.function
        measured.append(
            Subject(function.name, function.handler, "job", scheduled_event(job, now), environment(function))
        )
        if job.worker is not None:
            worker = job.worker
            measured.append(Subject(worker.name, worker.handler, "job", _worker_event(job, now), environment(worker)))
    sender = declaration.SMS_DELIVERY.function
    measured.append(Subject(sender.name, sender.handler, "job", _sms_event(now), environment(sender)))
    # The reference runs as a traced API function would, with the same tables and the goals function's request.
    reference = declaration.Function(name="naive-reference", handler=NAIVE_HANDLER, description="")
    first_request = _api_event(declaration.GOALS_API, "GET", "/goals")
    traced = {**environment(reference), "POWERTOOLS_TRACE_DISABLED": "false"}
    measured.append(Subject(reference.name, NAIVE_HANDLER, "reference", first_request, traced))
    return measured


def _run_child(subject: Subject, extra_environment: dict[str, str] | None = None) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, subject.handler, json.dumps(subject.event)],
        cwd=REPO_ROOT,
        env={**subject.environment, **(extra_environment or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
            ok = (result["status"] is None or result["status"] < 400) and not result["failures"]
            if not ok:
                raise RuntimeError(f"{subject.name}: first invocation failed: {result}\n{completed.stdout[-2000:]}")
            return result
    raise RuntimeError(f"{subject.name} failed:\n{completed.stderr[-3000:]}")


@contextmanager
def world() -> Iterator[tuple[dict[str, str], str, datetime]]:
    """A moto server with every declared resource and a seeded user, and the simulated market."""
    from moto.server import ThreadedMotoServer

    from goalpost import aws
    from goalpost.settings import reset_settings
    from infra.local import moto_speed
    from infra.local.aws import create_resources, fake_credentials, resource_names
    from infra.local.market import SimulatedMarket

    moto_speed.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    market = SimulatedMarket().start()
    host, port = server.get_host_and_port()
    names = resource_names("bench")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GOALPOST_", "POWERTOOLS_"))},
        **fake_credentials(),
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "ALPACA_DATA_URL": market.url,
        "BINANCE_FUTURES_URL": market.url,
        "GOALPOST_MARKET_BACKOFF_SECONDS": "0",
    }
    saved = dict(os.environ)
    try:
        os.environ.update(environment)
        os.environ.update(names)
        reset_settings()
        aws.reset_clients()
        create_resources(names)  # fills in the secret's ARN
        environment.update(names)
        market.configure({"prices": {"AAPL": 190, "BTCUSDT": 60000}, "fault": None})
        now = datetime.now(UTC)
        goal_id = _seed(now)
        yield environment, goal_id, now
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        aws.reset_clients()
        market.stop()
        server.stop()


def _seed(now: datetime) -> str:
    """The user every first invocation reads: cash, two open positions, a goal with a milestone, prices."""
    from goalpost.domain.goals import GoalDraft, GoalType
    from goalpost.services import goals, portfolio, positions, prices

    portfolio.set_cash(USER, Decimal(1000))
    for symbol, price in (("AAPL", 180), ("BTCUSDT", 58000)):
        positions.open_position(USER, {"symbol": symbol, "quantity": Decimal(1), "entry_price": Decimal(price)}, now)
    goal = goals.create_goal(USER, GoalDraft(name="Rainy day", type=GoalType.SAVINGS, target_amount=Decimal(5000)), now)
    prices.update_prices(now)
    return goal.id


def compile_sources() -> None:
    """Compiles our modules' bytecode before the rounds, as the deployed assets carry it
    (infra/constructs/bundling.py). Where PYTHONDONTWRITEBYTECODE is set (as in many shells and CI images) no
    child writes it, so without this every child compiled each of our modules from source: the "without
    compiled bytecode" case (``_stale_bytecode``), not a cold start, and one that weighs on a function in
    proportion to how many of our modules it imports. The reference's own module is compiled too.
    Timestamp pycs: a module changed later is compiled again, never run stale."""
    import compileall

    for folder in ("layers/goalpost/python", "functions"):
        compileall.compile_dir(REPO_ROOT / folder, quiet=1)
    for module in ("tests/__init__.py", "tests/bench/__init__.py", "tests/bench/naive_function.py"):
        compileall.compile_file(REPO_ROOT / module, quiet=1)


def measure(rounds: int, progress: Callable[[str], None], only: frozenset[str] | None = None) -> dict[str, Any]:
    """Every function, or those named in ``only`` (and the reference); the bytecode-less runs only for all."""
    compile_sources()
    with world() as (environment, goal_id, now):
        measured = subjects(environment, goal_id, now)
        if only is not None:
            unknown = only - {s.name for s in measured}
            if unknown:
                raise ValueError(f"no such functions: {sorted(unknown)}")
            measured = [s for s in measured if s.name in only or s.kind == "reference"]
        samples: dict[str, list[dict[str, Any]]] = {s.name: [] for s in measured}
        order = random.Random(20261121)
        for round_number in range(rounds):
            for subject in order.sample(measured, len(measured)):
                samples[subject.name].append(_run_child(subject))
                if subject.name in COORDINATORS:
                    _empty_work_queues()
            progress(f"cold starts: round {round_number + 1}/{rounds}")
        stale = _stale_bytecode(measured, progress) if only is None else {}
    return summarize(measured, samples, rounds, stale)


def _empty_work_queues() -> None:
    """Takes away what a coordinator queued (nothing consumes it here): moto's SendMessage grows with the
    queue's length, which would make every round's coordinators slower than the last. (PurgeQueue is refused
    within 60 s of the last one, as SQS refuses it.)"""
    from goalpost import aws
    from goalpost.settings import get_settings

    settings = get_settings()
    sqs = aws.client("sqs")
    for url in (settings.snapshot_queue_url, settings.end_of_day_queue_url):
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _median(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def _median_ratio(runs: list[dict[str, Any]], reference: list[dict[str, Any]], key: str) -> float:
    """The median over the rounds of each round's ratio to the reference measured in the same round: a round the
    whole machine was slow in cancels out, and one noisy round cannot pass or fail a function alone."""
    return statistics.median(run[key] / base[key] for run, base in zip(runs, reference, strict=True))


def summarize(
    measured: list[Subject], samples: dict[str, list[dict[str, Any]]], rounds: int, stale: dict[str, Any]
) -> dict[str, Any]:
    """Per function: medians of the import, the import plus first invocation, and a warm invocation, and the
    ratios to the reference, each the median of the rounds' own ratios (the samples are in round order). The goal
    is on the import ratio (the module's cold load); both ratios are reported."""
    reference = samples["naive-reference"]
    reference_import, reference_total = _median(reference, "import_ms"), _median(reference, "total_ms")
    memory = {f.name: f.memory_mb for f in declaration.ALL_FUNCTIONS}
    rows = []
    for subject in measured:
        runs = samples[subject.name]
        goal = GOAL_RATIO.get(subject.kind)
        import_ratio = _median_ratio(runs, reference, "import_ms")
        rows.append(
            {
                "function": subject.name,
                "kind": subject.kind,
                "memory_mb": memory.get(subject.name),
                "import_median_ms": round(_median(runs, "import_ms"), 1),
                "import_ratio": round(import_ratio, 3),
                "median_ms": round(_median(runs, "total_ms"), 1),
                "ratio": round(_median_ratio(runs, reference, "total_ms"), 3),
                "warm_median_ms": round(_median(runs, "warm_ms"), 1),
                "min_ms": round(min(r["total_ms"] for r in runs), 1),
                "max_ms": round(max(r["total_ms"] for r in runs), 1),
                "runs": len(runs),
                "goal_ratio": goal,
                "meets_goal": goal is None or import_ratio <= goal,
            }
        )
    return {
        "rounds": rounds,
        "reference_import_ms": round(reference_import, 1),
        "reference_median_ms": round(reference_total, 1),
        "functions": rows,
        "stale_bytecode": stale,
    }


def _stale_bytecode(measured: list[Subject], progress: Callable[[str], None], runs: int = 3) -> dict[str, Any]:
    """What a missing or stale ``.pyc`` costs (a read-only /var/task whose timestamps don't match): the heaviest
    API function and the reference with an empty bytecode cache, which the deployed assets' compiled
    ``.pyc`` files (unchecked hash) avoid."""
    chosen = [s for s in measured if s.name in ("goals-api", "naive-reference")]
    figures: dict[str, Any] = {}
    for subject in chosen:
        totals = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as cache:
                extra = {"PYTHONPYCACHEPREFIX": cache, "PYTHONDONTWRITEBYTECODE": "1"}
                totals.append(_run_child(subject, extra)["total_ms"])
        figures[subject.name] = round(statistics.median(totals), 1)
    progress("cold starts: without compiled bytecode")
    return figures


def main(argv: list[str] | None = None) -> int:
    from tests.bench import report
    from tests.bench.__main__ import DEFAULT_ROUNDS, MIN_ROUNDS, progress
    from tests.bench.environment import QUIET_ENV

    os.environ.update(QUIET_ENV)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help=f"at least {MIN_ROUNDS}")
    parser.add_argument("--only", default="", help="functions to measure, comma-separated (default: all)")
    args = parser.parse_args(argv)
    if args.rounds < MIN_ROUNDS:
        parser.error(f"--rounds must be at least {MIN_ROUNDS}: the ratios are medians over the rounds")
    only = frozenset(name.strip() for name in args.only.split(",") if name.strip()) or None
    try:
        results = measure(args.rounds, progress, only)
    except ValueError as error:
        parser.error(str(error))
    print("\n".join(report.cold_table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
