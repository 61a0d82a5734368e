"""Progress entry requests and responses."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from goalpost.domain.clock import utc_now
from goalpost.domain.model import Number
from goalpost.domain.money import MAX_AMOUNT
from goalpost.domain.progress import ProgressSource
from goalpost.schemas.common import Amount, DateInput, JsonNumber, RequestModel, ResponseModel, UtcDateTime

Contribution = Annotated[
    Number, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, max_digits=24, decimal_places=8, allow_inf_nan=False)
]
Notes = Annotated[str, StringConstraints(max_length=1000)]


class ProgressIn(RequestModel):
    """Exactly one of ``value`` (sets the amount) and ``contribution_amount`` (adds to it; negative allowed)."""

    value: Amount | None = None
    contribution_amount: Contribution | None = None
    period_date: DateInput | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _rules(self) -> ProgressIn:
        if (self.value is None) == (self.contribution_amount is None):
            raise ValueError("Send exactly one of value and contribution_amount")
        if self.period_date is not None and self.period_date > utc_now().date():
            raise ValueError("period_date may not be in the future")
        return self


class ProgressEntryOut(ResponseModel):
    id: str
    goal_id: str
    period_date: date
    value_at_period: JsonNumber
    contribution_amount: JsonNumber | None
    progress_percent: JsonNumber
    on_track: bool
    source: ProgressSource
    recorded_at: UtcDateTime
    notes: str | None


class SyncResultOut(ResponseModel):
    updated: list[ProgressEntryOut]
