"""Goal tracking API: a goal's progress entries and summary, its milestones and its funding links.
Routes only: each declares its typed input and output and calls one service function."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from goalpost.edges.api import ApiRouter, Caller, build_resolver, idempotent, lambda_handler, page_response, responses
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.schemas.funding import FundingIn, FundingOut, FundingUpdate
from goalpost.schemas.goals import (
    MilestoneIn,
    MilestoneOut,
    MilestoneProgressOut,
    MilestoneUpdate,
    ProgressSummaryOut,
)
from goalpost.schemas.progress import ProgressEntryOut, ProgressIn
from goalpost.services import funding, progress

router = ApiRouter()
GoalId = Annotated[str, Path(min_length=1, max_length=64)]
MilestoneId = Annotated[str, Path(min_length=1, max_length=64)]
AccountId = Annotated[str, Path(min_length=1, max_length=128)]  # one that cannot exist is simply not found


@router.get(
    "/goals/<goal_id>/progress",
    summary="Progress summary: pace, required contribution, projections, on-track",
    tags=["Progress"],
)
def get_progress_summary(user: Caller, goal_id: GoalId) -> ProgressSummaryOut:
    return ProgressSummaryOut.of(progress.summary(user, goal_id))


@router.post(
    "/goals/<goal_id>/progress",
    status_code=201,
    summary="Record progress: a value or a contribution, optionally back-dated",
    tags=["Progress"],
)
@idempotent("record_progress", ProgressEntryOut.of)
def record_progress(user: Caller, goal_id: GoalId, entry: Annotated[ProgressIn, Body()]) -> ProgressEntryOut:
    recorded = progress.record_progress(
        user,
        goal_id,
        value=entry.value,
        contribution=entry.contribution_amount,
        period_date=entry.period_date,
        notes=entry.notes,
    )
    return ProgressEntryOut.of(recorded)


@router.get("/goals/<goal_id>/progress/history", summary="Progress entries, newest first", tags=["Progress"])
def list_progress_entries(
    user: Caller, goal_id: GoalId, limit: LimitQuery = DEFAULT_LIMIT, next_token: NextTokenQuery = None
) -> Response[list[ProgressEntryOut]]:
    entries, token = progress.history(user, goal_id, limit=limit, next_token=next_token)
    return page_response([ProgressEntryOut.of(e) for e in entries], token)


@router.post(
    "/goals/<goal_id>/milestones",
    status_code=201,
    summary="Add a milestone (marked at once if the amount is already there)",
    tags=["Milestones"],
)
@idempotent("add_milestone", MilestoneOut.of)
def add_milestone(user: Caller, goal_id: GoalId, milestone: Annotated[MilestoneIn, Body()]) -> MilestoneOut:
    added = progress.add_goal_milestone(
        user, goal_id, amount=milestone.amount, description=milestone.description, target_date=milestone.target_date
    )
    return MilestoneOut.of(added)


@router.get("/goals/<goal_id>/milestones", summary="Milestones, in the goal's direction", tags=["Milestones"])
def list_milestones(user: Caller, goal_id: GoalId) -> list[MilestoneOut]:
    return [MilestoneOut.of(m) for m in progress.milestones(user, goal_id)]


@router.get(
    "/goals/<goal_id>/milestones/progress",
    summary="How many milestones are reached, and the next one",
    tags=["Milestones"],
)
def get_milestone_progress(user: Caller, goal_id: GoalId) -> MilestoneProgressOut:
    return MilestoneProgressOut.of(progress.milestone_report(user, goal_id))


@router.patch(
    "/goals/<goal_id>/milestones/<milestone_id>",
    summary="Edit a milestone (a new amount is checked against the goal's amount at once)",
    tags=["Milestones"],
)
def update_milestone(
    user: Caller, goal_id: GoalId, milestone_id: MilestoneId, change: Annotated[MilestoneUpdate, Body()]
) -> MilestoneOut:
    return MilestoneOut.of(progress.edit_goal_milestone(user, goal_id, milestone_id, change.changes()))


@router.delete(
    "/goals/<goal_id>/milestones/<milestone_id>",
    status_code=204,
    summary="Delete a milestone",
    tags=["Milestones"],
    responses=responses(204, None, "Deleted"),
)
def delete_milestone(user: Caller, goal_id: GoalId, milestone_id: MilestoneId) -> Response[None]:
    progress.delete_goal_milestone(user, goal_id, milestone_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/goals/<goal_id>/funding",
    status_code=201,
    summary="Link an account to the goal (the goal's allocations never pass 100%)",
    tags=["Funding"],
)
@idempotent("link_account", FundingOut.of)
def link_account(user: Caller, goal_id: GoalId, link: Annotated[FundingIn, Body()]) -> FundingOut:
    return FundingOut.of(funding.link_account(user, goal_id, link.source()))


@router.get("/goals/<goal_id>/funding", summary="The goal's funding sources, by account", tags=["Funding"])
def list_funding_sources(
    user: Caller, goal_id: GoalId, limit: LimitQuery = DEFAULT_LIMIT, next_token: NextTokenQuery = None
) -> Response[list[FundingOut]]:
    sources, token = funding.list_sources(user, goal_id, limit=limit, next_token=next_token)
    return page_response([FundingOut.of(s) for s in sources], token)


@router.patch("/goals/<goal_id>/funding/<account_id>", summary="Change an account's allocation", tags=["Funding"])
def update_allocation(
    user: Caller, goal_id: GoalId, account_id: AccountId, change: Annotated[FundingUpdate, Body()]
) -> FundingOut:
    updated = funding.update_allocation(user, goal_id, account_id, change.allocation_percent, change.account_name)
    return FundingOut.of(updated)


@router.delete(
    "/goals/<goal_id>/funding/<account_id>",
    status_code=204,
    summary="Unlink an account from the goal",
    tags=["Funding"],
    responses=responses(204, None, "Unlinked"),
)
def unlink_account(user: Caller, goal_id: GoalId, account_id: AccountId) -> Response[None]:
    funding.unlink_account(user, goal_id, account_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


routers = (router,)
app = build_resolver(*routers)
handler = lambda_handler(app)
