"""EventBridge schedules: one rule per declared job, with retries and a dead-letter queue per job."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal

RETRY_ATTEMPTS = 2
# A run that could not start within an hour is stale: the next scheduled run does the same work.
MAX_EVENT_AGE = Duration.hours(1)
DLQ_RETENTION = Duration.days(14)  # the SQS maximum: time to notice, inspect and redrive


class Jobs(Construct):
    """Per job: the schedule rule and the queue that receives the runs that failed for good, both the events
    EventBridge could not deliver and the asynchronous invocations that failed after Lambda's retries."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: Mapping[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for job in declaration.JOBS:
            name = job.function.name
            self.dead_letter_queues[name] = dlq = self._dead_letter_queue(name)
            function = functions[name]
            function.configure_async_invoke(
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
                on_failure=destinations.SqsDestination(dlq),
            )
            self.rules[name] = events.Rule(
                self,
                f"{pascal(name)}Schedule",
                description=f"{job.function.description} ({job.schedule.expression})",
                schedule=events.Schedule.expression(job.schedule.expression),
                targets=[
                    targets.LambdaFunction(
                        function,
                        dead_letter_queue=dlq,
                        retry_attempts=RETRY_ATTEMPTS,
                        max_event_age=MAX_EVENT_AGE,
                    )
                ],
            )

    def _dead_letter_queue(self, name: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            f"{pascal(name)}DeadLetters",
            # SQS-managed SSE: EventBridge and Lambda can write to it without a key policy to maintain.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            f"This queue is the dead-letter queue of the {name} job (EventBridge target DLQ and Lambda "
            "on-failure destination); cdk-nag only recognises DLQs referenced by a redrive policy.",
        )
        return queue
