"""Time helpers: everything is UTC and timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: date | datetime) -> datetime:
    """A date means midnight UTC; a naive datetime is read as UTC; an aware one is converted."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)


def iso(value: datetime) -> str:
    return as_utc(value).isoformat()


def parse_iso(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value))
