"""The low-level DynamoDB client the repositories share, how its errors read, and one item read by key."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from goalpost import aws
from goalpost.data.codec import Item, deserialize


def client() -> Any:
    return aws.client("dynamodb")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def get_item(
    table: str, item_key: dict[str, Any], *, projection: str | None = None, consistent: bool = True
) -> Item | None:
    """The item at ``item_key`` (only the ``projection`` attributes when given), None when there is none; a
    strongly consistent GetItem unless ``consistent`` is False."""
    request: dict[str, Any] = {"TableName": table, "Key": item_key}
    if projection is not None:
        request["ProjectionExpression"] = projection
    if consistent:
        request["ConsistentRead"] = True
    raw = client().get_item(**request).get("Item")
    return deserialize(raw) if raw else None
