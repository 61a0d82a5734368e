"""Position use cases: open (or place a PENDING order), fill or cancel an order, read, list, change levels, close
(manually or by the monitor), delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from goalpost import retry
from goalpost.data import idempotency, keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data import trading as trading_store
from goalpost.data.alerts import AlertWrite
from goalpost.data.batches import batch_get_tables
from goalpost.data.codec import key
from goalpost.data.positions import NotOpen, NotPending
from goalpost.data.preferences import PreferenceRead
from goalpost.data.trading import IncomeReads
from goalpost.data.transactions import TransactionRefused
from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import BusinessRuleError, ConcurrentModification, Conflict, InvalidInput, NotFound
from goalpost.domain.money import ZERO
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import (
    ExitReason,
    Position,
    PositionFilter,
    PositionStatus,
    better,
    close,
    close_summary,
    net_pnl,
    tracks_best,
    validate_levels,
)
from goalpost.domain.trading import month_of
from goalpost.observability import metrics as emf
from goalpost.services import alerts as alert_service
from goalpost.services import trading
from goalpost.settings import get_settings

if TYPE_CHECKING:
    from goalpost.services.delivery import Ahead

POSITION_NOT_FOUND = "Position not found"


def _tables() -> tuple[str, str]:
    settings = get_settings()
    return settings.data_table_name, settings.system_table_name


@dataclass(frozen=True)
class _Alongside:
    """What a position's answer needs besides the position: the cached prices of the OPEN ones, and which of
    the connected accounts they are linked to are gone (disconnected)."""

    prices: dict[str, CachedPrice]
    gone_accounts: frozenset[str]


def _read_alongside(positions: list[Position]) -> _Alongside:
    """The prices of the positions' symbols and their linked accounts' items, in one strongly consistent
    BatchGetItem (none when there is neither). A disconnected account's positions are unlinked in storage by the
    goal-cleanup worker after the disconnect (``data.deleted_accounts``): until then its item being gone is what
    says they are unlinked."""
    data, system = _tables()
    symbols = {p.symbol for p in positions if p.status == PositionStatus.OPEN}
    linked = {(p.user_id, p.account_id) for p in positions if p.account_id is not None}
    if not symbols and not linked:
        return _Alongside({}, frozenset())
    account_keys = [key(keys.user_pk(user_id), keys.account_sk(account_id)) for user_id, account_id in linked]
    found = batch_get_tables({system: price_store.price_keys(symbols), data: account_keys})
    present = {str(item["sk"]) for item in found.get(data, [])}
    gone = frozenset(account_id for _, account_id in linked if keys.account_sk(account_id) not in present)
    return _Alongside(price_store.prices_in(found.get(system, []), symbols), gone)


def _marked(positions: list[Position], alongside: _Alongside) -> list[Position]:
    for position in positions:
        cached = alongside.prices.get(position.symbol) if position.status == PositionStatus.OPEN else None
        if cached is not None:
            position.last_updated_price = cached.price
            position.unrealized_pnl = net_pnl(position, cached.price)
        if position.account_id in alongside.gone_accounts:
            position.account_id = None  # its account was disconnected: the position stays, unlinked
    return positions


def with_marks(positions: list[Position]) -> list[Position]:
    """The positions with the last price and unrealized P&L of each OPEN one, from the price cache (one read
    for all their symbols, and their linked accounts: a disconnected account's positions answer unlinked). The
    marks are not stored: the price cache is the one place a price changes, so a position is never written
    just because its price moved."""
    return _marked(positions, _read_alongside(positions))


def open_position(user_id: str, fields: dict[str, Any], now: datetime | None = None) -> Position:
    """Opens a position, or records an order placed (``status`` PENDING) that counts in nothing until it fills.
    ``404`` when its ``account_id`` is no connected account of the user."""
    moment = now or utc_now()
    position = Position.opened(
        user_id, fields.pop("symbol"), fields.pop("quantity"), fields.pop("entry_price"), moment, **fields
    )
    position.best_price = position.entry_price
    # Marked (a copy: marks are never stored) before the write, which holds the answer of a keyed request.
    marked = with_marks([position.model_copy()])[0]
    idempotency.answer(marked)
    data, system = _tables()
    try:
        position_store.open_position(data, system, position)
    except position_store.TooManyOpen:
        raise _too_many_open() from None
    except position_store.NoAccount:
        raise NotFound(ACCOUNT_NOT_FOUND) from None
    if position.status == PositionStatus.OPEN:
        emf.add_metric(name="PositionsOpened", unit="Count", value=1)
    return marked


ACCOUNT_NOT_FOUND = "Account not found: account_id must name one of your connected accounts"


def _too_many_open() -> BusinessRuleError:
    return BusinessRuleError(f"A user has at most {position_store.MAX_OPEN_PER_USER} open positions")


def _pending(user_id: str, position_id: str) -> Position:
    position = _stored(user_id, position_id)
    if position.status != PositionStatus.PENDING:
        raise Conflict(f"The position is {position.status.value}; only a PENDING order fills or is cancelled")
    return position


def fill_position(user_id: str, position_id: str, fill: dict[str, Any], now: datetime | None = None) -> Position:
    """A PENDING order filled: OPEN at the fill's price, time (else now) and quantity (else the order's),
    counted in everything opening counts in, exactly once (``409`` once filled, cancelled or closed; the
    levels must still suit the fill's price, else ``422``)."""
    position = _pending(user_id, position_id)
    moment = now or utc_now()
    position.entry_price = fill.get("entry_price", position.entry_price)
    position.quantity = fill.get("quantity", position.quantity)
    position.entry_time = fill.get("entry_time", moment)
    problem = validate_levels(position.side, position.entry_price, position.stop_loss, position.take_profit)
    if problem:
        raise InvalidInput(f"The fill makes the levels invalid: {problem}")
    position.status = PositionStatus.OPEN
    position.best_price = position.entry_price
    position.updated_at = moment
    data, system = _tables()
    try:
        position_store.fill(data, system, position)
    except NotPending:
        raise Conflict("The order was filled, cancelled or deleted meanwhile") from None
    except position_store.TooManyOpen:
        raise _too_many_open() from None
    emf.add_metric(name="PositionsOpened", unit="Count", value=1)
    return with_marks([position])[0]


def cancel_position(
    user_id: str, position_id: str, *, failed: bool, reason: str | None, now: datetime | None = None
) -> Position:
    """A PENDING order that will not fill: CANCELLED, or FAILED (``409`` from any other status)."""
    position = _pending(user_id, position_id)
    position.status = PositionStatus.FAILED if failed else PositionStatus.CANCELLED
    position.reason = reason if reason is not None else position.reason
    position.updated_at = now or utc_now()
    try:
        position_store.end_pending(_tables()[0], position)
    except NotPending:
        raise Conflict("The order was filled, cancelled or deleted meanwhile") from None
    return with_marks([position])[0]


def _stored(user_id: str, position_id: str) -> Position:
    position = position_store.get(_tables()[0], user_id, position_id)
    if position is None:
        raise NotFound(POSITION_NOT_FOUND)
    return position


def get_position(user_id: str, position_id: str) -> Position:
    return with_marks([_stored(user_id, position_id)])[0]


def list_positions(
    user_id: str, wanted: PositionFilter, *, limit: int, next_token: str | None
) -> tuple[list[Position], str | None]:
    positions, token = position_store.list_page(_tables()[0], user_id, wanted, limit=limit, next_token=next_token)
    marked = with_marks(positions)
    if wanted.account_id is not None:
        # The account index still holds a disconnected account's positions until the goal-cleanup worker has
        # unlinked them; they no longer match the filter.
        marked = [position for position in marked if position.account_id == wanted.account_id]
    return marked, token


def update_levels(user_id: str, position_id: str, changes: dict[str, Any], now: datetime | None = None) -> Position:
    """Changes the levels of an OPEN position (``409`` once closed); the result must still be consistent. A
    trailing stop follows the best price since entry: the monitor keeps it while the position trails, so one
    added now starts from the better of the best so far and the cached price (if cached since entry)."""
    position = _stored(user_id, position_id)
    if position.status != PositionStatus.OPEN:
        raise Conflict(f"The position is {position.status.value}; only an OPEN position's levels change")
    for name, value in changes.items():
        setattr(position, name, value)
    problem = validate_levels(position.side, position.entry_price, position.stop_loss, position.take_profit)
    if problem:
        raise InvalidInput(problem)
    alongside = _read_alongside([position])
    best = position.best_price or position.entry_price
    seen = alongside.prices.get(position.symbol)
    if tracks_best(position) and seen is not None and seen.updated_at >= position.entry_time:
        best = better(position.side, best, seen.price)
    position.best_price = best
    position.updated_at = now or utc_now()
    try:
        position_store.update_levels(_tables()[0], position)
    except NotOpen:
        raise Conflict("The position was closed meanwhile") from None
    return _marked([position], alongside)[0]


def closed_alert(position: Position) -> NewAlert:
    title = f"Position closed: {position.symbol} {position.side.value}"
    return NewAlert(AlertType.POSITION_CLOSED, title=title, message=close_summary(position), position_id=position.id)


def record_close(
    position: Position,
    *,
    price: Decimal,
    when: datetime,
    reason: ExitReason,
    trigger: Decimal | None = None,
    preferences: PreferenceRead | None = None,
    as_read: datetime | None = None,
    income: IncomeReads | None = None,
) -> Position:
    """Closes ``position`` exactly once: the close, the symbol count, the aggregates, the month's P&L and one
    ``position_closed`` alert in one conditional transaction; ``NotOpen`` if something closed it first (or,
    given ``as_read``, changed it since it was read). When the caller read the owner's ``preferences``, the
    alert's email/SMS plan goes in that transaction too (``_close_with_plan``) and its release after is one
    write; else the alert is released as any other (it reads them). Then the monthly income goal moves to
    the month's new income (``trading.count_closes``; from ``income``, the month and goal as the caller read
    them before the close, else read after it)."""
    closed = position.model_copy(deep=True)
    close(closed, exit_price=price, exit_time=when, reason=reason, trigger=trigger)
    write = alert_service.prepare(closed.user_id, closed_alert(closed), when)
    try:
        ahead = _close_with_plan(closed, write, preferences, when, as_read)
    except position_store.NoAccount:
        # Its account was disconnected since: the position closes unlinked, as every reader shows it already.
        closed.account_id = None
        ahead = _close_with_plan(closed, write, preferences, when, as_read)
    if ahead is not None:
        alert_service.release_planned(write.alert, ahead, when)
    else:
        known = {closed.user_id: preferences} if preferences is not None else None
        alert_service.publish([write.alert], when, preferences=known)
    emf.add_metric(name="PositionsClosed", unit="Count", value=1)
    # The close's P&L is in the month of its exit: the goal moves only with this month's.
    counted = closed.exit_time is not None and month_of(closed.exit_time.date()) == month_of(utc_now().date())
    pnl = (closed.realized_pnl or ZERO) if counted else ZERO
    moved = None if income is None else trading.after_close(income, pnl)
    trading.count_closes(closed.user_id, known=moved)  # the monthly income goal counts the close at once
    return closed


def _close_with_plan(
    closed: Position, write: AlertWrite, preferences: PreferenceRead | None, when: datetime, as_read: datetime | None
) -> Ahead | None:
    """Writes the close with its alert and, given the ``preferences`` read with the position, the alert's
    email/SMS plan (the slot's conditional reservation, the deliveries): the plan used, if any. A refusal that
    is not the position's (another release took the slot since the read) writes the close again without the
    plan: a close never fails for its email."""
    data, system = _tables()
    planned, ahead = (write, None) if preferences is None else alert_service.planned_ahead(write, preferences, when)
    try:
        position_store.close(data, system, closed, [planned], as_read=as_read)
    except TransactionRefused:
        if ahead is None:
            raise
        position_store.close(data, system, closed, [write], as_read=as_read)
        return None
    return ahead


def close_position(
    user_id: str, position_id: str, *, exit_price: Decimal | None, exit_time: datetime | None
) -> Position:
    """A manual close at the given price, else the cached one (``400`` without either); ``409`` once closed.
    The position, its owner's alert preferences (for the alert the close raises), the month's income and the
    monthly income goal (which the close moves) are one read."""
    income, item = trading_store.read_income(
        _tables()[0], user_id, month_of(utc_now().date()), key(keys.user_pk(user_id), keys.position_sk(position_id))
    )
    if item is None:
        raise NotFound(POSITION_NOT_FOUND)
    position, preferences = position_store.to_position(item), income.preferences
    if position.status != PositionStatus.OPEN:
        raise Conflict(f"The position is {position.status.value}; only an OPEN position closes")
    when = exit_time or utc_now()
    if when < position.entry_time:
        raise InvalidInput("exit_time must not be before entry_time")
    price = exit_price
    if price is None:
        cached = price_store.get_prices(_tables()[1], [position.symbol]).get(position.symbol)
        if cached is None:
            raise BusinessRuleError(f"No exit_price given and no cached price for {position.symbol}")
        price = cached.price
    try:
        return record_close(
            position, price=price, when=when, reason=ExitReason.MANUAL, preferences=preferences, income=income
        )
    except NotOpen:
        raise Conflict("The position is already closed") from None


def delete_position(user_id: str, position_id: str) -> None:
    """Deletes the position as it is when the delete lands: one closed meanwhile (by the monitor, or a manual
    close) is read again and deleted closed; one deleted meanwhile is a 404."""
    data, system = _tables()
    for _ in retry.attempts():
        position = _stored(user_id, position_id)  # its status is what the delete needs, not its marks
        if position_store.delete(data, system, position):
            if position.status == PositionStatus.CLOSED:
                trading.count_closes(user_id)  # its P&L left the month's income
            return
    raise ConcurrentModification("The position is being changed by other requests; try again")
