"""Budget snapshots: ``USER#u / BUDGET#yyyy-mm``, one per month (a new one for the same month replaces it);
the latest is the last in sort order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from goalpost.data import keys
from goalpost.data.client import client
from goalpost.data.codec import deserialize, serialize, strip_keys
from goalpost.domain.budget import BudgetSnapshot


def put_item(table: str, user_id: str, snapshot: BudgetSnapshot, now: datetime) -> dict[str, Any]:
    """The transaction item that stores the snapshot (replacing the month's earlier one)."""
    item = {
        "pk": keys.user_pk(user_id),
        "sk": keys.budget_sk(snapshot.period),
        "entity": "budget",
        **snapshot.model_dump(),
        "recorded_at": now,
    }
    return {"Put": {"TableName": table, "Item": serialize(item)}}


def put(table: str, user_id: str, snapshot: BudgetSnapshot, now: datetime) -> None:
    client().put_item(**put_item(table, user_id, snapshot, now)["Put"])


def latest(table: str, user_id: str) -> BudgetSnapshot | None:
    response = client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user_pk(user_id)}, ":prefix": {"S": keys.BUDGET_PREFIX}},
        ScanIndexForward=False,
        Limit=1,
        ConsistentRead=True,
    )
    found = response.get("Items", [])
    if not found:
        return None
    # Stored numbers come back as Decimals (a month too): our own data, read leniently, unlike a client's body.
    return BudgetSnapshot.model_validate(strip_keys(deserialize(found[0]), extra=("recorded_at",)), strict=False)
