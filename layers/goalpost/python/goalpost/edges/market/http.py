"""JSON over HTTP for the price providers: a timeout on every call, retries with capped exponential backoff and
full jitter for what may pass (connection errors, timeouts, 5xx, 429 with its Retry-After), none for the rest."""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from goalpost.observability import logger
from goalpost.settings import get_settings

if TYPE_CHECKING:
    # Imported where a request is made, as botocore imports it where its first client is made: the account
    # functions import this module for routes and records that call no provider.
    import urllib3

# Connections kept per host: as many as the account sync worker's threads (services.account_sync.SYNC_THREADS),
# so that none of its requests opens a new TLS connection that the pool then drops.
POOL_SIZE = 32
DETAIL_LIMIT = 120


class MarketHttpError(Exception):
    """A request that failed for good; ``requests`` counts the attempts made. ``status`` is the HTTP status of
    an answer that was not worth asking again for (a 3xx or 4xx, or a 2xx with a malformed body), and ``code``
    the provider's own error code in its body (Binance ``code``), so that callers can tell a refused key;
    ``retry_after`` the seconds the last answer asked to wait (a 429's, or a Binance 418 ban's)."""

    def __init__(
        self,
        reason: str,
        requests: int,
        *,
        status: int | None = None,
        code: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.requests = requests
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    timeout_seconds: float = 3.0
    retries: int = 2
    backoff_seconds: float = 0.2
    backoff_cap_seconds: float = 2.0

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        settings = get_settings()
        return cls(
            timeout_seconds=settings.market_timeout_seconds,
            retries=settings.market_retries,
            backoff_seconds=settings.market_backoff_seconds,
            backoff_cap_seconds=settings.market_backoff_cap_seconds,
        )

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (attempt counts from 0)."""
        if retry_after is not None:
            return min(self.backoff_cap_seconds, retry_after)
        ceiling = min(self.backoff_cap_seconds, self.backoff_seconds * (2**attempt))
        return rng.uniform(0, ceiling) if ceiling > 0 else 0.0


@cache
def _pool() -> urllib3.PoolManager:
    import urllib3

    # One pool per process: connections are kept alive between batches and between warm invocations.
    return urllib3.PoolManager(num_pools=4, maxsize=POOL_SIZE, block=False, retries=False)


@dataclass(frozen=True)
class JsonResponse:
    body: Any
    requests: int
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names (Binance reports its weight)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP date: the jittered backoff is as good a guess
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _error_body(data: bytes) -> tuple[str, Any]:
    """What a provider's error body says (Alpaca ``message``, Binance ``msg``) and its error ``code``, if it
    says them in JSON."""
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return "", None
    if not isinstance(body, dict):
        return "", None
    text = body.get("message", body.get("msg"))
    return (text[:DETAIL_LIMIT] if isinstance(text, str) else ""), body.get("code")


def parse_json(data: bytes) -> Any:
    """JSON with every fraction as a Decimal (no float ever touches a price)."""
    return json.loads(data, parse_float=Decimal)


class JsonHttp:
    """GETs JSON under a retry policy. Thread-safe (the pool is; the jitter's generator is locked)."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy.from_settings()
        self._pool = pool
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not cryptography)
        self._rng_lock = threading.Lock()

    def _attempt(
        self, pool: Any, url: str, headers: Mapping[str, str] | None, timeout: Any, attempt: int
    ) -> JsonResponse | tuple[str, float | None]:
        """One request: its JSON, or why it failed and the Retry-After of a 429 (a passing fault: worth asking
        again). Raises MarketHttpError for what asking again would not change (4xx, a malformed body)."""
        import urllib3

        try:
            response = pool.request(
                "GET", url, headers=dict(headers or {}), timeout=timeout, retries=False, redirect=False
            )
        except urllib3.exceptions.NewConnectionError as error:  # (a ConnectTimeoutError subclass in urllib3 2)
            return f"connection failed ({type(error).__name__})", None
        except urllib3.exceptions.TimeoutError:
            return f"timed out after {self.policy.timeout_seconds:g} s", None
        except urllib3.exceptions.HTTPError as error:
            return f"connection failed ({type(error).__name__})", None
        status = response.status
        if 200 <= status < 300:
            try:
                headers = {name.lower(): value for name, value in response.headers.items()}
                return JsonResponse(parse_json(response.data), attempt, headers)
            except (ValueError, RecursionError):
                # A malformed body is not a passing fault: asking again would get the same.
                raise MarketHttpError("malformed JSON in the response", attempt, status=status) from None
        detail, code = _error_body(response.data)
        reason = f"HTTP {status}" + (f": {detail}" if detail else "")
        if status == 429:
            return reason, _retry_after(response.headers.get("Retry-After"))
        if status < 500:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise MarketHttpError(reason, attempt, status=status, code=code, retry_after=retry_after)
        return reason, None

    def get(self, url: str, headers: Mapping[str, str] | None = None, *, label: str = "market") -> JsonResponse:
        import urllib3

        policy = self.policy
        pool = self._pool or _pool()
        timeout = urllib3.Timeout(total=policy.timeout_seconds)
        attempts = policy.retries + 1
        reason = "no attempt made"
        last_retry_after: float | None = None
        for attempt in range(attempts):
            outcome = self._attempt(pool, url, headers, timeout, attempt + 1)
            if isinstance(outcome, JsonResponse):
                return outcome
            reason, retry_after = outcome
            last_retry_after = retry_after
            if attempt + 1 < attempts:
                with self._rng_lock:
                    pause = policy.delay(attempt, retry_after, self._rng)
                logger.info(
                    "Market data request failed; retrying",
                    extra={"provider": label, "reason": reason, "attempt": attempt + 1, "pause_seconds": pause},
                )
                if pause > 0:
                    self._sleep(pause)
        if attempts > 1:
            reason = f"{reason} (after {attempts} attempts)"
        raise MarketHttpError(reason, attempts, retry_after=last_retry_after)
