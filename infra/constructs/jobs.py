"""Schedules and fan-out: per declared job an EventBridge rule (with retries and a dead-letter queue) that
starts the job's function, or, for a cadence under a minute, an Express workflow that runs it several times a
minute; for a job with a worker, the worker's SQS event source on the job's work queue; and for each queue
consumer (the SMS sender), its SQS event source on its queue."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal
from infra.constructs.queues import dead_letter_queue
from infra.constructs.sub_minute import SubMinuteRunner

RETRY_ATTEMPTS = 2
# A run that could not start within an hour is stale: the next scheduled run does the same work.
MAX_EVENT_AGE = Duration.hours(1)
# A sub-minute workflow that could not start within a minute is stale (and its slots past): drop it to the DLQ.
# 60 s is also the least EventBridge accepts.
SUB_MINUTE_MAX_EVENT_AGE = Duration.minutes(1)

# The worker's event source: up to the job's ``worker_batch_size`` messages per invocation, gathered for at
# most a few seconds; failed messages are reported one by one (the handler returns batchItemFailures).
WORKER_MAX_BATCHING_WINDOW = Duration.seconds(5)


class Jobs(Construct):
    """Per job: the schedule rule (its target the function, or for a sub-minute cadence the job's Express
    workflow) and the queue that receives the runs that failed for good, both the events EventBridge could not
    deliver and the asynchronous invocations that failed after Lambda's retries; per job with a worker, the
    worker's SQS event source on the job's work queue (``infra.constructs.queues``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        queues: Mapping[str, sqs.IQueue],
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.state_machines: dict[str, sfn.StateMachine] = {}
        self.event_sources: dict[str, event_sources.SqsEventSource] = {}
        for job in declaration.JOBS:
            name = job.function.name
            self.dead_letter_queues[name] = dlq = self._dead_letter_queue(name)
            function = functions[name]
            function.configure_async_invoke(
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
                on_failure=destinations.SqsDestination(dlq),
            )
            acknowledge(function, "Serverless-LambdaDLQ", self._no_dead_letter_config_reason(job))
            self.rules[name] = events.Rule(
                self,
                f"{pascal(name)}Schedule",
                description=self._rule_description(job),
                schedule=events.Schedule.expression(job.schedule.expression),
                targets=[self._target(job, function, dlq)],
            )
            if job.worker is not None:
                self.event_sources[job.worker.name] = self._fan_out(job, functions[job.worker.name], queues)
        for consumer in declaration.QUEUE_CONSUMERS:
            # Work that a person waits for (an SMS): each message as it arrives, no batching window.
            worker = functions[consumer.function.name]
            self.event_sources[consumer.function.name] = consume(worker, consumer, queues, max_batching_window=None)

    @staticmethod
    def _rule_description(job: declaration.Job) -> str:
        if job.schedule.sub_minute:
            return (
                f"{job.function.description} ({job.schedule.runs_per_minute} runs a minute through an Express "
                f"workflow, {job.schedule.expression})"
            )
        return f"{job.function.description} ({job.schedule.expression})"

    @staticmethod
    def _no_dead_letter_config_reason(job: declaration.Job) -> str:
        """Why the job's function has an on-failure destination but no DeadLetterConfig."""
        reason = (
            f"The {job.function.name} job's asynchronous invocations that fail after {RETRY_ATTEMPTS} retries, or "
            "outlive the maximum event age, go to its on-failure destination, the job's dead-letter queue "
            "(EventInvokeConfig), whose records also carry the error; a DeadLetterConfig as well would deliver "
            "each failed event to that queue a second time."
        )
        if job.schedule.sub_minute:
            reason += (
                " Its scheduled runs are synchronous invocations by its Express workflow, which catches a failed run "
                "and goes on with the next slot; the function's Errors alarm reports the failure."
            )
        return reason

    def _target(self, job: declaration.Job, function: lambda_.Function, dlq: sqs.Queue) -> events.IRuleTarget:
        if not job.schedule.sub_minute:
            return targets.LambdaFunction(
                function, dead_letter_queue=dlq, retry_attempts=RETRY_ATTEMPTS, max_event_age=MAX_EVENT_AGE
            )
        runner = SubMinuteRunner(self, f"{pascal(job.function.name)}Runner", job=job, function=function)
        self.state_machines[job.function.name] = runner.state_machine
        return targets.SfnStateMachine(
            runner.state_machine,
            dead_letter_queue=dlq,
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=SUB_MINUTE_MAX_EVENT_AGE,
        )

    @staticmethod
    def _fan_out(
        job: declaration.Job, worker: lambda_.Function, queues: Mapping[str, sqs.IQueue]
    ) -> event_sources.SqsEventSource:
        """The worker consumes the job's queue; the coordinator's send rights come from its ``queues``."""
        assert job.worker is not None
        if job.queue is None:
            raise ValueError(f"job {job.function.name} has a worker but no queue")
        if job.queue.key not in job.function.queues:
            raise ValueError(f"job {job.function.name} must list its queue {job.queue.key!r} in its queues")
        assert job.consumer is not None
        return consume(worker, job.consumer, queues, max_batching_window=WORKER_MAX_BATCHING_WINDOW)

    def _dead_letter_queue(self, name: str) -> sqs.Queue:
        queue = dead_letter_queue(self, f"{pascal(name)}DeadLetters", of=f"the {name} job")
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            f"This queue is the dead-letter queue of the {name} job (EventBridge target DLQ and Lambda "
            "on-failure destination); cdk-nag only recognises DLQs referenced by a redrive policy.",
        )
        return queue


def consume(
    worker: lambda_.Function,
    consumer: declaration.QueueConsumer,
    queues: Mapping[str, sqs.IQueue],
    *,
    max_batching_window: Duration | None,
) -> event_sources.SqsEventSource:
    """``worker`` consumes its queue through an SQS event source mapping that reports failed records one by one
    (the handler returns batchItemFailures); a record that keeps failing goes to the queue's dead-letter queue."""
    spec, queue = consumer.function, consumer.queue
    if queue.visibility_timeout_seconds < spec.timeout_seconds:
        raise ValueError(f"queue {queue.key}: the visibility timeout is shorter than the worker's timeout")
    source = event_sources.SqsEventSource(
        queues[queue.key],
        batch_size=consumer.batch_size,
        max_batching_window=max_batching_window,
        report_batch_item_failures=True,
        max_concurrency=consumer.max_concurrency,
    )
    worker.add_event_source(source)
    acknowledge(
        worker,
        "Serverless-LambdaDLQ",
        f"{spec.name} is invoked only by its SQS event source mapping, synchronously: a DeadLetterConfig "
        "applies to asynchronous invocations and would never receive anything. A message that keeps failing "
        f"goes to the {queue.key} queue's own dead-letter queue after {queue.max_receive_count} receives.",
    )
    for mapping in worker.node.children:
        if isinstance(mapping, lambda_.EventSourceMapping):
            acknowledge(
                mapping,
                "Serverless-LambdaEventSourceMappingDestination",
                "Lambda supports an on-failure destination for stream and Kafka event sources only, not for "
                f"SQS; the {queue.key} queue's redrive policy moves a message that failed "
                f"{queue.max_receive_count} times to its dead-letter queue instead.",
            )
    return source
