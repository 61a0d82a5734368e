"""Budget snapshots and how one measures a goal (budget sync)."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from goalpost.domain.goals import Goal, GoalType
from goalpost.domain.model import InputModel, Number
from goalpost.domain.money import HUNDRED, MAX_AMOUNT, ZERO, round2

Money = Annotated[Number, Field(ge=0, le=MAX_AMOUNT, max_digits=24, decimal_places=8, allow_inf_nan=False)]
SignedMoney = Annotated[
    Number, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, max_digits=24, decimal_places=8, allow_inf_nan=False)
]
Key = Annotated[str, StringConstraints(min_length=1, max_length=100)]

SAVINGS_TYPES = frozenset({GoalType.EMERGENCY_FUND, GoalType.SAVINGS_TARGET, GoalType.SAVINGS})
DEFAULT_CATEGORY = "savings"
CATEGORY_TAG = "category:"
DEBT_TAG = "debt:"
# A goal made from this template measures the surplus amount, as its target is an amount (see measure()).
SAVINGS_RATE_TEMPLATE = "savings_rate_target"


class Debt(InputModel):
    id: Key
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    balance: Money


class BudgetFigures(InputModel):
    """A budget's figures. Every one is optional, so a partial budget serves the templates; a figure left
    out is unknown (it updates nothing), while an empty ``debts`` list means there are no debts."""

    total_income: Money | None = None
    monthly_expenses: Money | None = None
    surplus: SignedMoney | None = None
    category_totals: Annotated[dict[Key, Money], Field(max_length=200)] | None = None
    debts: Annotated[list[Debt], Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _unique_debts(self) -> BudgetFigures:
        ids = [debt.id for debt in self.debts or []]
        if len(ids) != len(set(ids)):
            raise ValueError("debts[].id must be unique")
        return self

    def net_surplus(self) -> Decimal | None:
        if self.surplus is not None:
            return self.surplus
        if self.total_income is not None and self.monthly_expenses is not None:
            return self.total_income - self.monthly_expenses
        return None

    def debts_total(self) -> Decimal | None:
        return None if self.debts is None else sum((debt.balance for debt in self.debts), ZERO)


class BudgetSnapshot(BudgetFigures):
    """One month of the user's budget (what budget sync stores and applies)."""

    period_year: Annotated[int, Field(ge=1900, le=2200)]
    period_month: Annotated[int, Field(ge=1, le=12)]

    @property
    def period(self) -> str:
        return f"{self.period_year:04d}-{self.period_month:02d}"

    def period_start(self) -> date:
        return date(self.period_year, self.period_month, 1)

    def as_of(self, today: date) -> date:
        """The day the snapshot describes: its month's last day, or today for the current month."""
        last = date(self.period_year, self.period_month, calendar.monthrange(self.period_year, self.period_month)[1])
        return min(last, today)


def tag_value(goal: Goal, prefix: str) -> str | None:
    return next((tag[len(prefix) :] for tag in goal.tags if tag.startswith(prefix)), None)


def _savings_rate(goal: Goal, snapshot: BudgetSnapshot) -> Decimal | None:
    surplus = snapshot.net_surplus()
    if surplus is None:
        return None
    if goal.template_id == SAVINGS_RATE_TEMPLATE:
        return max(ZERO, surplus)
    if not snapshot.total_income:
        return None
    return max(ZERO, round2(surplus / snapshot.total_income * HUNDRED))


def _debt_payoff(goal: Goal, snapshot: BudgetSnapshot) -> Decimal | None:
    debt_id = tag_value(goal, DEBT_TAG)
    if debt_id is None or snapshot.debts is None:
        return None
    # A debt no longer in the budget has been paid off.
    return next((debt.balance for debt in snapshot.debts if debt.id == debt_id), ZERO)


def measure(goal: Goal, snapshot: BudgetSnapshot) -> Decimal | None:
    """What the snapshot says the goal's amount is, or None when it says nothing about this goal.

    ``savings_rate`` is the surplus as a percentage of income; a goal made from the savings-rate template
    has an amount as its target (income x rate), so it is measured by the surplus amount instead."""
    if goal.type == GoalType.SAVINGS_RATE:
        return _savings_rate(goal, snapshot)
    if goal.type in SAVINGS_TYPES:
        category = tag_value(goal, CATEGORY_TAG) or DEFAULT_CATEGORY
        return None if snapshot.category_totals is None else snapshot.category_totals.get(category)
    if goal.type == GoalType.DEBT_PAYOFF:
        return _debt_payoff(goal, snapshot)
    if goal.type == GoalType.DEBT_FREE:
        return snapshot.debts_total()
    return None
