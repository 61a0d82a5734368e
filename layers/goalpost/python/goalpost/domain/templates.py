"""Goal templates: the catalogue, and how a template, its parameters and a budget make a goal."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from goalpost.domain.budget import BudgetFigures
from goalpost.domain.clock import as_utc
from goalpost.domain.errors import BusinessRuleError, InvalidInput, NotFound
from goalpost.domain.goals import GoalType, is_decreasing
from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, MAX_AMOUNT, ZERO, round2

MAX_AGE = Decimal(120)


class ParameterType(StrEnum):
    CURRENCY = "currency"
    PERCENT = "percent"
    NUMBER = "number"


class TemplateParameter(Model):
    name: str
    label: str
    type: ParameterType
    default: Decimal | None = None


class GoalTemplate(Model):
    id: str
    name: str
    goal_type: GoalType
    description: str
    parameters: list[TemplateParameter] = []
    suggested_timeline_months: int | None = None
    tips: list[str] = []
    budget_inputs: list[str] = []  # the budget figures the target is computed from

    @property
    def needs_budget(self) -> bool:
        return bool(self.budget_inputs)


TEMPLATES: tuple[GoalTemplate, ...] = (
    GoalTemplate(
        id="emergency_fund_3_months",
        name="3-Month Emergency Fund",
        goal_type=GoalType.EMERGENCY_FUND,
        description="Build 3 months of essential expenses as an emergency cushion.",
        suggested_timeline_months=12,
        budget_inputs=["monthly_expenses"],
        tips=[
            "Start with a smaller goal ($1,000) if 3 months feels overwhelming",
            "Keep it in a high-yield savings account for easy access",
            "Don't touch it except for true emergencies",
        ],
    ),
    GoalTemplate(
        id="emergency_fund_6_months",
        name="6-Month Emergency Fund",
        goal_type=GoalType.EMERGENCY_FUND,
        description="Build 6 months of expenses for comprehensive security.",
        suggested_timeline_months=24,
        budget_inputs=["monthly_expenses"],
        tips=[
            "Reach the 3-month fund first, then keep going",
            "Automate a transfer on payday so saving happens before spending",
        ],
    ),
    GoalTemplate(
        id="debt_free",
        name="Become Debt-Free",
        goal_type=GoalType.DEBT_FREE,
        description="Pay off all consumer debt.",
        budget_inputs=["debts"],
        tips=[
            "Consider the avalanche (highest rate first) or snowball (smallest balance first) method",
            "Celebrate each debt you pay off",
        ],
    ),
    GoalTemplate(
        id="house_down_payment",
        name="House Down Payment",
        goal_type=GoalType.DOWN_PAYMENT,
        description="Save for a down payment on a home.",
        parameters=[
            TemplateParameter(name="home_price", label="Target home price", type=ParameterType.CURRENCY),
            TemplateParameter(
                name="down_payment_percent",
                label="Down payment %",
                type=ParameterType.PERCENT,
                default=Decimal(20),
            ),
        ],
        tips=[
            "20% down avoids private mortgage insurance on most loans",
            "Budget for closing costs of 2-5% on top of the down payment",
        ],
    ),
    GoalTemplate(
        id="retirement_target",
        name="Retirement Savings Target",
        goal_type=GoalType.RETIREMENT_SAVINGS,
        description="Reach your retirement savings goal (25 times the yearly income you want: the 4% rule).",
        parameters=[
            TemplateParameter(
                name="retirement_age", label="Retirement age", type=ParameterType.NUMBER, default=Decimal(65)
            ),
            TemplateParameter(name="current_age", label="Current age", type=ParameterType.NUMBER),
            TemplateParameter(
                name="target_income", label="Desired annual retirement income", type=ParameterType.CURRENCY
            ),
        ],
        tips=[
            "Capture any employer match first: it is an instant return",
            "Raise your contribution rate with every pay rise",
        ],
    ),
    GoalTemplate(
        id="savings_rate_target",
        name="Target Savings Rate",
        goal_type=GoalType.SAVINGS_RATE,
        description="Save a set share of your monthly income.",
        budget_inputs=["total_income"],
        parameters=[
            TemplateParameter(
                name="target_rate", label="Target savings rate", type=ParameterType.PERCENT, default=Decimal(20)
            ),
        ],
        tips=[
            "Pay yourself first: move the savings out on payday",
            "Raise the rate by 1% every few months",
        ],
    ),
)
TEMPLATES_BY_ID: dict[str, GoalTemplate] = {template.id: template for template in TEMPLATES}


def get_template(template_id: str) -> GoalTemplate:
    template = TEMPLATES_BY_ID.get(template_id)
    if template is None:
        raise NotFound("Template not found")
    return template


class _Inputs:
    """The template's parameters (given or default) and the budget, noting every input that is missing."""

    def __init__(self, values: Mapping[str, Decimal], budget: BudgetFigures | None) -> None:
        self.values = values
        self.budget = budget
        self.missing: list[str] = []

    def param(self, name: str) -> Decimal:
        value = self.values.get(name)
        if value is None:
            self.missing.append(f"parameters.{name}")
            return ZERO
        return value

    def budget_figure(self, name: str) -> Decimal:
        value = None if self.budget is None else getattr(self.budget, name)
        if value is None:
            self.missing.append(f"budget.{name}")
            return ZERO
        return Decimal(value)

    def debts_total(self) -> Decimal:
        total = None if self.budget is None else self.budget.debts_total()
        if total is None:
            self.missing.append("budget.debts")
            return ZERO
        return total


