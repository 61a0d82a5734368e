"""Goal templates and budget sync: routes of the goals-api function (``functions/api/goals.py`` includes this
router, because one function owns /goals). Routes only: each declares its typed input and output and calls one
service function, which it imports itself: the goals-api function's first request is a goal list, which needs
none of the templates' and budget's rules."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from goalpost.edges.api import ApiRouter, Caller, idempotent
from goalpost.schemas.goals import GoalOut
from goalpost.schemas.plans import (
    BudgetSnapshotIn,
    FromTemplateIn,
    PreviewIn,
    PreviewOut,
    RecommendationsOut,
    TemplateOut,
)
from goalpost.schemas.progress import ProgressEntryOut, SyncResultOut

router = ApiRouter("Goal templates and budget")
TemplateId = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/goals/templates", summary="List goal templates")
def list_templates(user: Caller) -> list[TemplateOut]:
    from goalpost.services import plans

    return [TemplateOut.of(t) for t in plans.list_templates()]


@router.get("/goals/templates/<template_id>", summary="Get a goal template")
def get_template(user: Caller, template_id: TemplateId) -> TemplateOut:
    from goalpost.services import plans

    return TemplateOut.of(plans.template(template_id))


@router.post(
    "/goals/from-template",
    status_code=201,
    summary="Create a goal from a template (the latest budget snapshot when no budget is sent)",
)
@idempotent("create_from_template", GoalOut.of)
def create_goal_from_template(user: Caller, request: Annotated[FromTemplateIn, Body()]) -> GoalOut:
    from goalpost.services import plans

    return GoalOut.of(plans.create_from_template(user, request.choice()))


@router.post(
    "/goals/preview",
    summary="What POST /goals or /goals/from-template would create, and the monthly plan: stores nothing",
)
def get_goal_preview(user: Caller, request: Annotated[PreviewIn, Body()]) -> PreviewOut:
    from goalpost.services import plans

    if isinstance(request, FromTemplateIn):
        preview = plans.preview_from_template(user, request.choice())
    else:
        preview = plans.preview_goal(user, request.draft())
    return PreviewOut.build(preview.goal, preview.plan)


@router.get(
    "/goals/recommendations",
    summary="The latest budget snapshot's monthly surplus split across the goals with a deadline",
)
def get_goal_recommendations(user: Caller) -> RecommendationsOut:
    from goalpost.services import plans

    recommended = plans.recommend(user)
    return RecommendationsOut.build(recommended.split, recommended.goals)


def sync_result(entries: list[Any]) -> SyncResultOut:
    """The answer of a budget sync: the progress entries it recorded."""
    return SyncResultOut(updated=[ProgressEntryOut.of(e) for e in entries])


@router.post("/goals/sync-from-budget", summary="Store a budget snapshot and move the goals it measures")
@idempotent("sync_from_budget", sync_result)
def sync_from_budget(user: Caller, snapshot: Annotated[BudgetSnapshotIn, Body()]) -> SyncResultOut:
    from goalpost.services import plans

    return sync_result(plans.sync_from_budget(user, snapshot))
