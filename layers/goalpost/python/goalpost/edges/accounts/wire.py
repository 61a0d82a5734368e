"""What both account clients share: one GET through the market-data HTTP machinery (timeouts, retries with
backoff, Retry-After, no redirects) with its failures turned into domain errors, and strict readers of the
providers' values (a value that is not what the provider documents is a malformed answer, never a guess)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from goalpost.domain.accounts import FillSide
from goalpost.domain.errors import KeysRefused, ProviderUnavailable
from goalpost.edges.market.http import JsonHttp, JsonResponse, MarketHttpError
from goalpost.observability import logger

Parsed = TypeVar("Parsed")


class MalformedAnswer(ValueError):
    pass


def get_json(
    http: JsonHttp,
    url: str,
    headers: Mapping[str, str],
    *,
    provider: str,
    refused: Callable[[MarketHttpError], bool],
) -> JsonResponse:
    """GET ``url``; KeysRefused when ``refused`` says the provider refused the keys, ProviderUnavailable for
    every other failure. Neither the URL (a signature) nor the headers (a secret) reach a log or an error."""
    try:
        return http.get(url, headers, label=provider)
    except MarketHttpError as error:
        if refused(error):
            logger.info("Provider refused the keys", extra={"provider": provider, "status": error.status})
            raise KeysRefused() from None
        logger.warning("Provider unavailable", extra={"provider": provider, "reason": error.reason})
        raise ProviderUnavailable(f"{provider}: {error.reason}", error.retry_after) from None


def malformed(provider: str, error: MalformedAnswer) -> ProviderUnavailable:
    logger.warning("Provider sent a malformed answer", extra={"provider": provider, "reason": str(error)})
    return ProviderUnavailable(f"{provider}: malformed answer ({error})")


def parsed(provider: str, parse: Callable[[Any], Parsed], body: Any) -> Parsed:
    """``parse(body)``, a malformed answer being the provider's fault (ProviderUnavailable)."""
    try:
        return parse(body)
    except MalformedAnswer as error:
        raise malformed(provider, error) from None


def as_object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedAnswer(f"{what}: expected an object, got {type(value).__name__}")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedAnswer(f"{what}: expected a list, got {type(value).__name__}")
    return value


def decimal(item: Mapping[str, Any], name: str) -> Decimal:
    """A number sent as a JSON string ("0.500") or number; finite, or the answer is malformed."""
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise MalformedAnswer(f"{name}: expected a number, got {type(value).__name__}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise MalformedAnswer(f"{name}: not a number") from None
    if not number.is_finite():
        raise MalformedAnswer(f"{name}: not a finite number")
    return number


def optional_decimal(item: Mapping[str, Any], name: str) -> Decimal | None:
    return None if item.get(name) is None else decimal(item, name)


def side(item: Mapping[str, Any], sides: Mapping[str, FillSide]) -> FillSide:
    """A fill's or an order's side in the provider's words (``sides``)."""
    value = item.get("side")
    if not isinstance(value, str) or value not in sides:
        raise MalformedAnswer(f"side: expected one of {sorted(sides)}")
    return sides[value]


def text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise MalformedAnswer(f"{name}: expected a non-empty string or an integer")
    return str(value)


def millis_time(item: Mapping[str, Any], name: str) -> datetime:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedAnswer(f"{name}: expected milliseconds since the epoch")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedAnswer(f"{name}: out of range") from None


def rfc3339_time(item: Mapping[str, Any], name: str) -> datetime:
    value = item.get(name)
    if not isinstance(value, str):
        raise MalformedAnswer(f"{name}: expected an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedAnswer(f"{name}: not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise MalformedAnswer(f"{name}: a time without its offset")
    return moment.astimezone(UTC)
