"""Trading performance: a route of the positions-api function (``functions/api/positions.py`` includes this
router, because one function owns /positions and /performance). Routes only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from goalpost.edges.api import ApiRouter, Caller
from goalpost.schemas.performance import PerformanceMetricsOut
from goalpost.services import performance

router = ApiRouter("Positions")


@router.get(
    "/performance", summary="Trading performance over closed positions (all strategies, or one), and per strategy"
)
def get_trading_performance(
    user: Caller,
    strategy: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> PerformanceMetricsOut:
    overall, by_strategy = performance.performance(user, strategy)
    return PerformanceMetricsOut.build(overall, by_strategy)
