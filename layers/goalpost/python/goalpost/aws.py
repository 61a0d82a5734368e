"""AWS clients, created lazily (never at import time) and once per process.

Plain botocore, not boto3: boto3 adds resources and s3transfer, which cost ~100 ms of cold start and buy
nothing for the low-level clients used here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

_lock = threading.Lock()
_reset_hooks: list[Callable[[], None]] = []


@cache
def _loader() -> Any:
    """botocore's reader of its service models, kept when the clients are reset (every test's moto world): parsing
    the models' JSON is most of what a new client costs, and the models never change."""
    import botocore.loaders

    return botocore.loaders.create_loader()


@cache
def _session() -> Any:
    import botocore.session

    session = botocore.session.Session()
    session.register_component("data_loader", _loader())
    return session


@cache
def client(service: str) -> Any:
    # A botocore session is not thread-safe while it creates clients (the local server runs handlers on
    # threads), so creation is serialized; the clients themselves are thread-safe.
    with _lock:
        from botocore.config import Config

        # Jobs run up to 16 requests at once (the monitor's queries): a pool of 10 would open and drop connections.
        config = Config(
            retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10, max_pool_connections=32
        )
        return _session().create_client(service, config=config)


def on_reset(hook: Callable[[], None]) -> Callable[[], None]:
    """Registers what else must forget its clients when they are reset (tests, the local server)."""
    _reset_hooks.append(hook)
    return hook


def reset_clients() -> None:
    client.cache_clear()
    _session.cache_clear()
    for hook in _reset_hooks:
        hook()
