"""Positions API: open, list, read, fill or cancel an order, change levels, close, delete; its resolver also
includes the performance router (``functions/api/performance.py``). Routes only."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from functions.api import performance
from goalpost.domain.positions import PositionFilter, PositionStatus
from goalpost.edges.api import ApiRouter, Caller, build_resolver, idempotent, lambda_handler, page_response, responses
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.schemas.positions import (
    SYMBOL_QUERY_PATTERN,
    KeyTextQuery,
    PositionCancel,
    PositionClose,
    PositionCreate,
    PositionFill,
    PositionOut,
    PositionUpdate,
    upper_symbol,
)
from goalpost.services import positions

router = ApiRouter("Positions")
PositionId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/positions", status_code=201, summary="Open a position")
@idempotent("open_position", PositionOut.of)
def open_position(user: Caller, position: Annotated[PositionCreate, Body()]) -> PositionOut:
    return PositionOut.of(positions.open_position(user, position.fields()))


@router.get("/positions", summary="List positions, newest first")
def list_positions(
    user: Caller,
    status: Annotated[PositionStatus | None, Query()] = None,
    symbol: Annotated[str | None, Query(pattern=SYMBOL_QUERY_PATTERN)] = None,
    strategy: KeyTextQuery = None,
    bot_id: KeyTextQuery = None,
    prompt_id: KeyTextQuery = None,
    account_id: KeyTextQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    next_token: NextTokenQuery = None,
) -> Response[list[PositionOut]]:
    wanted = PositionFilter(
        status=status,
        symbol=upper_symbol(symbol) if symbol else None,
        strategy=strategy,
        bot_id=bot_id,
        prompt_id=prompt_id,
        account_id=account_id,
    )
    found, token = positions.list_positions(user, wanted, limit=limit, next_token=next_token)
    return page_response([PositionOut.of(p) for p in found], token)


@router.get("/positions/<position_id>", summary="Get a position")
def get_position(user: Caller, position_id: PositionId) -> PositionOut:
    return PositionOut.of(positions.get_position(user, position_id))


@router.patch("/positions/<position_id>", summary="Change the levels of an open position (409 once closed)")
def update_position(user: Caller, position_id: PositionId, update: Annotated[PositionUpdate, Body()]) -> PositionOut:
    return PositionOut.of(positions.update_levels(user, position_id, update.changes()))


@router.post("/positions/<position_id>/fill", summary="A PENDING order filled: OPEN (409 from any other status)")
def fill_position(user: Caller, position_id: PositionId, fill: Annotated[PositionFill, Body()]) -> PositionOut:
    return PositionOut.of(positions.fill_position(user, position_id, fill.changes()))


@router.post("/positions/<position_id>/cancel", summary="A PENDING order CANCELLED, or FAILED (409 otherwise)")
def cancel_position(user: Caller, position_id: PositionId, cancel: Annotated[PositionCancel, Body()]) -> PositionOut:
    return PositionOut.of(positions.cancel_position(user, position_id, failed=cancel.failed, reason=cancel.reason))


@router.post(
    "/positions/<position_id>/close",
    summary="Close at the given price, else the cached one (MANUAL); 409 if already closed",
)
def close_position(user: Caller, position_id: PositionId, request: Annotated[PositionClose, Body()]) -> PositionOut:
    closed = positions.close_position(user, position_id, exit_price=request.exit_price, exit_time=request.exit_time)
    return PositionOut.of(closed)


@router.delete(
    "/positions/<position_id>",
    status_code=204,
    summary="Delete a mistaken entry (it leaves the statistics)",
    responses=responses(204, None, "Deleted"),
)
def delete_position(user: Caller, position_id: PositionId) -> Response[None]:
    positions.delete_position(user, position_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


routers = (router, performance.router)
app = build_resolver(*routers)
handler = lambda_handler(app)
