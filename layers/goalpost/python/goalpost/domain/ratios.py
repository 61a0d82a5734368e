"""The portfolio's return and risk ratios, from its values over the last 365 days (docs/metrics.md has each
formula, why it is so, and a worked example that tests/unit/test_ratios.py checks).

Daily returns come from the daily tier's values (a day's last snapshot); the drawdown also walks the 5-minute
points where they are kept, so a fall and recovery within a day counts. Decimal throughout, square roots and
powers in a context of ``PRECISION`` digits; rounded only at the end (percents 2 decimals, ratios 4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from itertools import pairwise

from goalpost.domain.charts import Point, max_drawdown
from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, ZERO, round2
from goalpost.domain.positions import round4

PRECISION = 28
DAYS_A_YEAR = Decimal(365)  # markets traded here (crypto) never close: every calendar day is a trading day
MIN_DAYS_FOR_GROWTH = 30  # fewer daily values than this: CAGR and Calmar are null (a year from a week is noise)
WINDOW = timedelta(days=365)
_CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN)


class PortfolioRatios(Model):
    max_drawdown_percent: Decimal | None = None
    max_drawdown_start: datetime | None = None
    max_drawdown_end: datetime | None = None
    sharpe_ratio: Decimal | None = None
    sortino_ratio: Decimal | None = None
    cagr_percent: Decimal | None = None
    calmar_ratio: Decimal | None = None


def daily_returns(values: Sequence[Decimal]) -> list[Decimal]:
    """``v[i] / v[i-1] - 1`` for each pair of consecutive daily values (none after a value of 0 or less)."""
    return [current / previous - 1 for previous, current in pairwise(values) if previous > 0]


def _annualised(per_day: Decimal) -> Decimal:
    return per_day * DAYS_A_YEAR.sqrt(_CONTEXT)


def sharpe(returns: Sequence[Decimal]) -> Decimal | None:
    """mean / sample standard deviation (n - 1) * sqrt(365); None with fewer than 2 returns or no variation."""
    if len(returns) < 2:
        return None
    with localcontext(_CONTEXT):
        mean = sum(returns, ZERO) / len(returns)
        variance = sum(((r - mean) ** 2 for r in returns), ZERO) / (len(returns) - 1)
        return None if variance == 0 else _annualised(mean / variance.sqrt())


def sortino(returns: Sequence[Decimal]) -> Decimal | None:
    """mean / downside deviation * sqrt(365), the downside deviation being sqrt(sum of min(r, 0)^2 / n) over
    all n returns (target 0); None with fewer than 2 returns or no day down."""
    if len(returns) < 2:
        return None
    with localcontext(_CONTEXT):
        mean = sum(returns, ZERO) / len(returns)
        downside = sum((min(r, ZERO) ** 2 for r in returns), ZERO) / len(returns)
        return None if downside == 0 else _annualised(mean / downside.sqrt())


def cagr(points: Sequence[Point]) -> Decimal | None:
    """(last / first) ^ (365 / days between them) - 1, as a fraction; None with fewer than
    ``MIN_DAYS_FOR_GROWTH`` daily values or a first value of 0 or less."""
    if len(points) < MIN_DAYS_FOR_GROWTH or points[0].value <= 0:
        return None
    first, last = points[0], points[-1]
    with localcontext(_CONTEXT):
        days = Decimal((last.timestamp - first.timestamp) / timedelta(days=1))
        if days <= 0:
            return None
        growth = max(last.value, ZERO) / first.value
        return growth ** (DAYS_A_YEAR / days) - 1


def _rounded(value: Decimal | None, rounding: Callable[[Decimal], Decimal]) -> Decimal | None:
    return None if value is None else rounding(value)


def portfolio_ratios(daily: Sequence[Point], five_minutes: Sequence[Point]) -> PortfolioRatios:
    """The ratios from the daily values (time order, the last 365 days) and the 5-minute points (time order):
    the drawdown over both merged by moment, the rest over the daily values."""
    merged = sorted({point.timestamp: point for point in [*daily, *five_minutes]}.values(), key=lambda p: p.timestamp)
    drawdown = max_drawdown(merged)
    returns = daily_returns([point.value for point in daily])
    growth = cagr(daily)
    calmar = None
    if growth is not None and drawdown is not None and drawdown.percent > 0:
        calmar = growth * HUNDRED / drawdown.percent
    return PortfolioRatios(
        max_drawdown_percent=None if drawdown is None else round2(drawdown.percent),
        max_drawdown_start=None if drawdown is None else drawdown.start,
        max_drawdown_end=None if drawdown is None else drawdown.end,
        sharpe_ratio=_rounded(sharpe(returns), round4),
        sortino_ratio=_rounded(sortino(returns), round4),
        cagr_percent=_rounded(None if growth is None else growth * HUNDRED, round2),
        calmar_ratio=_rounded(calmar, round4),
    )
