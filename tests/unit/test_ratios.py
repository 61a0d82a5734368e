"""The portfolio's return and risk ratios (``goalpost.domain.ratios``): the worked example of docs/metrics.md to
the digit it shows, the nulls, and the drawdown's walk checked against a brute force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.charts import Point, max_drawdown, max_drawdown_percent
from goalpost.domain.ratios import PortfolioRatios, cagr, daily_returns, portfolio_ratios, sharpe, sortino

FIRST_DAY = datetime(2026, 1, 1, 23, 55, tzinfo=UTC)  # the day's last 5-minute slot: the daily tier's point


def example_values() -> list[Decimal]:
    """docs/metrics.md's worked example: 31 daily values, 10,000 + 20 a day, except a dip to 10,050 on day 10."""
    values = [Decimal(10_000) + 20 * day for day in range(31)]
    values[10] = Decimal(10_050)
    return values


def daily_points(values: list[Decimal], first: datetime = FIRST_DAY) -> list[Point]:
    return [Point(first + timedelta(days=day), value) for day, value in enumerate(values)]


def example_intraday(last_day: datetime) -> list[Point]:
    """The last day's 5-minute points the example keeps: a fall to 9,900 at 14:00, back to 10,400 at 14:05."""
    afternoon = last_day.replace(hour=14, minute=0)
    return [Point(afternoon, Decimal(9_900)), Point(afternoon + timedelta(minutes=5), Decimal(10_400))]


def test_the_worked_example_of_docs_metrics() -> None:
    daily = daily_points(example_values())
    returns = daily_returns([p.value for p in daily])
    assert len(returns) == 30
    assert round(sum(returns) / len(returns), 10) == Decimal("0.0019515138")
    assert round(returns[9], 6) == Decimal("-0.012770")  # 10,050 / 10,180 - 1
    ratios = portfolio_ratios(daily, example_intraday(daily[-1].timestamp))
    assert ratios == PortfolioRatios(
        max_drawdown_percent=Decimal("6.43"),  # (10,580 - 9,900) / 10,580: from day 29's close to 14:00 on day 30
        max_drawdown_start=datetime(2026, 1, 30, 23, 55, tzinfo=UTC),
        max_drawdown_end=datetime(2026, 1, 31, 14, 0, tzinfo=UTC),
        sharpe_ratio=Decimal("9.5644"),
        sortino_ratio=Decimal("15.9913"),
        cagr_percent=Decimal("103.18"),  # 1.06 ^ (365 / 30) - 1
        calmar_ratio=Decimal("16.0541"),  # 103.1833... / 6.4272...
    )
    # Without the 5-minute points only the daily dip counts: 1.28 % (10,180 -> 10,050).
    daily_only = portfolio_ratios(daily, [])
    assert (daily_only.max_drawdown_percent, daily_only.calmar_ratio) == (Decimal("1.28"), Decimal("80.8005"))
    assert (daily_only.max_drawdown_start, daily_only.max_drawdown_end) == (daily[9].timestamp, daily[10].timestamp)


def test_ratios_without_enough_values_are_null() -> None:
    assert portfolio_ratios([], []) == PortfolioRatios()
    one = portfolio_ratios(daily_points([Decimal(100)]), [])
    assert one == PortfolioRatios(max_drawdown_percent=Decimal("0.00"))  # one value: it never fell
    values = example_values()[:29]  # 29 daily values: no CAGR or Calmar, yet a Sharpe and a Sortino
    short = portfolio_ratios(daily_points(values), [])
    assert (short.cagr_percent, short.calmar_ratio) == (None, None)
    assert short.sharpe_ratio is not None
    assert short.sortino_ratio is not None
    assert cagr(daily_points(example_values()[:30])) is not None  # 30 daily values are enough
    flat = portfolio_ratios(daily_points([Decimal(500)] * 40), [])
    assert (flat.sharpe_ratio, flat.sortino_ratio, flat.calmar_ratio) == (None, None, None)  # no variation, no fall
    assert (flat.max_drawdown_percent, flat.max_drawdown_start, flat.cagr_percent) == (Decimal("0.00"), None, 0)
    rising = [Decimal(100 + day) for day in range(40)]
    assert sortino(daily_returns(rising)) is None  # no day down
    assert portfolio_ratios(daily_points(rising), []).calmar_ratio is None  # never fell


def test_a_value_of_zero_starts_no_return_and_no_growth() -> None:
    assert daily_returns([Decimal(0), Decimal(100), Decimal(110)]) == [Decimal("0.1")]
    assert cagr(daily_points([Decimal(0)] + [Decimal(100)] * 35)) is None
    emptied = cagr(daily_points([Decimal(100)] * 35 + [Decimal(0)]))
    assert emptied == -1  # everything lost: -100 %


returns = st.lists(st.integers(-500, 500).map(lambda n: Decimal(n) / 10_000), min_size=2, max_size=40)


@given(returns)
def test_sharpe_and_sortino_match_their_formulas_in_exact_arithmetic(found: list[Decimal]) -> None:
    exact = [Fraction(r) for r in found]
    mean = sum(exact, Fraction(0)) / len(exact)
    variance = sum(((r - mean) ** 2 for r in exact), Fraction(0)) / (len(exact) - 1)
    downside = sum((min(r, Fraction(0)) ** 2 for r in exact), Fraction(0)) / len(exact)
    for value, spread in ((sharpe(found), variance), (sortino(found), downside)):
        if spread == 0:
            assert value is None
        else:
            assert value is not None
            expected = float(mean) / float(spread) ** 0.5 * 365**0.5
            assert abs(float(value) - expected) <= 1e-9 * max(1.0, abs(expected))


@given(st.lists(st.integers(0, 1_000), min_size=1, max_size=30))
def test_the_drawdown_is_the_largest_fall_from_an_earlier_peak(cents: list[int]) -> None:
    values = [Decimal(c) for c in cents]
    points = daily_points(values)
    found = max_drawdown(points)
    assert found is not None
    falls = [
        ((values[i] - values[j]) / values[i] * 100, i, j)
        for i in range(len(values))
        for j in range(i, len(values))
        if values[i] > 0
    ]
    worst = max((fall for fall, _, _ in falls), default=Decimal(0))
    assert found.percent == worst == max_drawdown_percent(values)
    if worst == 0:
        assert (found.start, found.end) == (None, None)
    else:
        assert found.start is not None
        assert found.end is not None
        assert found.start < found.end
        start = next(k for k, p in enumerate(points) if p.timestamp == found.start)
        end = next(k for k, p in enumerate(points) if p.timestamp == found.end)
        assert (values[start] - values[end]) / values[start] * 100 == worst
