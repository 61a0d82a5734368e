"""Retrying a write that lost a race, inside the request: contention the server can resolve itself is never
the client's problem. Each round of optimistic writers has a winner, so n concurrent writers of one object
finish within n rounds; the pauses are jittered (full jitter) so the losers do not collide again, and capped so
many rounds fit. The bound is in attempts and in time, well inside a function's timeout; past it the caller
raises ``ConcurrentModification`` (409 with ``Retry-After``)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

ATTEMPTS = 30
BUDGET_SECONDS = 5.0  # the API functions time out after 10 s
BASE_SECONDS = 0.01
CAP_SECONDS = 0.2


def attempts(limit: int | None = None, budget_seconds: float | None = None) -> Iterator[int]:
    """Attempt numbers 0, 1, …; before each retry a jittered pause. Ends after ``limit`` attempts (default
    ``ATTEMPTS``), or when ``budget_seconds`` (default ``BUDGET_SECONDS``) have passed since the first began."""
    deadline = time.monotonic() + (BUDGET_SECONDS if budget_seconds is None else budget_seconds)
    for attempt in range(ATTEMPTS if limit is None else limit):
        if attempt:
            if time.monotonic() >= deadline:
                return
            time.sleep(random.uniform(0, min(CAP_SECONDS, BASE_SECONDS * 2**attempt)))  # noqa: S311 (jitter)
        yield attempt
