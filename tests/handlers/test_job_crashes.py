"""Every job crashed at every write it makes, then retried as AWS retries it, ends exactly where a clean run
ends: nothing duplicated, nothing missing.

For each job a clean run in a fresh world counts its writes (DynamoDB writes, SNS publishes, SQS sends) and
records what it left. Then, for every k, a fresh world runs the same job with an exception raised just
before its k-th write — the function dies there, as on a timeout or an out-of-memory — and is retried the way
it is deployed: the schedule's invocation again (Lambda retries a failed asynchronous invocation), and SQS
delivering a failed worker batch again. The outcome must equal the clean run's, and one more run must change
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.client import BaseClient

from goalpost import declaration
from goalpost.data import keys
from goalpost.data import prices as price_store
from goalpost.domain.portfolio import CachedPrice
from goalpost.settings import get_settings
from infra.local.aws import LocalAws, published
from infra.local.event_sources import drain_queue
from infra.local.scheduler import JobRunner
from tests.depth import THOROUGH
from tests.handlers.conftest import Api, connect_simulated_account, point_at_market, registry
from tests.handlers.test_goals_api import stored_items

JOBS = ("price_update", "snapshot", "position_monitor", "end_of_day_goals", "deliver_alerts", "account_sync")
WRITES = {
    "dynamodb": {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"},
    "sns": {"Publish", "PublishBatch"},
    "sqs": {"SendMessage", "SendMessageBatch"},
}
MOMENT = datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _moment_of_this_test() -> None:
    """The scheduled moment is taken when each test starts (quiet hours and price ages are set around it)."""
    global MOMENT  # noqa: PLW0603 (the scenario's clock, read by the helpers below)
    MOMENT = datetime.now(UTC).replace(second=0, microsecond=0)


class InjectedCrash(Exception):
    """The function dies here."""


@contextmanager
def writes_counted(crash_at: int | None = None) -> Iterator[list[str]]:
    """Counts the writes made through any boto3 client; raises ``InjectedCrash`` instead of the
    ``crash_at``-th one (1-based)."""
    seen: list[str] = []
    original = BaseClient._make_api_call

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation in WRITES.get(client.meta.service_model.service_name, ()):
            seen.append(operation)
            if len(seen) == crash_at:
                raise InjectedCrash(f"crashed before write {crash_at} ({operation})")
        return original(client, operation, params)

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def prepare(api: Api, market: Any, job: str) -> JobRunner:
    """A user with cash, two positions (one whose take profit the market has crossed), goals near their
    deadline and delivery preferences; then the jobs that run before ``job`` have run."""
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 20000})
    api.post("/positions", {"symbol": "AAPL", "quantity": 10, "entry_price": 100, "take_profit": 110})
    api.post("/positions", {"symbol": "MSFT", "quantity": 5, "entry_price": 300, "stop_loss": 290})
    api.post("/goals", {"name": "Worth", "type": "portfolio_value", "target_amount": 30000})
    for name, days in (("Trip", 3), ("Car", 20)):
        deadline = (MOMENT + timedelta(days=days)).date().isoformat()
        api.post("/goals", {"name": name, "type": "savings", "target_amount": 5000, "deadline": deadline})
    # No pacing between messages: which of two simultaneous alerts a pause would hold back depends on thread
    # timing, and the outcome must not.
    # For the delivery job's own run, the email and SMS wait for the end of quiet hours around now.
    quiet = [MOMENT - timedelta(minutes=5), MOMENT + timedelta(minutes=5)] if job == "deliver_alerts" else []
    start, end = (t.strftime("%H:%M") for t in quiet) if quiet else ("00:00", "00:01")
    preferences = {"email": "alice@example.com", "phone": "+15555550100", "sms_enabled": True, "timezone": "UTC",
                   "min_hours_between_alerts": 0, "max_alerts_per_day": 1000}  # fmt: skip
    api.patch("/alerts/preferences", {**preferences, "quiet_hours_start": start, "quiet_hours_end": end})
    crossing = {"AAPL": 112, "MSFT": 280}
    # The price update closes what its prices cross at once; for the monitor's own run, it sees calm prices.
    market.configure({"prices": {"AAPL": 105, "MSFT": 295} if job == "position_monitor" else crossing})
    connect_simulated_account(market)  # the account sync creates its position (a sync writes several times)
    runner = JobRunner(registry, retry_after_seconds=0)
    for earlier in JOBS[: JOBS.index(job)]:
        runner.run(earlier, MOMENT)
    if job == "position_monitor":
        cached = [CachedPrice(symbol=s, price=Decimal(p), updated_at=MOMENT, source="t") for s, p in crossing.items()]
        price_store.put_prices(get_settings().system_table_name, cached)
    return runner


# What finishes the work of a run that died where its retry cannot see it, by design:
# - a price update hands the symbols it changed to the monitor; when it dies after storing the prices, its
#   retry sees no change, and the closes fall to the position monitor's next run (every 3 minutes);
# - an alert whose publish died stays in the outbox, which the delivery job publishes (every 5 minutes).
BACKSTOPS = {"price_update": ("position_monitor", "deliver_alerts")}


def run_as_deployed(runner: JobRunner, job: str) -> None:
    """The job's invocation, retried once if it dies (Lambda's asynchronous retry), then SQS delivering
    whatever a dead worker left in its queue."""
    try:
        runner.run(job, run_time(job))
    except InjectedCrash:
        runner.run(job, run_time(job))
    spec = declaration.JOBS_BY_NAME[job]
    if spec.worker is not None and spec.queue is not None:
        drain_queue(registry, spec.worker, spec.queue, visibility_seconds=0)


def run_time(job: str) -> datetime:
    """The scheduled moment of the run under test (the delivery job's: after the quiet hours)."""
    return MOMENT + timedelta(minutes=10) if job == "deliver_alerts" else MOMENT


def settle(runner: JobRunner, job: str) -> None:
    """The backstops' next scheduled runs: a few minutes on, when a dead run's leases are over."""
    later = max(datetime.now(UTC), run_time(job)) + timedelta(minutes=4)
    for backstop in BACKSTOPS.get(job, ("deliver_alerts",)):
        runner.run(backstop, later)


def outcome(api: Api) -> dict[str, Any]:
    """Everything a job may write, without ids or wall-clock times, so two worlds compare."""
    goals = {g["id"]: g["name"] for g in api.get("/goals").body}
    positions = api.get("/positions").body
    symbols = {p["id"]: p["symbol"] for p in positions}
    alerts = api.get("/alerts", query={"limit": 100}).body
    return {
        "alerts": sorted(
            (a["alert_type"], goals.get(a["goal_id"]) or symbols.get(a["position_id"]), a["delivered_at"] is None)
            for a in alerts
        ),
        "positions": sorted((p["symbol"], p["status"], p["exit_reason"], p["realized_pnl"]) for p in positions),
        "prices": {p["symbol"]: p["price"] for p in api.get("/prices", query={"symbols": "AAPL,MSFT"}).body},
        "snapshots": sorted(
            (s["timestamp"], s["total_value"]) for s in api.get("/portfolio/snapshots", query={"limit": 100}).body
        ),
        "history": len(stored_items("test-data", keys.trading_history_pk("alice", "portfolio_value"))),
        "entries": sorted((goals[g], len(api.get(f"/goals/{g}/progress/history").body)) for g in goals),
        # Messages are sent at least once: a run that dies between a send and its record sends it again.
        "published": sorted({(p.topic or "", p.phone_number or "", p.subject or "") for p in published.all()}),
    }


def repeats() -> set[str]:
    """The alerts with a message sent more than once (subscribers tell a repeat by its ``alert_id``). One
    crash may repeat the messages of the one alert whose release it interrupted, and no other."""
    sent = Counter((p.topic, p.phone_number, p.attributes.get("alert_id", "")) for p in published.all())
    return {alert_id for (_, _, alert_id), times in sent.items() if times > 1}


def differences(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """Per differing part: what is missing and what is extra (lists compared as multisets)."""
    found: dict[str, Any] = {}
    for name, want in expected.items():
        have = got[name]
        if have == want:
            continue
        if isinstance(want, list):
            found[name] = {"missing": list((Counter(want) - Counter(have)).elements()),
                           "extra": list((Counter(have) - Counter(want)).elements())}  # fmt: skip
        else:
            found[name] = {"got": have, "expected": want}
    return found


def clean_run(api: Api, market: Any, job: str) -> tuple[int, dict[str, Any]]:
    runner = prepare(api, market, job)
    with writes_counted() as seen:
        run_as_deployed(runner, job)
    settle(runner, job)
    return len(seen), outcome(api)


@contextmanager
def fresh_world(simulated_market: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    world = LocalAws(prefix="test").start()
    try:
        point_at_market(simulated_market, monkeypatch)
        yield Api()
    finally:
        world.stop()


def crash_points(writes: int) -> list[int]:
    """Every write in ``make verify``; the first, a middle one and the last in ``make test``."""
    if THOROUGH:
        return list(range(1, writes + 1))
    return sorted({1, (writes + 1) // 2, writes})


@pytest.mark.parametrize("job", JOBS)
def test_a_job_crashed_at_any_write_and_retried_ends_as_a_clean_run(
    simulated_market: Any, monkeypatch: pytest.MonkeyPatch, job: str
) -> None:
    market = simulated_market
    with fresh_world(simulated_market, monkeypatch) as api:
        writes, expected = clean_run(api, market, job)
    assert writes > 0
    for crash_at in crash_points(writes):
        with fresh_world(simulated_market, monkeypatch) as api:
            runner = prepare(api, market, job)
            with writes_counted(crash_at) as seen:
                run_as_deployed(runner, job)
            assert len(seen) >= crash_at, f"{job}: the crash before write {crash_at} never happened"
            settle(runner, job)
            after = outcome(api)
            assert after == expected, f"{job}, crash before write {crash_at}: {differences(after, expected)}"
            assert len(repeats()) <= 1, f"{job}, crash before write {crash_at}: repeats of {repeats()}"
            run_as_deployed(runner, job)
            again = outcome(api)
            assert again == expected, f"{job}, crash before write {crash_at}, rerun: {differences(again, expected)}"
            assert len(repeats()) <= 1, f"{job}, crash before write {crash_at}, rerun: repeats of {repeats()}"
