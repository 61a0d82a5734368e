"""Portfolio snapshots over time: 5-minute slots, how long each is kept, chart buckets, drawdown.

Every snapshot is one item per user per 5-minute slot. A slot that closes a coarser bucket (its end is a
multiple of 30 minutes, an hour, 3 hours, a day) belongs to that tier too and is kept longer; the others
expire. Each snapshot is also the latest so far of the coarser buckets it falls in without closing them (their
open buckets' points), so a bucket whose closing slot was never recorded still has its point. So each chart
reads one tier: the last snapshot of each bucket, at most a few hundred points (two for a bucket whose
closing slot came after other snapshots: the later is its point)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum, StrEnum

from goalpost.domain.money import HUNDRED, ZERO

SLOT = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEEP_MARGIN = timedelta(days=1)  # TTL deletes some time after expiry; the margin keeps "at least" true


class Tier(Enum):
    """A snapshot tier: its bucket size and how long its points are kept at least (None: forever)."""

    FIVE_MINUTES = ("5M", timedelta(minutes=5), timedelta(days=2))
    THIRTY_MINUTES = ("30M", timedelta(minutes=30), timedelta(days=8))
    HOURLY = ("1H", timedelta(hours=1), timedelta(days=31))
    THREE_HOURS = ("3H", timedelta(hours=3), timedelta(days=92))
    DAILY = ("1D", timedelta(days=1), None)

    def __init__(self, label: str, bucket: timedelta, keep: timedelta | None) -> None:
        self.label = label
        self.bucket = bucket
        self.keep = keep


TIERS = tuple(Tier)


def slot_of(moment: datetime) -> datetime:
    """The 5-minute slot (its start) a moment falls in."""
    return bucket_start(moment, SLOT)


def bucket_start(moment: datetime, size: timedelta) -> datetime:
    return EPOCH + ((moment.astimezone(UTC) - EPOCH) // size) * size


def tiers_closed_by(slot: datetime) -> list[Tier]:
    """Every tier whose bucket ends with this slot (the 5-minute tier always)."""
    end = slot + SLOT
    return [tier for tier in TIERS if (end - EPOCH) % tier.bucket == timedelta(0)]


def expires_at(slot: datetime) -> datetime | None:
    """When the slot's snapshot may go: as late as its coarsest tier keeps it; never for a day's last."""
    keep = tiers_closed_by(slot)[-1].keep
    return None if keep is None else slot + keep + KEEP_MARGIN


class Timeframe(StrEnum):
    ONE_DAY = "1D"
    ONE_WEEK = "1W"
    ONE_MONTH = "1M"
    THREE_MONTHS = "3M"
    ONE_YEAR = "1Y"
    YEAR_TO_DATE = "YTD"
    ALL = "ALL"


@dataclass(frozen=True)
class Window:
    start: datetime | None  # None: from the beginning
    tier: Tier


_WINDOWS: dict[Timeframe, tuple[timedelta | None, Tier]] = {
    Timeframe.ONE_DAY: (timedelta(hours=24), Tier.FIVE_MINUTES),
    Timeframe.ONE_WEEK: (timedelta(days=7), Tier.THIRTY_MINUTES),
    Timeframe.ONE_MONTH: (timedelta(days=30), Tier.HOURLY),
    Timeframe.THREE_MONTHS: (timedelta(days=90), Tier.THREE_HOURS),
    Timeframe.ONE_YEAR: (timedelta(days=365), Tier.DAILY),
    Timeframe.YEAR_TO_DATE: (None, Tier.DAILY),
    Timeframe.ALL: (None, Tier.DAILY),
}


def window(timeframe: Timeframe, now: datetime) -> Window:
    span, tier = _WINDOWS[timeframe]
    if timeframe == Timeframe.YEAR_TO_DATE:
        return Window(datetime(now.year, 1, 1, tzinfo=UTC), tier)
    return Window(None if span is None else now - span, tier)


@dataclass(frozen=True)
class Point:
    timestamp: datetime
    value: Decimal


def last_of_each_bucket(snapshots: Iterable[Point], size: timedelta) -> dict[datetime, Point]:
    """The last snapshot of each bucket (by its start), as recorded."""
    last: dict[datetime, Point] = {}
    for point in sorted(snapshots, key=lambda p: p.timestamp):
        last[bucket_start(point.timestamp, size)] = point
    return last


def bucket_points(snapshots: Iterable[Point], size: timedelta, start: datetime | None = None) -> list[Point]:
    """The last snapshot of each bucket, stamped with the bucket's start, in time order; buckets that
    begin before ``start`` are left out."""
    last = last_of_each_bucket(snapshots, size)
    return [Point(b, last[b].value) for b in sorted(last) if start is None or b >= bucket_start(start, size)]


@dataclass(frozen=True)
class Drawdown:
    """The largest fall from a peak to a later trough: in percent of the peak, from the peak's moment to the
    trough's (both None when the values never fell)."""

    percent: Decimal
    start: datetime | None
    end: datetime | None


def _worst_fall(values: Sequence[Decimal]) -> tuple[Decimal, int, int]:
    """The largest fall in percent of its peak, and the indexes of that peak and its trough."""
    peak_at = 0
    worst = (ZERO, 0, 0)
    for index, value in enumerate(values):
        if value > values[peak_at]:
            peak_at = index
        peak = values[peak_at]
        if peak > 0 and (fall := (peak - value) / peak * HUNDRED) > worst[0]:
            worst = (fall, peak_at, index)
    return worst


def max_drawdown(points: Sequence[Point]) -> Drawdown | None:
    """The largest peak-to-trough fall of points in time order; None with no points."""
    if not points:
        return None
    percent, peak, trough = _worst_fall([point.value for point in points])
    if percent == 0:
        return Drawdown(ZERO, None, None)
    return Drawdown(percent, points[peak].timestamp, points[trough].timestamp)


def max_drawdown_percent(values: Sequence[Decimal]) -> Decimal | None:
    """The largest fall from a peak to a later trough, in percent of the peak; None with no values."""
    return _worst_fall(values)[0] if values else None
