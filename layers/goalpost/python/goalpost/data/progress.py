"""Progress entries: ``USER#u#GOAL#<id> / PROGRESS#<period_date>#<ulid>``, so the sort key orders them by
the day they describe (newest first on a reverse Query), then by when they were recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from goalpost.data import keys
from goalpost.data.client import client
from goalpost.data.codec import deserialize, strip_keys
from goalpost.data.pagination import partition_page
from goalpost.domain.progress import ProgressEntry


def to_entry(item: dict) -> ProgressEntry:
    return ProgressEntry.model_validate(strip_keys(item))


def history_page(
    table: str, user_id: str, goal_id: str, *, limit: int, next_token: str | None
) -> tuple[list[ProgressEntry], str | None]:
    partition = keys.goal_children_pk(user_id, goal_id)
    items, token = partition_page(table, partition, keys.PROGRESS_PREFIX, limit=limit, next_token=next_token)
    return [to_entry(item) for item in items], token


def value_as_of(table: str, user_id: str, goal_id: str, day: date) -> Decimal | None:
    """The amount of the latest entry on or before ``day``; None when there is none."""
    response = client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={
            ":pk": {"S": keys.goal_children_pk(user_id, goal_id)},
            ":first": {"S": keys.PROGRESS_PREFIX},
            ":last": {"S": keys.progress_day_end(day.isoformat())},
        },
        ScanIndexForward=False,
        Limit=1,
        ConsistentRead=True,
        ProjectionExpression="value_at_period",
    )
    found = response.get("Items", [])
    return Decimal(deserialize(found[0])["value_at_period"]) if found else None
