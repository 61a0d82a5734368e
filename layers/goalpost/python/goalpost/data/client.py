"""The low-level DynamoDB client the repositories share, and how its errors read."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from goalpost import aws


def client() -> Any:
    return aws.client("dynamodb")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"
