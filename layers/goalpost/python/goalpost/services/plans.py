"""Templates, goals made from them, and budget snapshots that move goals (budget sync)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from goalpost.data import budgets as budget_store
from goalpost.data import goals as goal_store
from goalpost.data import idempotency
from goalpost.domain.budget import BudgetSnapshot, measure
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import BusinessRuleError, InvalidInput
from goalpost.domain.goals import Goal, GoalDraft, GoalStatus, new_goal
from goalpost.domain.monthly_plan import MonthlyPlan, plan_for
from goalpost.domain.progress import ProgressEntry, ProgressSource, is_latest, record
from goalpost.domain.recommendations import Recommendations, recommend_split
from goalpost.domain.templates import TEMPLATES, GoalTemplate, TemplateChoice, get_template, plan_goal
from goalpost.observability import metrics
from goalpost.services.goal_writes import change_goals, table
from goalpost.services.goals import create_goal


def list_templates() -> list[GoalTemplate]:
    return list(TEMPLATES)


def template(template_id: str) -> GoalTemplate:
    return get_template(template_id)


def template_draft(user_id: str, choice: TemplateChoice, today: date) -> GoalDraft:
    """The goal the template makes from these inputs; without a ``budget`` the latest stored snapshot is used
    (read only when the template needs one)."""
    chosen = get_template(choice.template_id)
    budget = choice.budget
    if budget is None and chosen.needs_budget:
        budget = budget_store.latest(table(), user_id)
    plan = plan_goal(chosen, choice.parameters, budget, today=today, name=choice.name, target_date=choice.target_date)
    return GoalDraft(
        name=plan.name,
        type=plan.goal_type,
        target_amount=plan.target_amount,
        current_amount=plan.current_amount,
        start_amount=plan.start_amount,
        deadline=plan.deadline,
        description=plan.description,
        template_id=plan.template_id,
    )


def create_from_template(user_id: str, choice: TemplateChoice, now: datetime | None = None) -> Goal:
    moment = now or utc_now()
    return create_goal(user_id, template_draft(user_id, choice, moment.date()), moment)


@dataclass(frozen=True)
class Preview:
    goal: Goal
    plan: MonthlyPlan


def preview_goal(user_id: str, draft: GoalDraft, now: datetime | None = None) -> Preview:
    """The goal ``draft`` would make, built as a create builds it (so it fails as a create would), and its
    monthly plan; nothing is stored."""
    moment = now or utc_now()
    goal = new_goal(user_id, draft, moment)
    return Preview(goal, plan_for(goal, moment.date()))


def preview_from_template(user_id: str, choice: TemplateChoice, now: datetime | None = None) -> Preview:
    moment = now or utc_now()
    return preview_goal(user_id, template_draft(user_id, choice, moment.date()), moment)


def recommend(user_id: str, now: datetime | None = None) -> Recommendations:
    """The latest budget snapshot's monthly surplus split across the active increasing goals with a deadline,
    in proportion to what each needs a month (the progress summary's figure): the snapshot's Query and the
    active goals' Query, whatever the number of goals."""
    today = (now or utc_now()).date()
    snapshot = budget_store.latest(table(), user_id)
    if snapshot is None:
        raise BusinessRuleError("No budget snapshot: send one to POST /goals/sync-from-budget first")
    surplus = snapshot.net_surplus()
    if surplus is None:
        raise BusinessRuleError("The latest budget snapshot has no surplus (nor total_income and monthly_expenses)")
    # The goals' own partition, as the dashboard reads it (the status index is only eventually consistent).
    return recommend_split(surplus, goal_store.list_all(table(), user_id), today)


def sync_from_budget(user_id: str, snapshot: BudgetSnapshot, now: datetime | None = None) -> list[ProgressEntry]:
    """Stores the snapshot and moves every active goal it measures, each with a ``budget_sync`` entry dated
    the day the snapshot describes. A goal already at the measured amount gets no entry, so sending the same
    snapshot again changes nothing. The snapshot is stored in the goals' first transaction (on its own when
    no goal moves): one Query of the active goals (which brings the owner's alert preferences along), one
    write, and the release of the alerts it raises (one write, conditional on those preferences still being as
    the index showed them)."""
    moment = now or utc_now()
    if snapshot.period_start() > moment.date():
        raise InvalidInput("The budget period is in the future")
    stored = budget_store.put_item(table(), user_id, snapshot, moment)
    day = snapshot.as_of(moment.date())
    moved: dict[str, list[ProgressEntry]] = {}  # each measured goal's entries, as its latest attempt made them
    idempotency.answer_later(lambda: [entry for entries in moved.values() for entry in entries])

    def sync(goal: Goal) -> list[ProgressEntry]:
        moved[goal.id] = _synced(goal, snapshot, day, moment)
        return moved[goal.id]

    active = goal_store.active_with_preferences(table(), user_id)
    measured = [goal for goal in active.goals if measure(goal, snapshot) is not None]
    changed = change_goals(
        user_id, measured, sync, moment, along=[stored], preferences=active.preferences, as_read=active.as_read
    )
    entries = [entry for goal in measured if goal.id in changed for entry in changed[goal.id].entries]
    metrics.add_metric(name="BudgetSyncEntries", unit="Count", value=len(entries))
    return entries


def _synced(goal: Goal, snapshot: BudgetSnapshot, day: date, now: datetime) -> list[ProgressEntry]:
    """The ``budget_sync`` entry that moves ``goal`` to what the snapshot measures (none when it is there)."""
    value = measure(goal, snapshot) if goal.status == GoalStatus.ACTIVE else None
    if value is None or value == goal.current_amount:
        return []
    contribution = value - goal.current_amount if is_latest(goal, day) else None
    source = ProgressSource.BUDGET_SYNC
    return [record(goal, value=value, period_date=day, now=now, source=source, contribution=contribution)]
