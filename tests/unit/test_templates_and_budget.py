"""Templates and their target rules, budget measuring, milestone progress and funding room: pure rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.budget import BudgetFigures, BudgetSnapshot, Debt, measure
from goalpost.domain.errors import BusinessRuleError, InvalidInput, NotFound
from goalpost.domain.funding import MAX_TOTAL_ALLOCATION, room_for
from goalpost.domain.goals import Goal, GoalType, Milestone, add_milestone, is_decreasing, milestone_progress
from goalpost.domain.templates import (
    TEMPLATES,
    GoalPlan,
    add_months,
    get_template,
    plan_goal,
    resolve_parameters,
)
from tests.unit.test_goal_rules import NOW, make_goal

TODAY = NOW.date()
CENT = Decimal("0.01")  # amounts are rounded half up, as money is
SPEC_TEMPLATES = {
    "emergency_fund_3_months": GoalType.EMERGENCY_FUND,
    "emergency_fund_6_months": GoalType.EMERGENCY_FUND,
    "debt_free": GoalType.DEBT_FREE,
    "house_down_payment": GoalType.DOWN_PAYMENT,
    "retirement_target": GoalType.RETIREMENT_SAVINGS,
    "savings_rate_target": GoalType.SAVINGS_RATE,
}
MEASURED_TYPES = {
    GoalType.SAVINGS_RATE,
    GoalType.EMERGENCY_FUND,
    GoalType.SAVINGS_TARGET,
    GoalType.SAVINGS,
    GoalType.DEBT_PAYOFF,
    GoalType.DEBT_FREE,
}

money = st.decimals(min_value=100, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
balances = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=1, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def plan(
    template_id: str,
    parameters: Mapping[str, Decimal] | None = None,
    budget: BudgetFigures | None = None,
    target_date: datetime | None = None,
) -> GoalPlan:
    return plan_goal(get_template(template_id), parameters or {}, budget, today=TODAY, target_date=target_date)


def snapshot(**figures: object) -> BudgetSnapshot:
    return BudgetSnapshot.model_validate({"period_year": 2026, "period_month": 11, **figures})


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# --- the catalogue ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("template_id", "goal_type"), SPEC_TEMPLATES.items())
def test_spec_templates_exist_with_their_fields(template_id: str, goal_type: GoalType) -> None:
    template = get_template(template_id)
    shown = template.model_dump(mode="json")
    assert {"id", "name", "goal_type", "description", "parameters", "suggested_timeline_months", "tips"} <= set(shown)
    assert shown["id"] == template_id
    assert shown["goal_type"] == goal_type.value
    assert shown["name"]
    assert shown["description"]
    assert shown["tips"]
    assert all(isinstance(tip, str) and tip for tip in shown["tips"])
    for parameter in shown["parameters"]:
        assert {"name", "label", "type", "default"} <= set(parameter)
        assert parameter["name"]
        assert parameter["label"]
    assert template in TEMPLATES


def test_template_parameters_and_defaults() -> None:
    def defaults(template_id: str) -> dict[str, Decimal | None]:
        return {p.name: p.default for p in get_template(template_id).parameters}

    assert defaults("house_down_payment") == {"home_price": None, "down_payment_percent": Decimal(20)}
    assert defaults("savings_rate_target") == {"target_rate": Decimal(20)}
    assert "target_income" in defaults("retirement_target")
    assert defaults("emergency_fund_3_months") == {}
    assert get_template("emergency_fund_3_months").suggested_timeline_months is not None
    assert get_template("emergency_fund_6_months").suggested_timeline_months is not None
    assert is_decreasing(get_template("debt_free").goal_type)
    with pytest.raises(NotFound):
        get_template("lottery_win")


# --- target rules ---------------------------------------------------------------------------------------------


@given(expenses=money, months=st.sampled_from([3, 6]))
def test_emergency_fund_is_months_of_expenses(expenses: Decimal, months: int) -> None:
    made = plan(f"emergency_fund_{months}_months", budget=BudgetFigures(monthly_expenses=expenses))
    assert made.goal_type == GoalType.EMERGENCY_FUND
    assert made.target_amount == expenses * months
    assert made.current_amount == made.start_amount == 0


@given(debts=st.lists(balances, max_size=10))
def test_debt_free_starts_from_the_sum_of_debts_and_heads_for_zero(debts: list[Decimal]) -> None:
    budget = BudgetFigures(debts=[Debt(id=f"d{i}", balance=balance) for i, balance in enumerate(debts)])
    made = plan("debt_free", budget=budget)
    assert made.goal_type == GoalType.DEBT_FREE
    assert made.start_amount == made.current_amount == sum(debts, Decimal(0))
    assert made.target_amount == 0


@given(price=money, percent=st.none() | percents)
def test_down_payment_is_a_share_of_the_home_price(price: Decimal, percent: Decimal | None) -> None:
    given_params = {"home_price": price} if percent is None else {"home_price": price, "down_payment_percent": percent}
    made = plan("house_down_payment", given_params)
    share = Decimal(20) if percent is None else percent
    assert made.target_amount == (price * share / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    assert made.current_amount == made.start_amount == 0


@given(income=money)
def test_retirement_target_is_25_times_the_income(income: Decimal) -> None:
    made = plan("retirement_target", {"target_income": income})
    assert made.goal_type == GoalType.RETIREMENT_SAVINGS
    assert made.target_amount == income * 25


@given(income=money, rate=st.none() | percents)
def test_savings_rate_target_is_a_share_of_income(income: Decimal, rate: Decimal | None) -> None:
    made = plan(
        "savings_rate_target", {} if rate is None else {"target_rate": rate}, BudgetFigures(total_income=income)
    )
    share = Decimal(20) if rate is None else rate
    assert made.target_amount == (income * share / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def test_target_rule_examples() -> None:
    assert plan("emergency_fund_3_months", budget=BudgetFigures(monthly_expenses=Decimal(4000))).target_amount == 12000
    assert plan("emergency_fund_6_months", budget=BudgetFigures(monthly_expenses=Decimal(4000))).target_amount == 24000
    assert plan("house_down_payment", {"home_price": Decimal(400000)}).target_amount == 80000
    assert plan("retirement_target", {"target_income": Decimal(60000)}).target_amount == 1500000
    assert plan("savings_rate_target", budget=BudgetFigures(total_income=Decimal(5000))).target_amount == 1000
    debts = BudgetFigures(debts=[Debt(id="card", balance=Decimal(3000)), Debt(id="car", balance=Decimal(5500))])
    made = plan("debt_free", budget=debts)
    assert (made.start_amount, made.current_amount, made.target_amount) == (8500, 8500, 0)


@pytest.mark.parametrize(
    ("template_id", "parameters", "budget", "missing"),
    [
        ("emergency_fund_3_months", {}, None, ["budget.monthly_expenses"]),
        ("emergency_fund_6_months", {}, BudgetFigures(total_income=Decimal(5000)), ["budget.monthly_expenses"]),
        ("debt_free", {}, None, ["budget.debts"]),
        ("debt_free", {}, BudgetFigures(monthly_expenses=Decimal(100)), ["budget.debts"]),
        ("house_down_payment", {}, None, ["parameters.home_price"]),
        ("house_down_payment", {"down_payment_percent": Decimal(10)}, None, ["parameters.home_price"]),
        ("retirement_target", {"current_age": Decimal(30)}, None, ["parameters.target_income"]),
        ("savings_rate_target", {"target_rate": Decimal(15)}, None, ["budget.total_income"]),
        ("savings_rate_target", {}, BudgetFigures(monthly_expenses=Decimal(100)), ["budget.total_income"]),
    ],
)
def test_missing_inputs_are_named(
    template_id: str, parameters: dict[str, Decimal], budget: BudgetFigures | None, missing: list[str]
) -> None:
    with pytest.raises(BusinessRuleError) as raised:
        plan(template_id, parameters, budget)
    for name in missing:
        assert name in raised.value.detail


@pytest.mark.parametrize(
    ("template_id", "parameters"),
    [
        ("house_down_payment", {"home_price": Decimal(1000), "colour": Decimal(1)}),
        ("emergency_fund_3_months", {"months": Decimal(4)}),
        ("savings_rate_target", {"rate": Decimal(20)}),
    ],
)
def test_unknown_parameters_are_invalid_input(template_id: str, parameters: dict[str, Decimal]) -> None:
    unknown = next(name for name in parameters if name not in {"home_price"})
    for attempt in (
        lambda: resolve_parameters(get_template(template_id), parameters),
        lambda: plan(template_id, parameters, BudgetFigures(monthly_expenses=Decimal(1), total_income=Decimal(1))),
    ):
        with pytest.raises(InvalidInput) as raised:
            attempt()
        assert unknown in raised.value.detail


@pytest.mark.parametrize("percent", [Decimal(0), Decimal(-5), Decimal("100.01")])
def test_percent_parameters_out_of_range_are_invalid_input(percent: Decimal) -> None:
    with pytest.raises(InvalidInput):
        plan("house_down_payment", {"home_price": Decimal(1000), "down_payment_percent": percent})


def test_resolved_parameters_take_defaults_under_given_values() -> None:
    house = get_template("house_down_payment")
    assert resolve_parameters(house, {"home_price": Decimal(5)}) == {
        "home_price": Decimal(5),
        "down_payment_percent": Decimal(20),
    }
    assert resolve_parameters(house, {"home_price": Decimal(5), "down_payment_percent": Decimal(35)}) == {
        "home_price": Decimal(5),
        "down_payment_percent": Decimal(35),
    }


@pytest.mark.parametrize("template_id", ["emergency_fund_3_months", "emergency_fund_6_months"])
def test_target_date_defaults_to_the_suggested_timeline(template_id: str) -> None:
    months = get_template(template_id).suggested_timeline_months
    assert months is not None
    budget = BudgetFigures(monthly_expenses=Decimal(2000))
    assert plan(template_id, budget=budget).deadline == midnight(add_months(TODAY, months))
    chosen = midnight(date(2027, 3, 1))
    assert plan(template_id, budget=budget, target_date=chosen).deadline == chosen


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        (date(2026, 12, 3), 24, date(2028, 12, 3)),  # "24 months" is two years, not 720 days
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # the month's last day when the day does not exist
        (date(2027, 12, 31), 2, date(2028, 2, 29)),  # a leap February
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
    ],
)
def test_timelines_are_calendar_months(today: date, months: int, expected: date) -> None:
    assert add_months(today, months) == expected
    budget = BudgetFigures(monthly_expenses=Decimal(2000))
    template = get_template("emergency_fund_6_months").model_copy(update={"suggested_timeline_months": months})
    assert plan_goal(template, {}, budget, today=today).deadline == midnight(expected)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=600))
def test_adding_months_keeps_the_day_or_ends_the_month(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


def test_no_default_target_date_without_a_timeline() -> None:
    assert get_template("house_down_payment").suggested_timeline_months is None
    assert plan("house_down_payment", {"home_price": Decimal(300000)}).deadline is None


# --- budget measure -------------------------------------------------------------------------------------------


@given(income=money, share=st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False))
def test_savings_rate_is_surplus_over_income(income: Decimal, share: Decimal) -> None:
    surplus = (income * share).quantize(CENT, rounding=ROUND_HALF_UP)
    measured = measure(make_goal(type=GoalType.SAVINGS_RATE), snapshot(total_income=income, surplus=surplus))
    assert measured == (surplus / income * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def test_savings_rate_examples() -> None:
    goal = make_goal(type=GoalType.SAVINGS_RATE, target_amount=Decimal(20))
    assert measure(goal, snapshot(total_income=Decimal(5000), surplus=Decimal(1000))) == Decimal("20.00")
    # without a surplus figure it is income less expenses
    assert measure(goal, snapshot(total_income=Decimal(5000), monthly_expenses=Decimal(4250))) == Decimal("15.00")
    assert measure(goal, snapshot(total_income=Decimal(5000), surplus=Decimal(-300))) == 0  # amounts stay >= 0
    assert measure(goal, snapshot(total_income=Decimal(0), surplus=Decimal(0))) is None  # no rate without income
    assert measure(goal, snapshot(total_income=Decimal(5000))) is None  # surplus unknown


@pytest.mark.parametrize("goal_type", [GoalType.SAVINGS, GoalType.EMERGENCY_FUND, GoalType.SAVINGS_TARGET])
def test_savings_goals_follow_their_category(goal_type: GoalType) -> None:
    budget = snapshot(category_totals={"savings": Decimal(1200), "rainy_day": Decimal(800)})
    assert measure(make_goal(type=goal_type), budget) == Decimal(1200)  # default category
    assert measure(make_goal(type=goal_type, tags=["home", "category:rainy_day"]), budget) == Decimal(800)
    assert measure(make_goal(type=goal_type, tags=["category:holidays"]), budget) is None  # not in this budget
    assert measure(make_goal(type=goal_type), snapshot(total_income=Decimal(10))) is None  # no category totals


def test_debt_payoff_follows_its_debt() -> None:
    budget = snapshot(debts=[{"id": "card", "balance": Decimal(2300)}, {"id": "car", "balance": Decimal(9100)}])
    card = make_goal(type=GoalType.DEBT_PAYOFF, tags=["debt:card"], target_amount=Decimal(0))
    assert measure(card, budget) == Decimal(2300)
    gone = make_goal(type=GoalType.DEBT_PAYOFF, tags=["debt:loan"], target_amount=Decimal(0))
    assert measure(gone, budget) == 0  # missing from the snapshot: paid off
    assert measure(make_goal(type=GoalType.DEBT_PAYOFF), budget) is None  # no debt tag
    assert measure(card, snapshot(total_income=Decimal(10))) is None  # debts unknown


@given(debts=st.lists(balances, max_size=10))
def test_debt_free_is_the_sum_of_all_debts(debts: list[Decimal]) -> None:
    budget = snapshot(debts=[{"id": f"d{i}", "balance": balance} for i, balance in enumerate(debts)])
    assert measure(make_goal(type=GoalType.DEBT_FREE), budget) == sum(debts, Decimal(0))


@pytest.mark.parametrize("goal_type", sorted(MEASURED_TYPES))
def test_unknown_figures_measure_nothing(goal_type: GoalType) -> None:
    assert measure(make_goal(type=goal_type, tags=["debt:card", "category:savings"]), snapshot()) is None


@pytest.mark.parametrize("goal_type", sorted(set(GoalType) - MEASURED_TYPES))
def test_other_goal_types_are_not_measured(goal_type: GoalType) -> None:
    full = snapshot(
        total_income=Decimal(5000),
        monthly_expenses=Decimal(4000),
        surplus=Decimal(1000),
        category_totals={"savings": Decimal(700)},
        debts=[{"id": "card", "balance": Decimal(50)}],
    )
    assert measure(make_goal(type=goal_type, tags=["debt:card", "category:savings"]), full) is None


def test_snapshot_describes_its_month_up_to_today() -> None:
    assert snapshot().as_of(date(2027, 1, 5)) == date(2026, 11, 30)
    assert snapshot().as_of(date(2026, 11, 21)) == date(2026, 11, 21)
    leap = BudgetSnapshot(period_year=2028, period_month=2)
    assert leap.as_of(date(2028, 6, 1)) == date(2028, 2, 29)


# --- milestones and funding -----------------------------------------------------------------------------------


def add_all(goal: Goal, amounts: tuple[int, ...]) -> None:
    for amount in amounts:
        add_milestone(goal, Milestone(id=f"m{amount}", amount=Decimal(amount), description=f"at {amount}"), TODAY)


@pytest.mark.parametrize(
    ("fields", "amounts", "next_id"),
    [
        ({"current_amount": Decimal(2500)}, (5000, 1000, 3000), "m3000"),
        (
            {"type": GoalType.DEBT, "target_amount": 0, "start_amount": 9500, "current_amount": 8500},
            (2000, 9000, 6000),
            "m6000",
        ),
    ],
)
def test_milestone_progress(fields: dict[str, object], amounts: tuple[int, ...], next_id: str) -> None:
    goal = make_goal(**fields)
    add_all(goal, amounts)
    report = milestone_progress(goal)
    assert (report.total_milestones, report.reached_count, report.percent_complete) == (3, 1, Decimal("33.33"))
    assert report.next_milestone is not None
    assert report.next_milestone.id == next_id  # the nearest unreached one in the goal's direction
    assert [m.reached_date for m in goal.milestones].count(TODAY) == 1  # the one already reached when added


def test_milestone_progress_when_none_or_all_reached() -> None:
    goal = make_goal(current_amount=Decimal(2500))
    empty = milestone_progress(goal)
    assert (empty.total_milestones, empty.reached_count, empty.percent_complete) == (0, 0, Decimal("0.00"))
    assert empty.next_milestone is None
    goal.current_amount = Decimal(6000)
    add_all(goal, (1000, 6000))
    done = milestone_progress(goal)
    assert (done.reached_count, done.percent_complete, done.next_milestone) == (2, Decimal("100.00"), None)


cents_percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(
    total=cents_percent,
    change=st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False),
)
def test_funding_room_admits_exactly_the_totals_that_stay_within_100(total: Decimal, change: Decimal) -> None:
    assert (total <= room_for(change)) == (total + change <= MAX_TOTAL_ALLOCATION)
    assert MAX_TOTAL_ALLOCATION == 100


def test_funding_room_examples() -> None:
    assert room_for(Decimal(40)) == 60
    assert Decimal(60) <= room_for(Decimal(40))
    assert not Decimal("60.01") <= room_for(Decimal(40))
    assert room_for(Decimal(100)) == 0
