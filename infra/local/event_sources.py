"""Lambda's SQS event source mapping, locally: a queue's messages fed to its consumer in batches, what the consumer
reports failed left for a retry (and, past the queue's receive count, its dead-letter queue)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from goalpost import aws as goalpost_aws
from goalpost.declaration import Function, Queue
from infra.local.aws import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from infra.local.lambdas import HandlerRegistry


def sqs_event(queue_arn: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends a worker."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }


def drain_queue(
    registry: HandlerRegistry, worker: Function, queue: Queue, batch_size: int = 10, visibility_seconds: int = 60
) -> dict[str, Any]:
    """Feeds everything in ``queue`` to ``worker`` in batches, deleting what it processed and leaving the
    records it reports as failed (they come back after the visibility timeout, then go to the DLQ)."""
    sqs = goalpost_aws.client("sqs")
    url = os.environ[queue.env]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{url.rsplit('/', 1)[1]}"
    batches = processed = failed = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=batch_size, VisibilityTimeout=visibility_seconds
        ).get("Messages", [])
        if not messages:
            break
        batches += 1
        try:
            response = registry.invoke(worker, sqs_event(arn, messages)) or {}
            failures = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:  # the whole invocation failed (every record did): SQS will deliver them all again
            failures = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failures]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)]
            )
        processed += len(done)
        failed += len(failures)
        if failures and not done:
            break  # only failures left: they wait for their visibility timeout, as in AWS
    return {"batches": batches, "messages": processed, "failed": failed}
