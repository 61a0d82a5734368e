"""Sub-minute cadence: a Step Functions Express workflow that runs a job's function several times a minute.

EventBridge fires at most once a minute, so a job declared ``every`` < 1 minute is started by a
``rate(1 minute)`` rule whose target is this workflow (``infra.constructs.jobs``). One execution runs the job
``runs_per_minute`` times, one run per slot ``every`` apart, one after the other (never two runs of one
execution at once). Each run waits until its slot's absolute time, so a slow run delays only the next slot,
never the whole minute. A run that fails is recorded in the execution's output and the next slot runs anyway.

The state machine uses JSONata. The input of the execution is the EventBridge event; the slots are counted
from its ``time`` (the scheduled minute), or from the execution's start time when started by hand. Each run
receives::

    {"id": "<execution name>-<run>", "source": "goalpost.sub-minute", "job": "<job name>",
     "scheduled_time": "2026-01-01T12:00:10Z", "run": 1, "runs_per_minute": 6}

which ``goalpost.edges.jobs.scheduled_time`` reads (``scheduled_time``) and ``job_handler`` logs (``id``).
A job declared with ``shards`` > 1 (the price update) runs each slot as that many invocations at once, each
with ``"shard": k, "shards": n`` (and ``-k`` appended to its ``id``), each over its shard of the work; the
next slot waits for all of them.

Bounded so that slow providers cannot pile up executions: the function's timeout plus a second is each run's
task timeout and fits in the slot, an execution times out before the next minute's starts, and the function's
concurrency is reserved at a small multiple of its shards.
"""

from __future__ import annotations

from datetime import timedelta

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import LOG_RETENTION, acknowledge, logical_id

EVENT_SOURCE = "goalpost.sub-minute"
# A Wait state's timestamp counts whole seconds (Step Functions truncates milliseconds), so the slots do too.
SLOT_PICTURE = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z"
# The Lambda errors worth one more try within the slot: throttling and Lambda's own transient faults. A failure
# of the function itself is not retried here: the next slot is ten seconds away and does the same work.
TRANSIENT_LAMBDA_ERRORS = [
    "Lambda.TooManyRequestsException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
]
# The task waits this long beyond the function's own timeout (the invoke's round trip), so that a slow run ends
# as the function's timeout, logged and counted in its Errors, and the task timeout only catches a lost invoke.
TASK_TIMEOUT_MARGIN_SECONDS = 1
# An execution runs the minute's slots and must be over before the next minute's execution starts its own: the
# last slot starts at :50 and its task ends within the slot, so 59 s is enough and executions never pile up.
WORKFLOW_TIMEOUT = Duration.seconds(59)
# Reserved concurrency per shard: one slot runs one invocation per shard, and the next minute's first slot may
# start while the last one's invocations are still returning. Twice the shards covers that overlap and
# bounds what slow providers can take from the account's concurrency (and from the tables).
CONCURRENCY_PER_SHARD = 2


def slot_offsets(schedule: declaration.Schedule) -> list[int]:
    """Seconds from the start of the minute of each run: ``[0, 10, 20, 30, 40, 50]`` for every 10 s."""
    if not schedule.sub_minute or schedule.every is None:
        raise ValueError(f"{schedule} is not a sub-minute schedule")
    if schedule.every % timedelta(seconds=1):
        raise ValueError(f"a sub-minute cadence must be whole seconds, not {schedule.every}")
    every = int(schedule.every.total_seconds())
    return [run * every for run in range(schedule.runs_per_minute)]


def slot_seconds(job: declaration.Job) -> int:
    """The seconds between two runs; the function's timeout plus the task's margin must fit in them."""
    assert job.schedule.every is not None
    slot = int(job.schedule.every.total_seconds())
    if job.function.timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS > slot:
        raise ValueError(f"{job.function.name}: a {job.function.timeout_seconds} s timeout overruns its {slot} s slot")
    return slot


def reserved_concurrency(job: declaration.Job) -> int:
    return job.shards * CONCURRENCY_PER_SHARD


