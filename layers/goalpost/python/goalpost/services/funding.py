"""Funding links between accounts and goals."""

from __future__ import annotations

from decimal import Decimal

from goalpost.data import funding as funding_store
from goalpost.data import idempotency
from goalpost.domain.funding import FundingSource
from goalpost.observability import metrics
from goalpost.services.goal_writes import load, table


def link_account(user_id: str, goal_id: str, source: FundingSource) -> FundingSource:
    idempotency.answer(source)
    funding_store.link(table(), user_id, goal_id, source)
    metrics.add_metric(name="FundingLinked", unit="Count", value=1)
    return source


def list_sources(
    user_id: str, goal_id: str, *, limit: int, next_token: str | None
) -> tuple[list[FundingSource], str | None]:
    load(user_id, goal_id)
    return funding_store.list_page(table(), user_id, goal_id, limit=limit, next_token=next_token)


def _require_goal(user_id: str, goal_id: str) -> None:
    # A link can outlive its goal only while the goal is being deleted; it is gone for the caller.
    load(user_id, goal_id)


def update_allocation(
    user_id: str, goal_id: str, account_id: str, percent: Decimal, account_name: str | None
) -> FundingSource:
    _require_goal(user_id, goal_id)
    return funding_store.update(table(), user_id, goal_id, account_id, percent, account_name)


def unlink_account(user_id: str, goal_id: str, account_id: str) -> None:
    _require_goal(user_id, goal_id)
    funding_store.unlink(table(), user_id, goal_id, account_id)
