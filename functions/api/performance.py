"""Trading performance: a route of the positions-api function (``functions/api/positions.py`` includes this
router, because one function owns /positions and /performance). Routes only."""

from __future__ import annotations

from goalpost.edges.api import ApiRouter, Caller
from goalpost.schemas.performance import PerformanceMetricsOut
from goalpost.schemas.positions import KeyTextQuery
from goalpost.services import performance

router = ApiRouter("Positions")


@router.get(
    "/performance",
    summary="Trading performance over closed positions (all, or one strategy, bot or prompt), per strategy, bot "
    "and prompt, and the portfolio's return and risk ratios",
    description="At most one of `strategy`, `bot_id` and `prompt_id` (two or more: 400). docs/metrics.md "
    "gives every formula.",
)
def get_trading_performance(
    user: Caller, strategy: KeyTextQuery = None, bot_id: KeyTextQuery = None, prompt_id: KeyTextQuery = None
) -> PerformanceMetricsOut:
    # '#' separates a group's kind from its value in the aggregates' keys (``PERF#B#<bot>``): a filter holding
    # one could name another kind's group, so it is refused (422) as in the values a position is saved with.
    chosen = performance.chosen_filter(strategy, bot_id, prompt_id)
    return PerformanceMetricsOut.build(performance.performance(user, chosen))