class SubMinuteRunner(Construct):
    """The Express workflow (and its log group) that runs ``job``'s function ``runs_per_minute`` times a minute."""

    def __init__(self, scope: Construct, construct_id: str, *, job: declaration.Job, function: lambda_.Function):
        super().__init__(scope, construct_id)
        name = declaration.job_name(job)
        offsets = slot_offsets(job.schedule)
        runs = len(offsets)
        every = f"{slot_seconds(job)} s"
        self._bound_to_the_slot(job, function)

        # Base of the slots: the scheduled minute of the EventBridge event, else the execution's start.
        base = "($exists($states.input.time) ? $states.input.time : $states.context.Execution.StartTime)"
        runs_map = sfn.Map.jsonata(
            self,
            "Runs",
            comment=f"{runs} runs of {job.function.name}, {every} apart, one at a time",
            items=sfn.ProvideItems.json_array(offsets),
            max_concurrency=1,
            item_selector={
                "run": "{% $states.context.Map.Item.Index %}",
                "scheduled_time": (
                    f"{{% $fromMillis($toMillis({base}) + $states.context.Map.Item.Value * 1000, '{SLOT_PICTURE}') %}}"
                ),
            },
        )
        wait = sfn.Wait.jsonata(
            self,
            "WaitForSlot",
            comment="Until the run's slot; a slot already past (a slow earlier run) continues at once",
            time=sfn.WaitTime.timestamp("{% $states.input.scheduled_time %}"),
        )
        sharded = job.shards > 1
        run_id = "$states.context.Execution.Name & '-' & $string($states.input.run)"
        run = tasks.LambdaInvoke.jsonata(
            self,
            "Run",
            comment=f"Runs {job.function.name} for its slot"
            + (" and shard" if sharded else "")
            + " (synchronously: one slot at a time)",
            lambda_function=function,
            payload=sfn.TaskInput.from_object(
                {
                    "id": f"{{% {run_id} & '-' & $string($states.input.shard) %}}" if sharded else f"{{% {run_id} %}}",
                    "source": EVENT_SOURCE,
                    "job": name,
                    "scheduled_time": "{% $states.input.scheduled_time %}",
                    "run": "{% $states.input.run %}",
                    "runs_per_minute": runs,
                    **({"shard": "{% $states.input.shard %}", "shards": job.shards} if sharded else {}),
                }
            ),
            retry_on_service_exceptions=False,  # the default backs off for a minute, far longer than a slot
            task_timeout=sfn.Timeout.duration(
                Duration.seconds(job.function.timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS)
            ),
            outputs={
                "run": "{% $states.input.run %}",
                "scheduled_time": "{% $states.input.scheduled_time %}",
                "status": "ok",
            },
        )
        run.add_retry(errors=TRANSIENT_LAMBDA_ERRORS, interval=Duration.seconds(1), max_attempts=2, backoff_rate=2)
        # Any failure of a run (the function's error, a timeout, throttling after the retries) ends that run
        # only: the error is kept in the execution's output and the next slot runs.
        run.add_catch(
            sfn.Pass.jsonata(self, "RunFailed", comment="Keeps the failure and goes on with the next slot"),
            errors=[sfn.Errors.ALL],
            outputs={
                "run": "{% $states.input.run %}",
                "scheduled_time": "{% $states.input.scheduled_time %}",
                "status": "failed",
                "error": "{% $states.errorOutput.Error %}",
            },
        )
        if sharded:
            # The slot's work split over ``job.shards`` invocations at once; the slot ends when all have.
            shards_map = sfn.Map.jsonata(
                self,
                "Shards",
                comment=f"{job.shards} runs of {job.function.name} at once, one per shard of the slot's work",
                items=sfn.ProvideItems.json_array(list(range(job.shards))),
                max_concurrency=job.shards,
                item_selector={
                    "run": "{% $states.input.run %}",
                    "scheduled_time": "{% $states.input.scheduled_time %}",
                    "shard": "{% $states.context.Map.Item.Value %}",
                },
            )
            shards_map.item_processor(run)
            runs_map.item_processor(wait.next(shards_map))
        else:
            runs_map.item_processor(wait.next(run))

        # Under /aws/vendedlogs/ so that CloudWatch Logs does not grow the account's log resource policy for it.
        # Named, hence destroyed with the stack: a retained named group would block the next deploy of the stack.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{Stack.of(self).stack_name}-{job.function.name}",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment=f"{job.function.description}: {runs} runs a minute, {every} apart",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            query_language=sfn.QueryLanguage.JSONATA,
            definition_body=sfn.DefinitionBody.from_chainable(runs_map),
            timeout=WORKFLOW_TIMEOUT,
            # ALL (cdk-nag SF1) without the execution data: the events say which run failed and why, while the
            # payloads stay out of the logs.
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
        acknowledge(
            self.state_machine.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5",
            "Express workflow logging and X-Ray tracing: the CloudWatch Logs delivery actions "
            "(logs:CreateLogDelivery, ...) and xray:PutTraceSegments support no resource-level permissions, so "
            "Resource * is the only possible value.",
            applies_to=["Resource::*"],
        )
        acknowledge(
            self.state_machine.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5",
            f"The CDK's LambdaInvoke grant names the {job.function.name} function and <its ARN>:*, its versions "
            "and aliases; no other function may be invoked by this workflow.",
            applies_to=[f"Resource::<{logical_id(function)}.Arn>:*"],
        )

    @staticmethod
    def _bound_to_the_slot(job: declaration.Job, function: lambda_.Function) -> None:
        """Reserves the function's concurrency (its providers' HTTP budget is declaration.SLOT_MARKET_SETTINGS)."""
        cfn_function = function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        cfn_function.reserved_concurrent_executions = reserved_concurrency(job)
