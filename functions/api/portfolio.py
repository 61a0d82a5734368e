"""Portfolio API: cash, the live value, performance charts, snapshots. Routes only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from goalpost.domain.charts import Timeframe
from goalpost.edges.api import ApiRouter, Caller, build_resolver, lambda_handler, page_response
from goalpost.schemas.common import DEFAULT_LIMIT, DateTimeInput, LimitQuery, NextTokenQuery
from goalpost.schemas.portfolio import Cash, CashIn, PerformanceOut, PortfolioOut, SnapshotOut
from goalpost.services import portfolio

router = ApiRouter("Portfolio")


@router.get("/portfolio/cash", summary="The cash balance")
def get_cash(user: Caller) -> Cash:
    return Cash(cash_balance=portfolio.cash(user))


@router.put("/portfolio/cash", summary="Set the cash balance")
def set_cash(user: Caller, update: Annotated[CashIn, Body()]) -> Cash:
    return Cash(cash_balance=portfolio.set_cash(user, update.cash_balance))


@router.get(
    "/portfolio/current", summary="The live value: open positions per symbol and side at the cached prices, plus cash"
)
def get_portfolio(user: Caller) -> PortfolioOut:
    return PortfolioOut.of(portfolio.current(user))


@router.get(
    "/portfolio/performance",
    summary="Chart points of a timeframe (last snapshot of each bucket) and the change to the live value",
)
def get_portfolio_performance(
    user: Caller, timeframe: Annotated[Timeframe, Query()] = Timeframe.ONE_DAY
) -> PerformanceOut:
    return PerformanceOut.of(portfolio.performance(user, timeframe))


@router.get("/portfolio/snapshots", summary="Portfolio snapshots between from and to, newest first")
def list_snapshots(
    user: Caller,
    start: Annotated[DateTimeInput | None, Query(alias="from")] = None,
    end: Annotated[DateTimeInput | None, Query(alias="to")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    next_token: NextTokenQuery = None,
) -> Response[list[SnapshotOut]]:
    items, token = portfolio.snapshots(user, start=start, end=end, limit=limit, next_token=next_token)
    return page_response([SnapshotOut.model_validate(item) for item in items], token)


routers = (router,)
app = build_resolver(*routers)
handler = lambda_handler(app)
