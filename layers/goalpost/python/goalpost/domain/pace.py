"""The pace of a goal: the least-squares slope of its amount over the progress entries of the last 90 days.

A goal keeps, per day of the window, the count and the sum of its entries' amounts. Those are exactly the
sums least squares needs (Σx = Σ n·d, Σy = Σ s, Σxy = Σ d·s, Σx² = Σ n·d²), so the slope over every entry
is computed from the goal item alone: the dashboard reads no entries, and the item stays small (≤ 91 days).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, localcontext

from goalpost.domain.model import Model
from goalpost.domain.money import ZERO

WINDOW_DAYS = 90
DAYS_PER_MONTH = Decimal("30.44")


class DayTotal(Model):
    """The entries of one day: how many, and the sum of their amounts."""

    n: int
    total: Decimal


def add_point(days: dict[str, DayTotal], day: date, value: Decimal, today: date) -> None:
    """Counts one entry of ``day`` and forgets the days that have left the window as of ``today``."""
    if day >= today - timedelta(days=WINDOW_DAYS):
        current = days.get(day.isoformat())
        days[day.isoformat()] = (
            DayTotal(n=1, total=value) if current is None else DayTotal(n=current.n + 1, total=current.total + value)
        )
    horizon = (today - timedelta(days=WINDOW_DAYS)).isoformat()
    for stale in [key for key in days if key < horizon]:
        del days[stale]


def slope(points: Iterable[tuple[int, int, Decimal]]) -> Decimal | None:
    """The least-squares slope of (x, y) points given as (x, how many points at x, sum of their y).

    None when the points do not span two different x (no line is defined)."""
    with localcontext() as context:
        context.prec = 60  # exact for any realistic window: the sums stay far below 60 digits
        n = sx = sxx = 0
        sy = sxy = ZERO
        xs = set()
        for x, count, total in points:
            xs.add(x)
            n += count
            sx += count * x
            sxx += count * x * x
            sy += total
            sxy += x * total
        if len(xs) < 2:
            return None
        return (n * sxy - sx * sy) / Decimal(n * sxx - sx * sx)


def monthly_pace(days: Mapping[str, DayTotal], today: date, *, decreasing: bool) -> Decimal:
    """The slope per 30.44 days over the window ending ``today``, positive when moving toward the target
    (down, for decreasing goals); 0 with fewer than two entries on different days."""
    horizon = today - timedelta(days=WINDOW_DAYS)
    points = []
    for key, total in days.items():
        day = date.fromisoformat(key)
        if horizon <= day <= today:
            points.append(((day - today).days, total.n, total.total))
    per_day = slope(points)
    if per_day is None:
        return ZERO
    pace = per_day * DAYS_PER_MONTH
    return -pace if decreasing else pace