Rule = Callable[[_Inputs], Decimal]

TARGET_RULES: dict[str, Rule] = {
    "emergency_fund_3_months": lambda inputs: inputs.budget_figure("monthly_expenses") * 3,
    "emergency_fund_6_months": lambda inputs: inputs.budget_figure("monthly_expenses") * 6,
    "debt_free": lambda inputs: ZERO,
    "house_down_payment": lambda inputs: inputs.param("home_price") * inputs.param("down_payment_percent") / HUNDRED,
    "retirement_target": lambda inputs: inputs.param("target_income") * 25,
    "savings_rate_target": lambda inputs: inputs.budget_figure("total_income") * inputs.param("target_rate") / HUNDRED,
}


def resolve_parameters(template: GoalTemplate, given: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The given parameters over the defaults, each checked against its declared type."""
    declared = {parameter.name: parameter for parameter in template.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise InvalidInput(f"Unknown parameters for {template.id}: {', '.join(unknown)}")
    values = {p.name: p.default for p in template.parameters if p.default is not None}
    values.update(given)
    for name, value in values.items():
        kind = declared[name].type
        if kind == ParameterType.PERCENT and not ZERO < value <= HUNDRED:
            raise InvalidInput(f"parameters.{name} must be greater than 0 and at most 100")
        if kind == ParameterType.CURRENCY and not ZERO < value <= MAX_AMOUNT:
            raise InvalidInput(f"parameters.{name} must be greater than 0 and at most {MAX_AMOUNT:f}")
        if kind == ParameterType.NUMBER and not ZERO < value <= MAX_AGE:
            raise InvalidInput(f"parameters.{name} must be greater than 0 and at most {MAX_AGE}")
    return values


@dataclass(frozen=True)
class TemplateChoice:
    """What a person asks a template for: the template, its parameters, and what they override."""

    template_id: str
    parameters: Mapping[str, Decimal]
    budget: BudgetFigures | None = None
    target_date: datetime | None = None
    name: str | None = None


@dataclass(frozen=True)
class GoalPlan:
    """What a template makes: the goal to create."""

    template_id: str
    name: str
    goal_type: GoalType
    description: str
    target_amount: Decimal
    current_amount: Decimal
    start_amount: Decimal
    deadline: datetime | None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day when it is shorter (31 January
    + 1 month is 28 or 29 February): a timeline of "24 months" ends two years on, not 720 days on."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _default_deadline(template: GoalTemplate, values: Mapping[str, Decimal], today: date) -> datetime | None:
    if template.suggested_timeline_months is not None:
        return as_utc(add_months(today, template.suggested_timeline_months))
    retirement, current = values.get("retirement_age"), values.get("current_age")
    if retirement is not None and current is not None:
        return as_utc(add_months(today, 12 * int(retirement - current)))
    return None


def plan_goal(
    template: GoalTemplate,
    parameters: Mapping[str, Decimal],
    budget: BudgetFigures | None,
    *,
    today: date,
    name: str | None = None,
    target_date: datetime | None = None,
) -> GoalPlan:
    """The goal ``template`` makes from these inputs; ``BusinessRuleError`` naming every missing input."""
    values = resolve_parameters(template, parameters)
    inputs = _Inputs(values, budget)
    target = round2(TARGET_RULES[template.id](inputs))
    # A debt-free goal starts from the sum of the debts and heads for 0.
    start = inputs.debts_total() if template.goal_type == GoalType.DEBT_FREE else ZERO
    if inputs.missing:
        raise BusinessRuleError(f"Missing inputs for {template.id}: {', '.join(inputs.missing)}")
    retirement, current = values.get("retirement_age"), values.get("current_age")
    if retirement is not None and current is not None and retirement <= current:
        raise BusinessRuleError("parameters.retirement_age must be greater than parameters.current_age")
    if target <= 0 and not is_decreasing(template.goal_type):
        raise BusinessRuleError(f"The inputs give {template.id} a target of {target}; it must be greater than 0")
    if target > MAX_AMOUNT or start > MAX_AMOUNT:
        raise BusinessRuleError(f"The inputs give {template.id} an amount above {MAX_AMOUNT:f}")
    return GoalPlan(
        template_id=template.id,
        name=name or template.name,
        goal_type=template.goal_type,
        description=template.description,
        target_amount=target,
        current_amount=start,
        start_amount=start,
        deadline=target_date if target_date is not None else _default_deadline(template, values, today),
    )
