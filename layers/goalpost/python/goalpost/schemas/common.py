"""Types shared by every request and response model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from goalpost.domain.clock import as_utc, iso, utc_now
from goalpost.domain.model import InputModel, Model, Number
from goalpost.domain.money import MAX_AMOUNT


def _number(value: Decimal) -> int | float:
    # JSON has one number type; the float exists only in the response text, never in stored or computed money.
    exponent = value.as_tuple().exponent
    return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


def _datetime_input(value: Any) -> Any:
    """A date or a datetime, with ``Z`` or an offset; a date means midnight UTC, a naive time is UTC.

    Only ISO 8601 text: pydantic alone would also take a number (or numeric text) as Unix time, which the
    document's ``date-time`` format does not allow and a client never means."""
    if isinstance(value, date | datetime):
        return as_utc(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed: date | datetime = (
                date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00"))
            )
        except ValueError:
            pass
        else:
            return as_utc(parsed)
    raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z")


def _date_input(value: Any) -> Any:
    """A date, or a datetime of which only the (UTC) date counts."""
    converted = _datetime_input(value)
    return converted.date() if isinstance(converted, datetime) else converted


JsonNumber = Annotated[Decimal, PlainSerializer(_number, return_type=float, when_used="json")]
Amount = Annotated[
    Number,
    Field(ge=0, le=MAX_AMOUNT, max_digits=24, decimal_places=8, allow_inf_nan=False),
    PlainSerializer(_number, return_type=float, when_used="json"),
]
# A response field is documented by its serializer's return type, and ``str`` carries no format: without this, a
# generated client would type every timestamp as plain text. (Requests are documented by the datetime itself.)
_DATE_TIME_TEXT = WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization")
UtcDateTime = Annotated[datetime, PlainSerializer(iso, return_type=str, when_used="json"), _DATE_TIME_TEXT]
DateTimeInput = Annotated[
    datetime, BeforeValidator(_datetime_input), PlainSerializer(iso, return_type=str), _DATE_TIME_TEXT
]
DateInput = Annotated[date, BeforeValidator(_date_input)]

# The paging parameters every list route takes.
PAGING_NOTE = (
    "The X-Next-Token of the previous page, to read the next one. Every page is one read: a page of a list "
    "filtered beyond its index (a strategy on /positions; unread=false, or unread=true with a type, on "
    "/alerts) may hold fewer than limit items, even none, and still carry X-Next-Token. The list ends when a "
    "page comes without it."
)
LimitQuery = Annotated[int, Query(ge=1, le=100)]
NextTokenQuery = Annotated[str | None, Query(max_length=2048, description=PAGING_NOTE)]
DEFAULT_LIMIT = 50


class RequestModel(InputModel):
    """A request body: JSON's own types, strictly (see ``InputModel``); unknown fields (a ``user_id`` among
    them) are rejected with 422."""


class ResponseModel(Model):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, source: Any) -> Self:
        """The response view of a domain object: its attributes by name (the ones the view leaves out stay
        behind, so nothing internal can leak)."""
        return cls.model_validate(source, from_attributes=True)


def not_past(value: datetime | None, name: str) -> datetime | None:
    """A date of today or later (a deadline of today, at any time of day, is not in the past)."""
    if value is not None and value.date() < utc_now().date():
        raise ValueError(f"{name} must not be in the past")
    return value
