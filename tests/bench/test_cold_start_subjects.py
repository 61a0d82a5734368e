"""The cold-start bench measures every function: an API function without a first request stopped the run."""

from __future__ import annotations

from goalpost import declaration
from tests.bench.cold_start import _first_requests


def test_every_api_function_has_a_first_request() -> None:
    assert set(_first_requests("goal-1")) == {function.name for function in declaration.API_FUNCTIONS}


def test_each_worker_is_sent_a_message_in_its_coordinators_shape() -> None:
    """A worker's first message is what its coordinator queues: the account sync worker failed its first
    invocation on the end-of-day worker's shape, which stopped the run."""
    import json
    from datetime import UTC, datetime

    from goalpost.services.job_messages import parse_shard_message
    from tests.bench.cold_start import _worker_event

    now = datetime.now(UTC)
    bodies = {
        job.function.name: json.loads(_worker_event(job, now)["Records"][0]["body"])
        for job in declaration.JOBS
        if job.worker is not None
    }
    assert set(bodies["account-sync"]) == {"moment", "shard"}
    assert parse_shard_message(json.dumps(bodies["snapshot"])) is not None
    assert set(bodies["end-of-day-goals"]) == {"moment", "users"}
    assert set(bodies["goal-cleanup"]) == {"user_id", "goal_id"}
