"""JSON secrets from Secrets Manager, cached per container for a few minutes.

A plain botocore call rather than Powertools Parameters: Parameters imports boto3, which would cost the
price update ~100 ms of cold start for one small read every five minutes."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from goalpost import aws

_lock = threading.Lock()
_cache: dict[str, tuple[float, Any]] = {}


def json_secret(secret_id: str, max_age_seconds: float) -> Any:
    """The secret's JSON value, read again once the cached copy is ``max_age_seconds`` old (so a rotation
    reaches running containers within that time). Read under the lock: the price update's fetch threads all
    want it at once on a cold start, and one read serves them all."""
    with _lock:
        now = time.monotonic()
        cached = _cache.get(secret_id)
        if cached is not None and now - cached[0] < max_age_seconds:
            return cached[1]
        value = json.loads(aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
        _cache[secret_id] = (now, value)
        return value


@aws.on_reset
def forget_secrets() -> None:
    with _lock:
        _cache.clear()
