"""SQS work queues: one per declared queue, each with its own dead-letter queue through a redrive policy."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import acknowledge, pascal

DLQ_RETENTION = Duration.days(14)  # the SQS maximum: time to notice, inspect and redrive
RETENTION = Duration.days(4)  # the SQS default, stated: unprocessed work is stale long before that


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
        # SQS-managed SSE on both: Lambda's event source mapping and the senders need no key policy or kms:*.
        dead_letters = sqs.Queue(
            self,
            f"{construct_id}DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        acknowledge(
            dead_letters,
            "Serverless-SQSRedrivePolicy",
            f"This queue is the dead-letter queue of the {spec.key} queue, the end of the line: a redrive policy "
            "would need a dead-letter queue for the dead letters. It keeps them 14 days and its depth alarms the "
            "ops topic (infra/constructs/monitoring.py).",
        )
        queue = sqs.Queue(
            self,
            f"{construct_id}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=RETENTION,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=spec.max_receive_count),
        )
        return dead_letters, queue
