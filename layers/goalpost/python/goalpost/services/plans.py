"""Templates, goals made from them, and budget snapshots that move goals (budget sync)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from goalpost.data import budgets as budget_store
from goalpost.data import goals as goal_store
from goalpost.domain.budget import BudgetFigures, BudgetSnapshot, measure
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import InvalidInput
from goalpost.domain.goals import Goal, GoalDraft, GoalStatus
from goalpost.domain.progress import ProgressEntry, ProgressSource, is_latest, record
from goalpost.domain.templates import TEMPLATES, GoalTemplate, get_template, plan_goal
from goalpost.observability import metrics
from goalpost.services.goal_writes import change_goals, table
from goalpost.services.goals import create_goal


def list_templates() -> list[GoalTemplate]:
    return list(TEMPLATES)


def template(template_id: str) -> GoalTemplate:
    return get_template(template_id)


def create_from_template(
    user_id: str,
    template_id: str,
    *,
    parameters: Mapping[str, Decimal],
    budget: BudgetFigures | None,
    target_date: datetime | None,
    name: str | None,
    now: datetime | None = None,
) -> Goal:
    """Makes the template's goal; without a ``budget`` the latest stored snapshot is used (read only when
    the template needs one)."""
    moment = now or utc_now()
    chosen = get_template(template_id)
    if budget is None and chosen.needs_budget:
        budget = budget_store.latest(table(), user_id)
    plan = plan_goal(chosen, parameters, budget, today=moment.date(), name=name, target_date=target_date)
    draft = GoalDraft(
        name=plan.name,
        type=plan.goal_type,
        target_amount=plan.target_amount,
        current_amount=plan.current_amount,
        start_amount=plan.start_amount,
        deadline=plan.deadline,
        description=plan.description,
        template_id=plan.template_id,
    )
    return create_goal(user_id, draft, moment)


def sync_from_budget(user_id: str, snapshot: BudgetSnapshot, now: datetime | None = None) -> list[ProgressEntry]:
    """Stores the snapshot and moves every active goal it measures, each with a ``budget_sync`` entry dated
    the day the snapshot describes. A goal already at the measured amount gets no entry, so sending the same
    snapshot again changes nothing. The snapshot is stored in the goals' first transaction (on its own when
    no goal moves): one Query of the active goals, one write."""
    moment = now or utc_now()
    if snapshot.period_start() > moment.date():
        raise InvalidInput("The budget period is in the future")
    stored = budget_store.put_item(table(), user_id, snapshot, moment)
    day = snapshot.as_of(moment.date())

    def sync(goal: Goal) -> list[ProgressEntry]:
        value = measure(goal, snapshot) if goal.status == GoalStatus.ACTIVE else None
        if value is None or value == goal.current_amount:
            return []
        contribution = value - goal.current_amount if is_latest(goal, day) else None
        return [
            record(
                goal,
                value=value,
                period_date=day,
                now=moment,
                source=ProgressSource.BUDGET_SYNC,
                contribution=contribution,
            )
        ]

    measured = [
        goal for goal in goal_store.list_all(table(), user_id, GoalStatus.ACTIVE) if measure(goal, snapshot) is not None
    ]
    changed = change_goals(user_id, measured, sync, moment, along=[stored])
    entries = [entry for goal in measured if goal.id in changed for entry in changed[goal.id].entries]
    metrics.add_metric(name="BudgetSyncEntries", unit="Count", value=len(entries))
    return entries
