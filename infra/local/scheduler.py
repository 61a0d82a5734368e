"""The schedules of the declaration, ticking on a local clock, and running a job now."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost import declaration
from goalpost.declaration import Job
from infra.local.aws import ACCOUNT_ID, REGION
from infra.local.event_sources import drain_queue
from infra.local.lambdas import HandlerRegistry


def scheduled_event(job: Job, when: datetime) -> dict[str, Any]:
    """The event EventBridge sends a scheduled target; ``time`` is the schedule's time, not the wall clock."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/goalpost-local-{declaration.job_name(job)}"],
        "detail": {},
    }


def manual_event(when: datetime) -> dict[str, Any]:
    """The event of a run asked for now (``/_local/jobs/{name}``, or invoking the function by hand)."""
    return {"id": str(uuid.uuid4()), "now": when.astimezone(UTC).isoformat()}


def next_run(job: Job, after: datetime) -> datetime:
    schedule = job.schedule
    if schedule.cron is not None:
        minute, hour = schedule.cron
        candidate = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return candidate if candidate > after else candidate + timedelta(days=1)
    assert schedule.every is not None
    return after + schedule.every


class JobRunner:
    """Runs jobs through their Lambda handlers; one run of a job at a time (a tick that finds the previous
    run still going is skipped, as a slow Lambda would pile up otherwise)."""

    def __init__(self, registry: HandlerRegistry, retry_after_seconds: int = 60) -> None:
        self.registry = registry
        self.retry_after_seconds = retry_after_seconds  # how long a failed worker record stays invisible
        self._running: dict[str, threading.Lock] = {name: threading.Lock() for name in declaration.JOBS_BY_NAME}

    def run(self, name: str, when: datetime | None = None, *, wait: bool = True, scheduled: bool = False) -> Any:
        """Runs the job as of ``when`` (now by default): as its schedule would (``scheduled``: the EventBridge
        event), or as a person asking for a run now."""
        job = declaration.JOBS_BY_NAME[name]
        lock = self._running[name]
        if not lock.acquire(blocking=wait):
            return None
        try:
            moment = when or datetime.now(UTC)
            event = scheduled_event(job, moment) if scheduled else manual_event(moment)
            summary = self.registry.invoke(job.function, event)
            if job.worker is not None and job.queue is not None:
                # What the SQS event source mapping does when deployed: the worker consumes what was queued.
                drained = drain_queue(self.registry, job.worker, job.queue, visibility_seconds=self.retry_after_seconds)
                summary = {**summary, "worker": drained}
            return summary
        finally:
            lock.release()


class Scheduler:
    def __init__(self, runner: JobRunner, on_error: Any = None) -> None:
        self.runner = runner
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        now = datetime.now(UTC)
        due = {name: next_run(job, now) for name, job in declaration.JOBS_BY_NAME.items()}
        while not self._stop.wait(0.5):
            now = datetime.now(UTC)
            for name, when in list(due.items()):
                if when <= now:
                    due[name] = next_run(
                        declaration.JOBS_BY_NAME[name], when if when > now - timedelta(minutes=1) else now
                    )
                    threading.Thread(target=self._run, args=(name, when), daemon=True).start()

    def _run(self, name: str, when: datetime) -> None:
        try:
            self.runner.run(name, when, wait=False, scheduled=True)
        except Exception as error:
            if self.on_error:
                self.on_error(name, error)
