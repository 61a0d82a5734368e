"""Fan-out of the per-user jobs to their workers (SQS, partial-batch failures).

- The snapshot job queues one message per registry shard and reads nothing: its worker reads the shard.
- The account sync job queues one message per accounts-registry shard and reads nothing either.
- The end-of-day job pages through the registry of users and queues them, ``USERS_PER_MESSAGE`` a message.

The coordinators live here, apart from their workers' services, so that a coordinator's cold start loads
only what paging and queueing need; the messages they queue are ``services.job_messages``, which the workers
read without loading this module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from goalpost import aws
from goalpost.data import keys
from goalpost.data import registry as registry_store
from goalpost.data.batches import batches
from goalpost.domain.charts import slot_of
from goalpost.domain.clock import iso
from goalpost.services.job_messages import ShardWork, account_sync_message, batch_message, shard_message
from goalpost.settings import get_settings

USERS_PER_MESSAGE = 50  # the end-of-day job's
SEND_BATCH_LIMIT = 10  # SQS SendMessageBatch


def send_messages(queue_url: str, bodies: Sequence[str]) -> int:
    """Queues ``bodies``, 10 a SendMessageBatch; returns the requests made. Raises if any was refused (the run
    fails and is retried: a message sent twice is work done twice under the same keys)."""
    sqs = aws.client("sqs")
    sends = 0
    for batch in batches(bodies, SEND_BATCH_LIMIT):
        response = sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(batch)]
        )
        sends += 1
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} of {len(batch)} messages could not be queued")
    return sends


def queue_users(queue_url: str, moment: datetime) -> dict[str, Any]:
    """Every registered user (and their cash), in messages of ``USERS_PER_MESSAGE``, all for ``moment``."""
    table = get_settings().data_table_name
    users = [user for shard in range(keys.USER_SHARDS) for user in registry_store.registered_users(table, shard)]
    bodies = [batch_message(moment, group) for group in batches(users, USERS_PER_MESSAGE)]
    sends = send_messages(queue_url, bodies)
    return {"users": len(users), "messages": len(bodies), "send_requests": sends}


def queue_snapshots(moment: datetime, *, scheduled: bool = False) -> dict[str, Any]:
    """The snapshot job's coordinator: one message per registry shard, for the slot of ``moment``. It reads
    nothing; each shard's worker reads the shard's registry items, which hold the users' cash and holdings.
    A scheduled run asks for the portfolios whose markets trade in the slot (``services.snapshots.due``); a run
    asked for now records every one."""
    slot = slot_of(moment)
    bodies = [shard_message(ShardWork(slot, shard, scheduled)) for shard in range(keys.USER_SHARDS)]
    sends = send_messages(get_settings().snapshot_queue_url, bodies)
    return {
        "slot": iso(slot),
        "shards": len(bodies),
        "messages": len(bodies),
        "send_requests": sends,
        "trading_only": scheduled,
    }


def queue_end_of_day(moment: datetime) -> dict[str, Any]:
    """The end-of-day job's coordinator: every registered user, queued for the worker, for the business date
    of ``moment``."""
    summary = queue_users(get_settings().end_of_day_queue_url, moment)
    return {"business_date": moment.date().isoformat(), **summary}


def queue_account_sync(moment: datetime) -> dict[str, Any]:
    """The account sync job's coordinator: one message per accounts-registry shard, for ``moment``. It reads
    nothing; each shard's worker reads the shard's accounts and syncs each with its provider."""
    bodies = [account_sync_message(moment, shard) for shard in range(keys.ACCOUNT_SHARDS)]
    sends = send_messages(get_settings().account_sync_queue_url, bodies)
    return {"moment": iso(moment), "shards": len(bodies), "messages": len(bodies), "send_requests": sends}
