"""Prices API: the cached prices, and an admin refresh. Routes only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from goalpost.domain.clock import utc_now
from goalpost.edges.api import Admin, ApiRouter, Caller, build_resolver, lambda_handler, responses
from goalpost.schemas.portfolio import PriceOut, RefreshOut, parse_symbols
from goalpost.services import prices

router = ApiRouter("Prices")


@router.get(
    "/prices", summary="Cached prices of the given symbols (unknown ones are left out; fresh = under 5 minutes old)"
)
def get_prices(user: Caller, symbols: Annotated[str, Query(min_length=1, max_length=2200)]) -> list[PriceOut]:
    wanted = parse_symbols(symbols)
    found = prices.cached_prices(wanted)
    now = utc_now()
    return [PriceOut.at(found[s], now) for s in wanted if s in found]


@router.post(
    "/prices/refresh",
    summary="Run the price update now (admin only)",
    responses={**responses(200, RefreshOut), 403: {"description": "Not an admin"}},
)
def refresh_prices(admin: Admin) -> RefreshOut:
    # Only an admin's refresh runs the position monitor (with the closes it may make): the function's other
    # route, a read of the cache, loads none of it.
    from goalpost.services import monitor

    return RefreshOut.model_validate(monitor.refresh_prices())


routers = (router,)
app = build_resolver(*routers)
handler = lambda_handler(app)
