"""Template and budget requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from goalpost.domain.budget import BudgetFigures, BudgetSnapshot
from goalpost.domain.goals import GoalType
from goalpost.domain.model import Number
from goalpost.domain.templates import ParameterType
from goalpost.schemas.common import DateTimeInput, JsonNumber, RequestModel, ResponseModel, not_past
from goalpost.schemas.goals import Name

ParameterValue = Annotated[Number, Field(max_digits=24, decimal_places=8, allow_inf_nan=False)]


class FromTemplateIn(RequestModel):
    template_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    parameters: Annotated[dict[str, ParameterValue], Field(max_length=20)] = Field(default_factory=dict)
    budget: BudgetFigures | None = None
    target_date: DateTimeInput | None = None
    name: Name | None = None

    @field_validator("target_date")
    @classmethod
    def _not_past(cls, value: datetime | None) -> datetime | None:
        return not_past(value, "target_date")


class BudgetSnapshotIn(BudgetSnapshot):
    """A month of the user's budget: ``{period_year, period_month, total_income, monthly_expenses, surplus,
    category_totals: {name: amount}, debts: [{id, name?, balance}]}``."""


class TemplateParameterOut(ResponseModel):
    name: str
    label: str
    type: ParameterType
    default: JsonNumber | None = None


class TemplateOut(ResponseModel):
    id: str
    name: str
    goal_type: GoalType
    description: str
    parameters: list[TemplateParameterOut]
    suggested_timeline_months: int | None
    tips: list[str]
    budget_inputs: list[str]
