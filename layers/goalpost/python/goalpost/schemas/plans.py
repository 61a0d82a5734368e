"""Template and budget requests and responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, PlainValidator, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema

from goalpost.domain.budget import BudgetFigures, BudgetSnapshot
from goalpost.domain.goals import Goal, GoalType
from goalpost.domain.model import Number
from goalpost.domain.money import round2
from goalpost.domain.monthly_plan import MonthlyPlan
from goalpost.domain.recommendations import GoalRecommendation, Split
from goalpost.domain.templates import ParameterType, TemplateChoice
from goalpost.schemas.common import DateTimeInput, JsonNumber, RequestModel, ResponseModel, not_past
from goalpost.schemas.goals import GoalCreate, GoalOut, Name

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

    def choice(self) -> TemplateChoice:
        """The request in the domain's terms (the values as parsed, so the budget stays a model)."""
        return TemplateChoice(**{name: getattr(self, name) for name in type(self).model_fields})


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


def _create_body(data: Any) -> GoalCreate | FromTemplateIn:
    """The body of ``POST /goals/from-template`` when it names a template, else of ``POST /goals``: validated by
    that route's own model, so its errors are that route's errors (their ``loc`` is the field's, not a union
    branch's)."""
    if isinstance(data, dict) and "template_id" in data:
        return FromTemplateIn.model_validate(data)
    return GoalCreate.model_validate(data)


PreviewIn = Annotated[
    GoalCreate | FromTemplateIn, PlainValidator(_create_body, json_schema_input_type=GoalCreate | FromTemplateIn)
]


class GoalPreviewOut(GoalOut):
    """The goal as a create would make it, before it has an id."""

    id: SkipJsonSchema[str] = Field(exclude=True)


class PreviewOut(ResponseModel):
    goal: GoalPreviewOut
    required_monthly_contribution: JsonNumber
    months: JsonNumber | None
    suggested_target_date: date | None
    explanation: str

    @classmethod
    def build(cls, goal: Goal, plan: MonthlyPlan) -> PreviewOut:
        return cls(
            goal=GoalPreviewOut.of(goal),
            required_monthly_contribution=round2(plan.required_monthly_contribution),
            months=None if plan.months is None else round2(plan.months),
            suggested_target_date=plan.suggested_target_date,
            explanation=plan.explanation,
        )


class GoalRecommendationOut(ResponseModel):
    goal_id: str
    name: str
    required_monthly_contribution: JsonNumber
    recommended_monthly: JsonNumber
    on_track_with_recommendation: bool


class RecommendationsOut(ResponseModel):
    monthly_surplus: JsonNumber
    allocated: JsonNumber
    unallocated: JsonNumber
    goals: list[GoalRecommendationOut]

    @classmethod
    def build(cls, split: Split, goals: list[GoalRecommendation]) -> RecommendationsOut:
        return cls(
            monthly_surplus=split.surplus,
            allocated=split.allocated,
            unallocated=split.unallocated,
            goals=[
                GoalRecommendationOut(
                    goal_id=shared.goal.id,
                    name=shared.goal.name,
                    required_monthly_contribution=shared.required_monthly_contribution,
                    recommended_monthly=shared.recommended_monthly,
                    on_track_with_recommendation=shared.on_track_with_recommendation,
                )
                for shared in goals
            ],
        )
