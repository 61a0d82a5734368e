"""Domain errors. The API edge maps each to one HTTP status in one place."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BusinessRuleError(DomainError):
    """A business rule is broken (allocation over 100 %, no target given)."""

    status_code = 400


class NotFound(DomainError):
    """No such object for this user; another user's object is indistinguishable from a missing one."""

    status_code = 404


class Conflict(DomainError):
    """The object's state forbids the change (completing an abandoned goal, closing a closed position)."""

    status_code = 409


class InvalidInput(DomainError):
    """The request does not match the schema in a way only the domain can tell (needs the stored object)."""

    status_code = 422


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class ConcurrentModification(Conflict):
    """An optimistic-concurrency write lost the race every time within its bound (``goalpost.retry``): the
    client may send the same request again, after ``retry_after_seconds`` (the 409's ``Retry-After``)."""

    retry_after_seconds = 1


class KeysRefused(DomainError):
    """A connected account's provider refused its API keys (unknown key, wrong secret, key not allowed). The
    message never holds the key or the secret."""

    status_code = 400

    def __init__(self, detail: str = "the provider refused these keys") -> None:
        super().__init__(detail)


class ProviderUnavailable(DomainError):
    """A connected account's provider could not answer usefully: unreachable, timed out, 5xx, a malformed body,
    a redirect, or rate-limited past the retries. Nothing was learnt, so nothing may change.
    ``retry_after_seconds``: how long the provider asked to be left alone (a rate limit or a Binance ban)."""

    status_code = 502

    def __init__(self, detail: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
