"""Fan-out of per-user jobs: the coordinator pages through the registry of users and queues them in batches
for the job's worker (SQS, partial-batch failures). The snapshot and end-of-day jobs share it.

The coordinators live here, apart from their workers' services, so that a coordinator's cold start loads
only what paging and queueing need."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost import aws
from goalpost.data import keys
from goalpost.data import portfolio as portfolio_store
from goalpost.domain.charts import slot_of
from goalpost.domain.clock import iso, parse_iso
from goalpost.observability import metrics
from goalpost.settings import get_settings

USERS_PER_MESSAGE = 50
SEND_BATCH_LIMIT = 10  # SQS SendMessageBatch


def queue_users(queue_url: str, moment: datetime) -> dict[str, Any]:
    """Every registered user (and their cash), in messages of ``USERS_PER_MESSAGE``, all for ``moment``."""
    table = get_settings().data_table_name
    users = [user for shard in range(keys.USER_SHARDS) for user in portfolio_store.registered_users(table, shard)]
    bodies = [
        json.dumps(
            {
                "moment": iso(moment),
                "users": [{"user_id": u, "cash": str(c)} for u, c in users[n : n + USERS_PER_MESSAGE]],
            }
        )
        for n in range(0, len(users), USERS_PER_MESSAGE)
    ]
    sqs = aws.client("sqs")
    sends = 0
    for start in range(0, len(bodies), SEND_BATCH_LIMIT):
        batch = bodies[start : start + SEND_BATCH_LIMIT]
        response = sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(batch)]
        )
        sends += 1
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} batches of users could not be queued")
    return {"users": len(users), "messages": len(bodies), "send_requests": sends}


def parse_batch(body: str) -> tuple[datetime, list[tuple[str, Decimal]]]:
    message = json.loads(body)
    return parse_iso(message["moment"]), [(str(u["user_id"]), Decimal(str(u["cash"]))) for u in message["users"]]


def queue_snapshots(moment: datetime) -> dict[str, Any]:
    """The snapshot job's coordinator: every registered user, queued for the worker, for the slot of ``moment``."""
    slot = slot_of(moment)
    summary = queue_users(get_settings().snapshot_queue_url, slot)
    metrics.add_metric(name="SnapshotUsersQueued", unit="Count", value=summary["users"])
    return {"slot": iso(slot), **summary}


def queue_end_of_day(moment: datetime) -> dict[str, Any]:
    """The end-of-day job's coordinator: every registered user, queued for the worker, for the business date
    of ``moment``."""
    summary = queue_users(get_settings().end_of_day_queue_url, moment)
    return {"business_date": moment.date().isoformat(), **summary}
