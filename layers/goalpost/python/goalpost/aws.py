"""boto3 clients, created lazily (never at import time) and once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from botocore.config import Config

_lock = threading.Lock()
_reset_hooks: list[Callable[[], None]] = []
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    # boto3's default session is not thread-safe while it creates clients (the local server runs
    # handlers on threads), so creation is serialized; the clients themselves are thread-safe.
    with _lock:
        import boto3

        return boto3.session.Session().client(service, config=_CONFIG)


def on_reset(hook: Callable[[], None]) -> Callable[[], None]:
    """Registers what else must forget its clients when they are reset (tests, the local server)."""
    _reset_hooks.append(hook)
    return hook


def reset_clients() -> None:
    client.cache_clear()
    for hook in _reset_hooks:
        hook()
