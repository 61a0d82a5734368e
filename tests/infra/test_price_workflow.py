"""The 10-second price workflow is bounded (infra/constructs/sub_minute.py): each run ends inside its slot, an
execution inside its minute, and the function's concurrency is reserved, so slow providers cannot pile up
executions or take the account's concurrency."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from goalpost import declaration
from goalpost.edges.market.http import RetryPolicy
from infra.constructs.sub_minute import (
    CONCURRENCY_PER_SHARD,
    TASK_TIMEOUT_MARGIN_SECONDS,
    slot_seconds,
)

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

PRICE_UPDATE = declaration.JOBS_BY_NAME["price_update"]
SUB_MINUTE_JOBS = [job for job in declaration.JOBS if job.schedule.sub_minute]


def definition(synth: Synth, job: declaration.Job) -> dict[str, Any]:
    machine = synth.json["Resources"][synth.logical_id(synth.stack.jobs.state_machines[job.function.name])]
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    # The function's ARN is a reference inside the JSON; a placeholder string keeps it parseable.
    return json.loads("".join(part if isinstance(part, str) else "ARN" for part in parts))


def run_states(states: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Task state, however deep in the Map states."""
    found = []
    for state in states.values():
        if state["Type"] == "Task":
            found.append(state)
        if "ItemProcessor" in state:
            found += run_states(state["ItemProcessor"]["States"])
    return found


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_the_function_and_its_task_end_inside_the_slot(synth: Synth, job: declaration.Job) -> None:
    slot = slot_seconds(job)
    function = synth.json["Resources"][synth.logical_id(synth.stack.functions.by_name[job.function.name])]
    timeout = function["Properties"]["Timeout"]
    assert timeout == job.function.timeout_seconds
    assert timeout + TASK_TIMEOUT_MARGIN_SECONDS <= slot
    tasks = run_states(definition(synth, job)["States"])
    assert tasks
    for task in tasks:
        assert task["TimeoutSeconds"] == timeout + TASK_TIMEOUT_MARGIN_SECONDS


def test_the_price_update_times_out_in_eight_seconds() -> None:
    """It used to be 60 s against a 10 s slot."""
    assert PRICE_UPDATE.function.timeout_seconds == 8
    assert slot_seconds(PRICE_UPDATE) == 10


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_an_execution_ends_inside_its_minute(synth: Synth, job: declaration.Job) -> None:
    timeout = definition(synth, job)["TimeoutSeconds"]
    assert timeout < 60
    # The last slot's run still fits: it starts at its offset and its task ends within the slot.
    assert job.schedule.every is not None
    last_slot = (job.schedule.runs_per_minute - 1) * int(job.schedule.every.total_seconds())
    assert last_slot + job.function.timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS <= timeout


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_the_function_has_a_reserved_concurrency_of_a_few_slots(synth: Synth, job: declaration.Job) -> None:
    function = synth.json["Resources"][synth.logical_id(synth.stack.functions.by_name[job.function.name])]
    assert function["Properties"]["ReservedConcurrentExecutions"] == job.shards * CONCURRENCY_PER_SHARD
    assert PRICE_UPDATE.shards * CONCURRENCY_PER_SHARD == 16


def test_only_the_sub_minute_functions_reserve_concurrency(synth: Synth) -> None:
    reserved = {
        logical_id
        for logical_id, function in synth.resources("AWS::Lambda::Function").items()
        if "ReservedConcurrentExecutions" in function["Properties"]
    }
    assert reserved == {synth.logical_id(synth.stack.functions.by_name[job.function.name]) for job in SUB_MINUTE_JOBS}


@pytest.mark.parametrize("job", SUB_MINUTE_JOBS, ids=declaration.job_name)
def test_the_providers_http_budget_fits_in_the_run(synth: Synth, job: declaration.Job) -> None:
    """Every attempt's timeout plus the longest backoffs leave the run time to store and monitor."""
    function = synth.json["Resources"][synth.logical_id(synth.stack.functions.by_name[job.function.name])]
    environment = function["Properties"]["Environment"]["Variables"]
    budget = declaration.SLOT_MARKET_SETTINGS[job.function.name]
    assert {name: environment[name] for name in budget} == budget
    policy = RetryPolicy(
        timeout_seconds=float(budget["GOALPOST_MARKET_TIMEOUT_SECONDS"]),
        retries=int(budget["GOALPOST_MARKET_RETRIES"]),
        backoff_cap_seconds=float(budget["GOALPOST_MARKET_BACKOFF_CAP_SECONDS"]),
    )
    worst = (policy.retries + 1) * policy.timeout_seconds + policy.retries * policy.backoff_cap_seconds
    assert worst <= job.function.timeout_seconds * 0.75


def test_a_timeout_that_overruns_the_slot_is_refused() -> None:
    from dataclasses import replace

    too_slow = replace(PRICE_UPDATE, function=replace(PRICE_UPDATE.function, timeout_seconds=10))
    with pytest.raises(ValueError, match="overruns"):
        slot_seconds(too_slow)
    assert slot_seconds(replace(PRICE_UPDATE, schedule=declaration.Schedule(every=timedelta(seconds=15)))) == 15
