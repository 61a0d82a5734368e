"""The shared shape of a scheduled job's Lambda entry point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from goalpost.domain.clock import parse_iso, utc_now
from goalpost.observability import logger, metrics, metrics_enabled

# ``run(moment)``, and ``run(moment, shard=k)`` for a job whose runs are split in shards.
JobRun = Callable[..., dict[str, Any]]


def scheduled_time(event: dict[str, Any]) -> datetime:
    """The moment a run stands for: the schedule's time (EventBridge's ``time``, the sub-minute workflow's
    ``scheduled_time``, or ``now`` from a manual run), never the wall clock, so a late or retried run
    evaluates the right moment. The wall clock only when the event names none."""
    for name in ("scheduled_time", "time", "now"):
        value = event.get(name) if isinstance(event, dict) else None
        if isinstance(value, str) and value:
            try:
                return parse_iso(value.replace("Z", "+00:00"))
            except ValueError:
                logger.warning("Unreadable schedule time; using the clock", extra={"field": name, "value": value})
    return utc_now()


def is_scheduled(event: dict[str, Any]) -> bool:
    """Whether the schedule sent the event (EventBridge's ``Scheduled Event``, or the sub-minute workflow's
    ``scheduled_time``), rather than a person or a test running the job now (``{"now": ...}``)."""
    if not isinstance(event, dict):
        return False
    return event.get("detail-type") == "Scheduled Event" or "scheduled_time" in event


def event_shard(event: dict[str, Any]) -> int | None:
    """The shard of the work a run is for, when a job's runs are split (``declaration.Job.shards``; the
    sub-minute workflow sends ``shard``); None: all of it."""
    value = event.get("shard") if isinstance(event, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _metric_name(job: str) -> str:
    return "".join(part.capitalize() for part in job.split("_"))


def job_handler(
    name: str, run: JobRun, *, tells_scheduled: bool = False
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """Wraps ``run`` with structured logging (the event id as correlation id) and per-run metrics. With
    ``tells_scheduled`` the run also gets ``scheduled=``: whether the schedule started it (``is_scheduled``)."""

    @logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=metrics_enabled())
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        moment = scheduled_time(event)
        shard = event_shard(event)
        logger.append_keys(job=name, scheduled_time=moment.isoformat(), **({} if shard is None else {"shard": shard}))
        options: dict[str, Any] = {} if shard is None else {"shard": shard}
        if tells_scheduled:
            options["scheduled"] = is_scheduled(event)
        summary = run(moment, **options)
        metrics.add_metadata(key="job", value=name)
        metrics.add_metric(name=f"{_metric_name(name)}Runs", unit="Count", value=1)
        logger.info("Job finished", extra={"summary": summary})
        return {"job": name, "scheduled_time": moment.isoformat(), **summary}

    return handler


def queue_worker(name: str, handle: Callable[[str], dict[str, Any]]) -> Callable[[dict[str, Any], LambdaContext], Any]:
    """The entry point of a job's SQS worker: each record's body goes to ``handle``; a record that fails is
    reported back (partial-batch failure, ``ReportBatchItemFailures`` on the event source mapping) so SQS
    retries only it, then its dead-letter queue keeps it.

    The same contract as Powertools' BatchProcessor for a standard queue, in a few lines: the batch utility
    imports asyncio and every event data class, about 50 ms of cold start for a loop."""

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=metrics_enabled())
    def handler(event: dict[str, Any], context: LambdaContext) -> Any:
        logger.append_keys(job=name)
        failures = []
        for record in event.get("Records", []):
            try:
                handle(record["body"])
            except Exception:
                logger.exception("Record failed", extra={"message_id": record.get("messageId")})
                failures.append({"itemIdentifier": record["messageId"]})
        metrics.add_metric(name=f"{_metric_name(name)}BatchFailures", unit="Count", value=len(failures))
        return {"batchItemFailures": failures}

    return handler
