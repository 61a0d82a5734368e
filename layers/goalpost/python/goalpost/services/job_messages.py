"""The messages a job's coordinator queues for its worker (``services.fanout`` writes them, the workers read
them): apart from the coordinators, so that a worker's cold start loads neither the registry's paging nor the
queueing it never does."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from goalpost.domain.charts import slot_of
from goalpost.domain.clock import iso, parse_iso


def batch_message(moment: datetime, users: Sequence[tuple[str, Decimal]]) -> str:
    """An end-of-day message: a batch of users (and their cash), all for ``moment``."""
    return json.dumps({"moment": iso(moment), "users": [{"user_id": u, "cash": str(c)} for u, c in users]})


def parse_batch(body: str) -> tuple[datetime, list[tuple[str, Decimal]]]:
    message = json.loads(body)
    return parse_iso(message["moment"]), [(str(u["user_id"]), Decimal(str(u["cash"]))) for u in message["users"]]


@dataclass(frozen=True)
class ShardWork:
    """A snapshot message: one registry shard for one slot; ``trading_only``: only the portfolios whose markets
    trade in the slot (a scheduled run), rather than every one (a run asked for now)."""

    slot: datetime
    shard: int
    trading_only: bool = False


def shard_message(work: ShardWork) -> str:
    return json.dumps({"slot": iso(work.slot), "shard": work.shard, "trading_only": work.trading_only})


def parse_shard_message(body: str) -> ShardWork | None:
    """The work of a snapshot message; None for a message in the earlier per-user shape (queued by a
    coordinator of the version before, so only around the deploy that replaced it)."""
    message = json.loads(body)
    if "shard" not in message and "users" in message:
        return None
    return ShardWork(slot_of(parse_iso(message["slot"])), int(message["shard"]), message.get("trading_only") is True)


def account_sync_message(moment: datetime, shard: int) -> str:
    return json.dumps({"moment": iso(moment), "shard": shard})
