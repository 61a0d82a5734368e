"""Pace and the progress summary: least squares over the window, the on-track rule, projections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from goalpost.domain.goals import DECREASING_TYPES, Goal, GoalType, TrackingStatus
from goalpost.domain.pace import DAYS_PER_MONTH, WINDOW_DAYS, DayTotal, add_point, monthly_pace, slope
from goalpost.domain.progress import (
    ProgressSource,
    days_elapsed,
    days_remaining,
    is_on_track,
    on_track_at,
    projected_completion_date,
    projected_final_value,
    record,
    required_monthly_contribution,
    summarize,
)
from tests.unit.test_goal_rules import NOW, make_goal

TODAY = NOW.date()
CENT = Decimal("0.01")
TINY = Decimal("1e-12")

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
positive_money = st.decimals(min_value=1, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
per_day_slopes = st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
intercepts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
# (days ago, entries that day): at least two distinct days of the window, up to three entries a day
line_days = st.lists(
    st.tuples(st.integers(0, WINDOW_DAYS), st.integers(1, 3)), min_size=2, max_size=20, unique_by=lambda p: p[0]
)
stale_points = st.lists(st.tuples(st.integers(WINDOW_DAYS + 1, 400), intercepts), max_size=10)
entry_lists = st.lists(st.tuples(st.integers(0, 150), money), max_size=10)


def window_of(points: Iterable[tuple[int, Decimal]], today: date = TODAY) -> dict[str, DayTotal]:
    """The pace sums of (days ago, amount) points, added one by one as entries are."""
    days: dict[str, DayTotal] = {}
    for ago, value in points:
        add_point(days, today - timedelta(days=ago), value, today)
    return days


def record_all(goal: Goal, points: Iterable[tuple[int, Decimal]]) -> Goal:
    """Records (days ago, amount) entries in the given order, all recorded at NOW."""
    for ago, value in points:
        record(goal, value=value, period_date=TODAY - timedelta(days=ago), now=NOW, source=ProgressSource.MANUAL)
    return goal


def on_line(days: list[tuple[int, int]], per_day: Decimal, intercept: Decimal) -> list[tuple[int, Decimal]]:
    """``count`` points for each (days ago, count), all on the line ``intercept + per_day * x`` (x = -days ago)."""
    return [(ago, intercept - per_day * ago) for ago, count in days for _ in range(count)]


def reference_pace(points: Iterable[tuple[int, Decimal]]) -> Fraction:
    """Textbook least squares in exact rationals, per 30.44 days (an independent reference)."""
    xs = [Fraction(-ago) for ago, _ in points]
    ys = [Fraction(value) for _, value in points]
    mean_x, mean_y = sum(xs, Fraction(0)) / len(xs), sum(ys, Fraction(0)) / len(ys)
    covariance = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), Fraction(0))
    variance = sum(((x - mean_x) * (x - mean_x) for x in xs), Fraction(0))
    return covariance / variance * Fraction(DAYS_PER_MONTH)


def is_cents(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value == value.quantize(CENT)


def assert_no_float(value: object) -> None:
    assert not isinstance(value, float), value
    if isinstance(value, dict):
        for item in value.values():
            assert_no_float(item)
    elif isinstance(value, list | tuple):
        for item in value:
            assert_no_float(item)


def debt_goal(**overrides: object) -> Goal:
    fields: dict[str, object] = {"type": GoalType.DEBT, "target_amount": Decimal(0), "start_amount": Decimal(10000)}
    fields.update(overrides)
    return make_goal(**fields)


# --- (a), (b): the pace ---------------------------------------------------------------------------------------


@given(per_day=per_day_slopes, intercept=intercepts, days=line_days, decreasing=st.booleans())
def test_pace_of_a_straight_line_is_its_slope_per_month(
    per_day: Decimal, intercept: Decimal, days: list[tuple[int, int]], decreasing: bool
) -> None:
    pace = monthly_pace(window_of(on_line(days, per_day, intercept)), TODAY, decreasing=decreasing)
    expected = per_day * DAYS_PER_MONTH
    assert isinstance(pace, Decimal)
    assert pace == (-expected if decreasing else expected)


@given(per_day=per_day_slopes, intercept=intercepts, days=line_days, stale=stale_points)
def test_entries_older_than_the_window_are_ignored(
    per_day: Decimal, intercept: Decimal, days: list[tuple[int, int]], stale: list[tuple[int, Decimal]]
) -> None:
    window = window_of(on_line(days, per_day, intercept))
    assert window_of(stale) == {}  # never even kept
    # nor counted if still stored (a day that has left the window since it was added)
    for ago, value in stale:
        window[(TODAY - timedelta(days=ago)).isoformat()] = DayTotal(n=1, total=value)
    assert monthly_pace(window, TODAY, decreasing=False) == per_day * DAYS_PER_MONTH


@given(ago=st.integers(0, WINDOW_DAYS), values=st.lists(money, min_size=1, max_size=5), stale=stale_points)
def test_fewer_than_two_distinct_days_means_no_pace(
    ago: int, values: list[Decimal], stale: list[tuple[int, Decimal]]
) -> None:
    window = window_of([(ago, value) for value in values])
    for old, value in stale:
        window[(TODAY - timedelta(days=old)).isoformat()] = DayTotal(n=1, total=value)
    assert monthly_pace(window, TODAY, decreasing=False) == 0
    assert monthly_pace(window, TODAY, decreasing=True) == 0


def test_no_entries_means_no_pace() -> None:
    assert monthly_pace({}, TODAY, decreasing=False) == 0
    assert slope([]) is None
    assert slope([(-3, 4, Decimal(10))]) is None


def test_window_is_ninety_days_inclusive_and_slides() -> None:
    window = window_of([(WINDOW_DAYS, Decimal(100)), (0, Decimal(280)), (WINDOW_DAYS + 1, Decimal(5))])
    assert sorted(window) == [(TODAY - timedelta(days=WINDOW_DAYS)).isoformat(), TODAY.isoformat()]
    assert monthly_pace(window, TODAY, decreasing=False) == Decimal(2) * DAYS_PER_MONTH
    # ten days later the 90-day-old entry has left the window: one day is left, so no pace
    later = TODAY + timedelta(days=10)
    assert monthly_pace(window, later, decreasing=False) == 0
    add_point(window, later, Decimal(300), later)
    assert sorted(window) == [TODAY.isoformat(), later.isoformat()]
    assert monthly_pace(window, later, decreasing=False) == Decimal(2) * DAYS_PER_MONTH


@given(points=st.lists(st.tuples(st.integers(0, 150), money), min_size=1, max_size=12))
def test_pace_is_least_squares_over_every_entry_of_the_window(points: list[tuple[int, Decimal]]) -> None:
    goal = record_all(make_goal(current_amount=Decimal(0)), points)
    pace = monthly_pace(goal.pace_days, TODAY, decreasing=False)
    assert summarize(goal, NOW).current_monthly_pace == pace.quantize(CENT, rounding=ROUND_HALF_UP)
    kept = [(ago, value) for ago, value in points if ago <= WINDOW_DAYS]
    if len({ago for ago, _ in kept}) < 2:
        assert pace == 0
    else:
        assert abs(Fraction(pace) - reference_pace(kept)) <= Fraction(1, 10**9)


# --- (c): the required monthly contribution -----------------------------------------------------------------


@given(current=money, target=positive_money, days_left=st.integers(1, 3650), decreasing=st.booleans())
def test_required_contribution_covers_the_remaining_distance_by_the_deadline(
    current: Decimal, target: Decimal, days_left: int, decreasing: bool
) -> None:
    if decreasing:
        goal = debt_goal(current_amount=current, start_amount=current + target, target_amount=target)
        distance = max(Decimal(0), current - target)
    else:
        goal = make_goal(current_amount=current, target_amount=target)
        distance = max(Decimal(0), target - current)
    goal.deadline = NOW + timedelta(days=days_left)
    # a distance of less than 0.005 % shows as 100 %, reached: see test_nothing_is_required_once_percent_shows_100
    assume(distance == 0 or goal.percent_complete < 100)
    assert days_remaining(goal, TODAY) == days_left
    required = required_monthly_contribution(goal, TODAY)
    assert isinstance(required, Decimal)
    assert abs(required * (Decimal(days_left) / DAYS_PER_MONTH) - distance) <= TINY
    if distance == 0:
        assert required == 0


@given(current=money, target=positive_money, days_past=st.integers(0, 3650), decreasing=st.booleans())
def test_whole_remaining_distance_is_due_once_the_deadline_passed(
    current: Decimal, target: Decimal, days_past: int, decreasing: bool
) -> None:
    goal = debt_goal(current_amount=current) if decreasing else make_goal(current_amount=current, target_amount=target)
    goal.deadline = NOW - timedelta(days=days_past)
    assert days_remaining(goal, TODAY) == 0
    distance = current if decreasing else max(Decimal(0), target - current)
    # a goal that shows 100 % is reached and owes nothing (see test_nothing_is_required_once_percent_shows_100)
    assert required_monthly_contribution(goal, TODAY) == (0 if goal.reached else distance)


@pytest.mark.parametrize(
    ("goal", "deadline_days"),
    [
        (make_goal(), None),
        (debt_goal(current_amount=Decimal(4000)), None),
        (make_goal(current_amount=Decimal(10000)), 100),  # reached
        (make_goal(current_amount=Decimal(12000)), 0),  # past the target on the deadline
        (debt_goal(current_amount=Decimal(0)), 100),  # debt paid off
    ],
)
def test_nothing_is_required_without_a_deadline_or_once_reached(goal: Goal, deadline_days: int | None) -> None:
    goal.deadline = None if deadline_days is None else NOW + timedelta(days=deadline_days)
    assert required_monthly_contribution(goal, TODAY) == 0
    assert summarize(goal, NOW).required_monthly_contribution == 0


@pytest.mark.parametrize(
    ("goal", "deadline_days"),
    [
        (make_goal(target_amount=Decimal(200), current_amount=Decimal("199.99")), 1),
        (debt_goal(start_amount=Decimal(200), current_amount=Decimal("0.01")), 0),
    ],
    ids=["savings-99.995%-deadline-tomorrow", "debt-99.995%-deadline-today"],
)
def test_nothing_is_required_once_percent_shows_100(goal: Goal, deadline_days: int) -> None:
    """99.995 % is shown as 100.00 %, ``achieved``, and raises ``goal_completed``: the spec's "reached"
    (percent >= 100), so nothing more is required, whatever cent is left."""
    goal.deadline = NOW + timedelta(days=deadline_days)
    summary = summarize(goal, NOW)
    assert summary.percent_complete == Decimal("100.00")
    assert summary.tracking_status == TrackingStatus.ACHIEVED
    assert summary.required_monthly_contribution == 0


def test_required_contribution_example() -> None:
    goal = make_goal(current_amount=Decimal(6500), deadline=NOW + timedelta(days=245))
    # 3500 over 245 / 30.44 months
    assert summarize(goal, NOW).required_monthly_contribution == Decimal("434.86")


# --- (d): a decreasing goal mirrors an increasing one -------------------------------------------------------


@st.composite
def mirrored_cases(draw: st.DrawFn) -> tuple[Decimal, Decimal, list[tuple[int, Decimal]], int | None, int]:
    size = draw(positive_money)
    debt = st.decimals(min_value=0, max_value=size, places=2, allow_nan=False, allow_infinity=False)
    current = draw(debt)
    entries = draw(st.lists(st.tuples(st.integers(0, 150), debt), max_size=8))
    deadline = draw(st.none() | st.integers(-30, 720))
    age = draw(st.integers(0, 120))
    return size, current, entries, deadline, age


@given(case=mirrored_cases())
def test_decreasing_goal_mirrors_an_increasing_one(
    case: tuple[Decimal, Decimal, list[tuple[int, Decimal]], int | None, int],
) -> None:
    size, current, entries, deadline_days, age = case
    common: dict[str, object] = {
        "created_at": NOW - timedelta(days=age),
        "deadline": None if deadline_days is None else NOW + timedelta(days=deadline_days),
    }
    debt = debt_goal(start_amount=size, current_amount=current, **common)
    savings = make_goal(target_amount=size, current_amount=size - current, **common)
    record_all(debt, entries)
    record_all(savings, [(ago, size - value) for ago, value in entries])
    assert debt.current_amount + savings.current_amount == size

    mine, theirs = summarize(debt, NOW), summarize(savings, NOW)
    assert mine.percent_complete == theirs.percent_complete
    assert mine.tracking_status == theirs.tracking_status
    assert mine.current_monthly_pace == theirs.current_monthly_pace
    assert mine.required_monthly_contribution == theirs.required_monthly_contribution
    assert mine.on_track == theirs.on_track
    assert mine.projected_completion_date == theirs.projected_completion_date
    assert (mine.days_elapsed, mine.days_remaining) == (theirs.days_elapsed, theirs.days_remaining)

    pace = monthly_pace(debt.pace_days, TODAY, decreasing=True)
    assert pace == monthly_pace(savings.pace_days, TODAY, decreasing=False)
    debt_final = projected_final_value(debt, pace, TODAY)
    savings_final = projected_final_value(savings, pace, TODAY)
    if debt_final is None or savings_final is None:
        assert debt_final is None
        assert savings_final is None
    elif debt_final > 0 and savings_final > 0:  # neither held at 0 (the mirror of 0 is uncapped)
        assert abs(debt_final + savings_final - size) <= TINY


def test_paying_down_a_debt_is_progress() -> None:
    goal = record_all(debt_goal(current_amount=Decimal(10000)), [(30, Decimal(10000)), (0, Decimal(9000))])
    summary = summarize(goal, NOW)
    assert summary.percent_complete == Decimal("10.00")
    assert summary.current_monthly_pace == Decimal("1014.67")  # 1000 in 30 days, per 30.44 days
    assert summary.current_monthly_pace > 0


# --- (e): the on-track rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("goal_type", [GoalType.SAVINGS, GoalType.DEBT])
@pytest.mark.parametrize(
    ("age", "deadline_days", "percent", "expected"),
    [
        (30, None, "0", True),  # no deadline: always on track
        (30, 90, "22.5", True),  # a quarter of the time gone: 90 % of 25 % is 22.5 %
        (30, 90, "22.49", False),
        (0, 100, "0", True),  # nothing expected yet
        (100, -10, "90", True),  # deadline passed: the whole way is expected
        (100, -10, "89.99", False),
        (365, 365, "45", True),
        (365, 365, "44.99", False),
    ],
)
def test_on_track_rule_examples(
    goal_type: GoalType, age: int, deadline_days: int | None, percent: str, expected: bool
) -> None:
    covered = Decimal(percent) * 100  # of a 10000 way
    deadline = None if deadline_days is None else NOW + timedelta(days=deadline_days)
    created = NOW - timedelta(days=age)
    if goal_type in DECREASING_TYPES:
        goal = debt_goal(current_amount=10000 - covered, created_at=created, deadline=deadline)
    else:
        goal = make_goal(current_amount=covered, created_at=created, deadline=deadline)
    assert goal.percent_complete == Decimal(percent)
    assert is_on_track(goal, TODAY) is expected
    assert summarize(goal, NOW).on_track is expected


def test_on_track_counts_time_from_the_first_entry_when_earlier() -> None:
    goal = make_goal(current_amount=Decimal(2000), deadline=NOW + timedelta(days=90))
    assert is_on_track(goal, TODAY)  # created today: nothing expected yet
    record(goal, value=Decimal(2000), period_date=TODAY - timedelta(days=30), now=NOW, source=ProgressSource.MANUAL)
    assert days_elapsed(goal, TODAY) == 30
    assert not is_on_track(goal, TODAY)  # 20 % < 0.9 * 25 %
    assert on_track_at(goal, Decimal(2250), TODAY)


# --- (f): back-dated entries ------------------------------------------------------------------------------


def test_back_dated_entry_keeps_the_newer_amount_but_counts_for_pace() -> None:
    goal = make_goal(current_amount=Decimal(2500))
    record(goal, value=Decimal(5000), period_date=TODAY, now=NOW, source=ProgressSource.MANUAL)
    entry = record(
        goal, value=Decimal(3000), period_date=TODAY - timedelta(days=10), now=NOW, source=ProgressSource.MANUAL
    )
    assert goal.current_amount == Decimal(5000)
    assert entry.value_at_period == Decimal(3000)
    assert entry.progress_percent == Decimal("30.00")
    assert_no_float(entry.model_dump())
    assert goal.first_period == TODAY - timedelta(days=10)
    summary = summarize(goal, NOW)
    assert summary.current_amount == Decimal(5000)
    assert summary.days_elapsed == 10
    assert summary.current_monthly_pace == Decimal(200) * DAYS_PER_MONTH  # (5000 - 3000) / 10 days
    # an entry between the two is not the latest either; a newer record of the latest day is
    record(goal, value=Decimal(1), period_date=TODAY - timedelta(days=5), now=NOW, source=ProgressSource.MANUAL)
    assert goal.current_amount == Decimal(5000)
    record(goal, value=Decimal(5100), period_date=TODAY, now=NOW, source=ProgressSource.MANUAL)
    assert goal.current_amount == Decimal(5100)


@given(entries=st.lists(st.tuples(st.integers(0, 150), money), min_size=1, max_size=12), age=st.integers(0, 200))
def test_amount_is_that_of_the_latest_entry_whatever_the_order(entries: list[tuple[int, Decimal]], age: int) -> None:
    goal = record_all(make_goal(created_at=NOW - timedelta(days=age)), entries)
    newest = min(ago for ago, _ in entries)
    assert goal.current_amount == [value for ago, value in entries if ago == newest][-1]  # ties: the last recorded
    oldest = max(ago for ago, _ in entries)
    assert goal.first_period == TODAY - timedelta(days=oldest)
    assert days_elapsed(goal, TODAY) == max(age, oldest)


# --- (g): projections, percent, rounding, types -------------------------------------------------------------


def test_projected_completion_at_the_current_pace() -> None:
    # 10 a day is 304.4 a month; 3044 to go is 10 months, 304.4 days
    goal = record_all(make_goal(target_amount=Decimal(8044)), [(10, Decimal(4900)), (0, Decimal(5000))])
    summary = summarize(goal, NOW)
    assert summary.current_monthly_pace == Decimal("304.40")
    assert summary.projected_completion_date == TODAY + timedelta(days=304)


@pytest.mark.parametrize(
    "points",
    [
        [(10, Decimal(5000)), (0, Decimal(5000))],  # flat
        [(10, Decimal(5000)), (0, Decimal(4000))],  # going away from the target
        [(0, Decimal(5000))],  # a single entry
        [],
    ],
)
def test_no_projected_completion_without_progress(points: list[tuple[int, Decimal]]) -> None:
    goal = record_all(make_goal(current_amount=Decimal(5000)), points)
    pace = monthly_pace(goal.pace_days, TODAY, decreasing=False)
    assert pace <= 0
    assert projected_completion_date(goal, pace, TODAY) is None
    assert summarize(goal, NOW).projected_completion_date is None


def test_projected_completion_is_the_reached_date_once_reached() -> None:
    goal = make_goal(current_amount=Decimal(9000))
    reached_on = NOW - timedelta(days=3)
    record(goal, value=Decimal(10500), period_date=reached_on.date(), now=reached_on, source=ProgressSource.MANUAL)
    record(goal, value=Decimal(10200), period_date=TODAY, now=NOW, source=ProgressSource.MANUAL)  # still there
    assert monthly_pace(goal.pace_days, TODAY, decreasing=False) < 0
    summary = summarize(goal, NOW)
    assert summary.projected_completion_date == reached_on.date()
    assert summary.required_monthly_contribution == 0
    # falling back below the target forgets it
    record(goal, value=Decimal(9000), period_date=TODAY, now=NOW, source=ProgressSource.MANUAL)
    assert summarize(goal, NOW).projected_completion_date is None


def test_projected_final_value() -> None:
    goal = record_all(make_goal(), [(10, Decimal(4900)), (0, Decimal(5000))])  # 10 a day
    assert summarize(goal, NOW).projected_final_value is None  # no deadline
    goal.deadline = NOW + timedelta(days=100)
    assert summarize(goal, NOW).projected_final_value == Decimal("6000.00")
    debt = record_all(debt_goal(current_amount=Decimal(5000)), [(10, Decimal(6000)), (0, Decimal(5000))])
    debt.deadline = NOW + timedelta(days=30)
    assert summarize(debt, NOW).projected_final_value == Decimal("2000.00")  # 100 a day down
    debt.deadline = NOW + timedelta(days=365)
    assert summarize(debt, NOW).projected_final_value == Decimal("0.00")  # never below 0


def test_percent_never_below_zero_and_may_exceed_a_hundred() -> None:
    over = summarize(make_goal(current_amount=Decimal(12000)), NOW)
    assert over.percent_complete == Decimal("120.00")
    assert over.tracking_status == TrackingStatus.ACHIEVED
    deeper = summarize(debt_goal(current_amount=Decimal(12000)), NOW)  # the debt grew past its start
    assert deeper.percent_complete == Decimal("0.00")
    assert deeper.tracking_status == TrackingStatus.ON_TRACK  # r2: by pace, and without a deadline on track


@st.composite
def any_goals(draw: st.DrawFn) -> Goal:
    goal_type = draw(st.sampled_from(list(GoalType)))
    current = draw(money)
    deadline_days = draw(st.none() | st.integers(-400, 4000))
    fields: dict[str, object] = {
        "type": goal_type,
        "current_amount": current,
        "target_amount": draw(money if goal_type in DECREASING_TYPES else positive_money),
        "start_amount": current if goal_type in DECREASING_TYPES else Decimal(0),
        "created_at": NOW - timedelta(days=draw(st.integers(0, 400))),
        "deadline": None if deadline_days is None else NOW + timedelta(days=deadline_days),
    }
    return record_all(make_goal(**fields), draw(entry_lists))


@given(goal=any_goals())
def test_summary_is_rounded_decimals_and_consistent(goal: Goal) -> None:
    summary = summarize(goal, NOW)
    amounts = [
        summary.current_amount,
        summary.target_amount,
        summary.percent_complete,
        summary.required_monthly_contribution,
        summary.current_monthly_pace,
    ]
    if summary.projected_final_value is not None:
        amounts.append(summary.projected_final_value)
    assert all(is_cents(amount) for amount in amounts), amounts
    assert_no_float(summary.model_dump())
    assert summary.percent_complete >= 0
    assert summary.required_monthly_contribution >= 0
    assert (summary.projected_final_value is None) == (goal.deadline is None)
    assert (summary.days_remaining is None) == (goal.deadline is None)
    if goal.deadline is None or goal.remaining() == 0:
        assert summary.required_monthly_contribution == 0
    if goal.deadline is None:
        assert summary.on_track
    pace = monthly_pace(goal.pace_days, TODAY, decreasing=goal.decreasing)
    if summary.percent_complete < 100 and pace <= 0:
        assert summary.projected_completion_date is None
    if summary.percent_complete < 100 and pace > 0 and summary.projected_completion_date is not None:
        assert summary.projected_completion_date >= TODAY
