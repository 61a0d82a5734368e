"""SQS work queues: one per declared queue, each with its own dead-letter queue through a redrive policy."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal

DLQ_RETENTION = Duration.days(14)  # the SQS maximum: time to notice, inspect and redrive
RETENTION = Duration.days(4)  # the SQS default, stated: unprocessed work is stale long before that


def encrypted_queue(
    scope: Construct,
    construct_id: str,
    *,
    retention_period: Duration,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    """An SQS queue with SQS-managed SSE, TLS only: Lambda's event source mapping, EventBridge and the senders
    need no key policy or kms:*."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=retention_period,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
    )


def dead_letter_queue(scope: Construct, construct_id: str, *, of: str) -> sqs.Queue:
    """The queue that keeps what ``of`` (``the snapshot-work queue``, ``the snapshot job``) gave up on."""
    queue = encrypted_queue(scope, construct_id, retention_period=DLQ_RETENTION)
    acknowledge(
        queue,
        "Serverless-SQSRedrivePolicy",
        f"This queue is the dead-letter queue of {of}, the end of the line: a redrive policy would need a "
        "dead-letter queue for the dead letters. It keeps them 14 days and its depth alarms the ops topic "
        "(infra/constructs/monitoring.py).",
    )
    return queue


class Queues(Construct):
    """Every queue in ``declaration.QUEUES``, keyed by the declared queue key (``snapshot-work``), and its DLQ."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in declaration.QUEUES:
            self.dead_letter_queues[spec.key], self.queues[spec.key] = self._queue(spec)

    def _queue(self, spec: declaration.Queue) -> tuple[sqs.Queue, sqs.Queue]:
        construct_id = pascal(spec.key)
        dead_letters = dead_letter_queue(self, f"{construct_id}DeadLetters", of=f"the {spec.key} queue")
        queue = encrypted_queue(
            self,
            f"{construct_id}Queue",
            retention_period=RETENTION,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=spec.max_receive_count),
        )
        return dead_letters, queue
