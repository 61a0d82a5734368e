"""Trading performance: a route of the positions-api function (``functions/api/positions.py`` includes this
router, because one function owns /positions and /performance). Routes only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from goalpost.edges.api import ApiRouter, Caller
from goalpost.schemas.performance import PerformanceMetricsOut
from goalpost.services import performance

router = ApiRouter("Positions")
# '#' separates a group's kind from its value in the aggregates' keys (``PERF#B#<bot>``): a filter holding one
# could name another kind's group, so it is refused (422), as it is in the values a position is saved with.
GroupFilter = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^#]+$")]


@router.get(
    "/performance",
    summary="Trading performance over closed positions (all, or one strategy, bot or prompt), per strategy, bot "
    "and prompt, and the portfolio's return and risk ratios",
    description="At most one of `strategy`, `bot_id` and `prompt_id` (two or more: 400). docs/metrics.md "
    "gives every formula.",
)
def get_trading_performance(
    user: Caller, strategy: GroupFilter = None, bot_id: GroupFilter = None, prompt_id: GroupFilter = None
) -> PerformanceMetricsOut:
    chosen = performance.chosen_filter(strategy, bot_id, prompt_id)
    return PerformanceMetricsOut.build(performance.performance(user, chosen))
