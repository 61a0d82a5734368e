"""Goal requests and responses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import AliasChoices, Field, StringConstraints, model_validator

from goalpost.domain.clock import utc_now
from goalpost.domain.errors import InvalidInput
from goalpost.domain.goals import (
    MAX_MILESTONES,
    Goal,
    GoalChanges,
    GoalDraft,
    GoalStatus,
    GoalType,
    Milestone,
    MilestoneChanges,
    TrackingStatus,
    validate_target,
)
from goalpost.domain.ids import new_id
from goalpost.domain.model import Choice
from goalpost.domain.progress import ProgressSummary, tracking_status
from goalpost.schemas.common import (
    Amount,
    DateInput,
    DateTimeInput,
    JsonNumber,
    RequestModel,
    ResponseModel,
    UtcDateTime,
    not_past,
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=1000)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Tags = Annotated[list[Tag], Field(max_length=20)]
# The day of the month an update reminder is due when the goal has no entry that month (1..28: every month).
ReminderDay = Annotated[int, Field(ge=1, le=28)]


MilestoneDescription = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class PartialUpdate(RequestModel):
    """A PATCH body: any subset of the fields; those named in ``not_null`` may not be sent as null."""

    not_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _sent_not_null(self) -> Self:
        for name in self.not_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self

    def sent(self) -> dict[str, Any]:
        """The fields sent, and only those."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class MilestoneIn(RequestModel):
    amount: Amount
    description: MilestoneDescription
    target_date: DateInput | None = None


class MilestoneUpdate(PartialUpdate):
    """Any subset of a milestone's fields; ``target_date`` may be cleared with null."""

    not_null = ("amount", "description")
    amount: Amount | None = None
    description: MilestoneDescription | None = None
    target_date: DateInput | None = None

    def changes(self) -> MilestoneChanges:
        return MilestoneChanges(**self.sent())


class GoalCreate(RequestModel):
    name: Name
    type: Choice[GoalType] = Field(validation_alias=AliasChoices("type", "goal_type"))
    target_amount: Amount
    current_amount: Amount = Decimal(0)
    start_amount: Amount | None = None
    deadline: DateTimeInput | None = None
    description: Description | None = None
    status: Choice[GoalStatus] = GoalStatus.ACTIVE
    tags: Tags = Field(default_factory=list)
    milestones: Annotated[list[MilestoneIn], Field(max_length=MAX_MILESTONES)] = Field(default_factory=list)
    reminder_day: ReminderDay = 1

    @model_validator(mode="before")
    @classmethod
    def _one_type(cls, data: Any) -> Any:
        """``type`` and its alias ``goal_type`` may both be sent, if they agree."""
        if isinstance(data, dict) and "type" in data and "goal_type" in data:
            if data["type"] != data["goal_type"]:
                raise ValueError("type and goal_type disagree")
            data = {k: v for k, v in data.items() if k != "goal_type"}
        return data

    @model_validator(mode="after")
    def _rules(self) -> GoalCreate:
        try:
            validate_target(self.type, self.target_amount)
        except InvalidInput as error:
            raise ValueError(error.detail) from None
        not_past(self.deadline, "deadline")
        return self

    def draft(self) -> GoalDraft:
        """The new goal in the domain's terms (the values as parsed: ``model_dump`` would write the deadline as
        text); each milestone gets its id here."""
        described = {name: getattr(self, name) for name in type(self).model_fields if name != "milestones"}
        milestones = [
            Milestone(id=new_id(), amount=m.amount, description=m.description, target_date=m.target_date)
            for m in self.milestones
        ]
        return GoalDraft(**described, milestones=milestones)


class GoalUpdate(PartialUpdate):
    """Any subset of the fields; ``description`` and ``deadline`` may be cleared with null."""

    not_null = ("name", "target_amount", "current_amount", "status", "tags", "reminder_day")

    name: Name | None = None
    description: Description | None = None
    target_amount: Amount | None = None
    current_amount: Amount | None = None
    deadline: DateTimeInput | None = None
    status: Choice[GoalStatus] | None = None
    tags: Tags | None = None
    reminder_day: ReminderDay | None = None

    def changes(self) -> GoalChanges:
        """A null description or deadline clears it."""
        return GoalChanges(**self.sent())


class MilestoneOut(ResponseModel):
    id: str
    amount: JsonNumber
    description: str
    target_date: date | None
    reached: bool
    reached_date: date | None


class GoalOut(ResponseModel):
    id: str
    name: str
    description: str | None
    type: GoalType
    target_amount: JsonNumber
    current_amount: JsonNumber
    start_amount: JsonNumber
    deadline: UtcDateTime | None
    status: GoalStatus
    tracking_status: TrackingStatus
    percent_complete: JsonNumber
    tags: list[str]
    template_id: str | None
    reminder_day: int
    created_at: UtcDateTime
    updated_at: UtcDateTime
    completed_at: UtcDateTime | None
    milestones: list[MilestoneOut]

    @classmethod
    def of(cls, goal: Goal) -> Self:  # milestones in the goal's order, derived fields (the status as of today)
        return cls(
            **goal.model_dump(
                exclude={"milestones", "allocation_total", "funding_links", "version", "alerted", "user_id"}
            ),
            tracking_status=tracking_status(goal, utc_now().date()),
            percent_complete=goal.percent_complete,
            milestones=[MilestoneOut.of(m) for m in goal.ordered_milestones()],
        )


class MilestoneProgressOut(ResponseModel):
    goal_id: str
    total_milestones: int
    reached_count: int
    percent_complete: JsonNumber
    next_milestone: MilestoneOut | None


class ProgressSummaryOut(ResponseModel):
    goal_id: str
    current_amount: JsonNumber
    target_amount: JsonNumber
    percent_complete: JsonNumber
    status: GoalStatus
    tracking_status: TrackingStatus
    deadline: UtcDateTime | None
    on_track: bool
    days_elapsed: int
    days_remaining: int | None
    required_monthly_contribution: JsonNumber
    current_monthly_pace: JsonNumber
    projected_completion_date: date | None
    projected_final_value: JsonNumber | None


class DashboardGoal(GoalOut):
    progress: ProgressSummaryOut


class DashboardOut(ResponseModel):
    goals: list[DashboardGoal]
    unread_alerts: int

    @classmethod
    def build(cls, goals: list[tuple[Goal, ProgressSummary]], unread_alerts: int) -> DashboardOut:
        return cls(
            goals=[
                DashboardGoal(
                    **GoalOut.of(goal).model_dump(exclude={"tracking_status"}),
                    tracking_status=summary.tracking_status,  # as of the summary's moment
                    progress=ProgressSummaryOut.of(summary),
                )
                for goal, summary in goals
            ],
            unread_alerts=unread_alerts,
        )
