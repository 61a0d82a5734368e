"""The account sync: keeps a connected account's positions, closes, fees and cash in step with its provider.

One sync: open the keys (KMS), read the account from the provider (cash, positions, the fills since the last
sync's window), read the account's OPEN positions, decide (``domain.account_sync.reconcile``), then write
each change as its own transaction conditional on the account's sync version (``data.account_sync``), the last
one carrying the sync's record (its time, cash, window), and record the outcome. A scheduled sync that changed
nothing writes nothing: its shard's run record (``data.sync_runs``) tells when it was synced. A provider that
refuses the keys counts towards ``failing``; any other fault of the provider changes nothing and is reported
(``last_error``, the summary, the metrics)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from goalpost.data import account_sync as sync_store
from goalpost.data import accounts as account_store
from goalpost.data import keys, sync_runs
from goalpost.data import positions as position_store
from goalpost.data.account_cash import AccountCash
from goalpost.data.accounts import SyncState
from goalpost.data.positions import NoAccount, NotOpen, TooManyOpen
from goalpost.domain.account_sync import Close, Create, Increase, Plan, account_cash, fill_key, reconcile
from goalpost.domain.accounts import (
    FAILURES_BEFORE_FAILING,
    Account,
    AccountStatus,
    ApiCredentials,
    Fill,
    Order,
    Provider,
)
from goalpost.domain.clock import parse_iso, utc_now
from goalpost.domain.errors import KeysRefused, ProviderUnavailable
from goalpost.domain.ids import new_id
from goalpost.domain.positions import ExitReason, Position, PositionSource, PositionStatus, close
from goalpost.edges.accounts import vault
from goalpost.edges.accounts.alpaca_trading import AlpacaTradingClient
from goalpost.edges.accounts.binance_futures import BinanceFuturesClient
from goalpost.edges.accounts.providers import AccountClient, client_for
from goalpost.observability import logger
from goalpost.observability import metrics as emf
from goalpost.settings import get_settings

# The fills of the last hour are read again at every sync (a fill the provider shows late is still seen);
# ``applied_fills`` keeps the ids of those already applied. The window's start moves on an hour at a time.
FILL_OVERLAP = timedelta(hours=1)
# Binance keeps at most 7 days between startTime and the end of a trades query.
BINANCE_FILL_HISTORY = timedelta(days=7)
# A scheduled sync of an account that holds nothing reads its Goalpost positions this often (``_full_check_due``):
# the Query was a third of what the sync read.
FULL_CHECK_MINUTES = 15
REFUSED = "the provider refused these keys"
SKIPPED_FAILING = "skipped: the provider refused these keys 3 times in a row; POST /accounts/{id}/sync tries again"
RACED = "another sync of this account wrote first; the next one goes on from there"
# Binance limits request weight per IP (2,400 a minute): a worker stops calling it at this much used weight
# and leaves the rest of its accounts to the next minute's run (docs/accounts.md).
BINANCE_WEIGHT_BUDGET = 2000
# Accounts of a shard synced at once: a sync waits on its provider (~150 ms) for ~2 ms of CPU, so a worker's
# billed time is the shard's CPU time, not its waits, from about this many on (docs/performance.md, "Account
# sync cost"). The provider connections' pool keeps as many (goalpost.edges.market.http.POOL_SIZE).
SYNC_THREADS = 32


@dataclass
class SyncSummary:
    """What one account's sync did: positions created, updated (increased or partly closed) and closed (a
    partial close counts as one closed position too), the account's cash as recorded (None when the sync
    learnt nothing), and the faults it met."""

    created: int = 0
    updated: int = 0
    closed: int = 0
    cash: Decimal | None = None
    errors: list[str] = field(default_factory=list)
    fills_applied: int = 0
    fault: str | None = None  # "refused", "provider" or "vault": the sync did not happen
    raced: bool = False
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "closed": self.closed,
            "cash": self.cash,
            "errors": list(self.errors),
        }


def _tables() -> tuple[str, str]:
    settings = get_settings()
    return settings.data_table_name, settings.system_table_name


def sync_account(user_id: str, account_id: str, *, now: datetime | None = None, scheduled: bool = False) -> SyncSummary:
    """Syncs one account now (``NotFound`` when it is not the user's). A scheduled run skips a FAILING
    account; one asked for tries again."""
    account, sealed, state = account_store.get_for_sync(_tables()[0], user_id, account_id)
    return _sync(account, sealed, state, now or utc_now(), scheduled=scheduled)


@dataclass
class _Observed:
    """What the provider and Goalpost hold for the account at this sync."""

    cash: Decimal
    plan: Plan
    fetched: set[str]  # the keys of every fill read (the window's)
    fills_from: datetime
    open_ids: set[str]  # the account's OPEN positions read


class _Run:
    """One sync's writes: each carries the account's version, applied fills and opened positions on from the one
    before (``state``, as the last write left it)."""

    def __init__(self, account: Account, state: SyncState, now: datetime) -> None:
        self.account = account
        self.state = state
        self.now = now
        self.created: set[str] = set()
        self.summary = SyncSummary()
        self.resealed: bytes | None = None  # the credentials sealed under the shard's data key, to store
        self.recorded = False  # the record went with the last change

    @property
    def applied(self) -> frozenset[str]:
        return self.state.applied_fills

    @property
    def opened(self) -> frozenset[str]:
        return self.state.opened_positions

    def account_update(
        self, applied: AbstractSet[str], opened: AbstractSet[str] | None = None, fields: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        kept = self.opened if opened is None else opened
        return sync_store.account_update(
            _tables()[0], self.account, self.state, applied=applied, opened=kept, fields=fields
        )

    def wrote(self, applied: AbstractSet[str], opened: AbstractSet[str] | None = None) -> None:
        self.state = replace(
            self.state,
            version=self.state.version + 1,
            applied_fills=frozenset(applied),
            opened_positions=self.opened if opened is None else frozenset(opened),
        )


def _sync(
    account: Account,
    sealed: bytes,
    state: SyncState,
    now: datetime,
    *,
    scheduled: bool,
    shard_key: bytes | None = None,
) -> SyncSummary:
    """One account's sync; ``shard_key``: the data key its shard's credentials converge on (``vault.reseal``)."""
    run = _Run(account, state, now)
    if scheduled and account.status == AccountStatus.FAILING:
        run.summary.errors.append(SKIPPED_FAILING)
        run.summary.skipped = True
        return run.summary
    client: AccountClient | None = None
    try:
        credentials = vault.unseal_cached(sealed, user_id=account.user_id, account_id=account.id)
        if shard_key is not None and vault.data_key_of(sealed) != shard_key:
            run.resealed = _resealed(credentials, account, shard_key)
        client = client_for(account.provider, credentials, paper=account.paper)
        observed = _observe(client, account, state, now, scheduled=scheduled)
    except KeysRefused:
        _fault(run, "refused", REFUSED, refused=True)
        return run.summary
    except (ProviderUnavailable, vault.VaultUnavailable) as fault:
        _fault(run, "provider" if isinstance(fault, ProviderUnavailable) else "vault", fault.detail)
        return run.summary
    finally:
        if isinstance(client, BinanceFuturesClient):
            _binance_weight.note(client.used_weight, utc_now())
    try:
        _apply(run, observed)
        _record(run, observed, scheduled=scheduled)
    except sync_store.SyncRaced:
        run.summary.errors.append(RACED)
        run.summary.raced = True
    if run.summary.closed:
        from goalpost.services import trading  # imported on a close, as _close's alert release

        trading.count_closes(account.user_id)  # the monthly income goal counts the closes at once
    _count(run.summary, account)
    return run.summary


def _resealed(credentials: ApiCredentials, account: Account, shard_key: bytes) -> bytes | None:
    """The credentials sealed under the shard's data key (stored by the sync's next write), or None when KMS
    will not open that key now: the account keeps its own, which opened."""
    try:
        return vault.reseal(credentials, user_id=account.user_id, account_id=account.id, data_key=shard_key)
    except vault.VaultUnavailable:
        return None


def _observe(client: AccountClient, account: Account, state: SyncState, now: datetime, *, scheduled: bool) -> _Observed:
    held = client.account_state()
    read = bool(not scheduled or held.positions or state.opened_positions or _full_check_due(account, now))
    positions = _open_positions(account, state) if read else []
    since = state.fills_from or account.created_at
    symbols = sorted({h.symbol for h in held.positions} | {p.symbol for p in positions})
    fills = _fills(client, symbols, since, now)
    fresh = [f for f in fills if fill_key(f) not in state.applied_fills]
    if fresh and not read:  # fills to apply (Alpaca's are not read by symbol): against Goalpost's positions
        positions = _open_positions(account, state)
    plan = reconcile(positions, held.positions, fresh, _reasons(client, account, since), now)
    margin_based = account.provider == Provider.BINANCE_FUTURES
    return _Observed(
        cash=account_cash(held.cash, held.positions, margin_based=margin_based),
        plan=plan,
        fetched={fill_key(f) for f in fills},
        fills_from=since,
        open_ids={p.id for p in positions},
    )


def _full_check_due(account: Account, now: datetime) -> bool:
    """Whether this minute's scheduled sync reads the account's open positions although the provider shows none
    and the sync opened none: once every ``FULL_CHECK_MINUTES``, spread over the accounts. Otherwise there is
    nothing for them to match, and a close needs its fills, which the sync reads with the positions' symbols
    (Binance) or reads them for (Alpaca). What waits for it: a position linked by hand and closed on Binance
    before any sync saw it open on the exchange."""
    offset = keys.shard_of(account.id, FULL_CHECK_MINUTES)
    return (_minute(now) + offset) % FULL_CHECK_MINUTES == 0


def _open_positions(account: Account, state: SyncState) -> list[Position]:
    """The account's OPEN positions: the positions index (eventually consistent), and by key those the sync
    opened that the index does not show yet (a sync right after another's create)."""
    data = _tables()[0]
    positions = position_store.account_open_positions(data, account.user_id, account.id)
    seen = {p.id for p in positions}
    for position_id in sorted(state.opened_positions - seen):
        stored = position_store.get(data, account.user_id, position_id)
        if stored is not None and stored.status == PositionStatus.OPEN and stored.account_id == account.id:
            positions.append(stored)
    return positions


def _fills(client: AccountClient, symbols: list[str], since: datetime, now: datetime) -> list[Fill]:
    if isinstance(client, BinanceFuturesClient):
        start = max(since, now - BINANCE_FILL_HISTORY)
        return [fill for symbol in symbols for fill in client.fills(symbol, start_time=start)]
    return client.fills(after=since)


def _reasons(client: AccountClient, account: Account, since: datetime) -> Callable[[Fill], ExitReason]:
    """How a closing fill's order closed its position, asking the provider for the orders only when a close
    needs them (Binance: the symbol's orders from that one on; Alpaca: the orders since the window's start,
    each with its bracket legs)."""
    known: dict[str, Order] = {}
    asked: set[str] = set()

    def reason_of(fill: Fill) -> ExitReason:
        if fill.order_id not in known:
            if isinstance(client, BinanceFuturesClient) and fill.symbol not in asked and fill.order_id.isdigit():
                asked.add(fill.symbol)
                known.update((o.id, o) for o in client.orders(fill.symbol, from_order_id=fill.order_id))
            elif isinstance(client, AlpacaTradingClient) and "*" not in asked:
                asked.add("*")
                known.update((o.id, o) for o in client.orders(after=since - timedelta(days=1)))
        order = known.get(fill.order_id)
        return order.exit_reason if order is not None else ExitReason.MANUAL

    return reason_of


def _apply(run: _Run, observed: _Observed) -> None:
    """Writes each change of the plan; the last one carries the sync's record (``_recording``), so that a sync
    that changes one thing writes one transaction."""
    plan = observed.plan
    for n, change in enumerate(plan.changes):
        last = n == len(plan.changes) - 1
        applied = run.applied | change.fill_ids
        opened = set(run.opened)
        try:
            if isinstance(change, Create):
                position = _new_position(run, change)
                opened.add(position.id)
                write = _Write(run, observed, applied, opened, last=last, creating=position.id)
                if not _create(run, change, position, write):
                    continue
            elif isinstance(change, Increase):
                write = _Write(run, observed, applied, opened, last=last)
                _increase(run, change, write)
            else:
                if not change.partial:
                    opened.discard(change.position.id)
                write = _Write(run, observed, applied, opened, last=last)
                _close(run, change, write)
        except (NotOpen, NoAccount) as raced:
            raise sync_store.SyncRaced() from raced
        run.wrote(write.applied, write.opened)
        run.recorded = write.cash is not None
        run.summary.fills_applied += len(change.fill_ids)
    run.summary.errors.extend(f"{symbol}: waiting for the provider's fills of a close" for symbol in plan.waiting)


class _Write:
    """The account's part of one change's transaction: its conditional update and, for the plan's last change,
    the sync's record (``cash``: the account's cash for the owner's profile, None when not recording)."""

    def __init__(
        self,
        run: _Run,
        observed: _Observed,
        applied: AbstractSet[str],
        opened: AbstractSet[str],
        *,
        last: bool,
        creating: str | None = None,
    ) -> None:
        self.cash: AccountCash | None = None
        if last:
            created = run.created | ({creating} if creating else set())
            self.applied, self.opened, fields, self.cash = _recording(run, observed, applied, opened, created)
            self.update = run.account_update(self.applied, self.opened, fields)
        else:
            self.applied, self.opened = frozenset(applied), frozenset(opened)
            self.update = run.account_update(applied, opened)


def _new_position(run: _Run, change: Create) -> Position:
    position = Position.opened(
        run.account.user_id,
        change.symbol,
        change.quantity,
        change.entry_price,
        run.now,
        side=change.side,
        leverage=change.leverage,
        entry_time=min(change.entry_time, run.now),
        fees_paid=change.fees,
        account_id=run.account.id,
        source=PositionSource.EXCHANGE,
    )
    position.best_price = position.entry_price
    return position


def _create(run: _Run, change: Create, position: Position, write: _Write) -> bool:
    """Whether it was created (not when the user holds the most open positions a user may)."""
    data, system = _tables()
    try:
        position_store.open_position(data, system, position, account_update=write.update, account_cash=write.cash)
    except TooManyOpen:
        limit = position_store.MAX_OPEN_PER_USER
        run.summary.errors.append(f"{change.symbol}: not created, the user holds {limit} open positions")
        return False
    run.summary.created += 1
    run.created.add(position.id)
    emf.add_metric(name="PositionsOpened", unit="Count", value=1)
    return True


def _increase(run: _Run, change: Increase, write: _Write) -> None:
    grown = change.position.model_copy(deep=True)
    grown.quantity = change.quantity
    grown.entry_price = change.entry_price
    grown.fees_paid += change.fees
    grown.updated_at = run.now
    sync_store.resize(_tables()[0], grown, as_read=change.position.updated_at, account=write.update, cash=write.cash)
    run.summary.updated += 1


def _closed(position: Position, change: Close) -> Position:
    """``position`` (the whole one, or the part closed) closed by the change's fills."""
    exit_slice = change.exit
    closed = position.model_copy(deep=True)
    closed.fees_paid += exit_slice.fees
    when = max(exit_slice.time, position.entry_time)
    close(closed, exit_price=exit_slice.price, exit_time=when, reason=change.reason, pnl=exit_slice.realized_pnl)
    return closed


def _close(run: _Run, change: Close, write: _Write) -> None:
    # Imported on the first close: most syncs close nothing, and the worker's cold start would otherwise load the
    # alerts' release and the trading goals for nothing.
    from goalpost.services import alerts as alert_service
    from goalpost.services.positions import closed_alert

    position = change.position
    data, system = _tables()
    if change.partial:
        part_fees = position.fees_paid * change.quantity / position.quantity
        part = position.model_copy(
            update={
                "id": new_id(int(run.now.timestamp() * 1000)),
                "quantity": change.quantity,
                "fees_paid": part_fees,
                "parent_id": position.id,
                "created_at": run.now,
            },
            deep=True,
        )
        closed = _closed(part, change)
        remaining = position.model_copy(deep=True)
        remaining.quantity = position.quantity - change.quantity
        remaining.fees_paid = position.fees_paid - part_fees
        remaining.updated_at = run.now
        alert = alert_service.prepare(closed.user_id, closed_alert(closed), run.now)
        sync_store.close_part(
            data, remaining, closed, [alert], as_read=position.updated_at, account=write.update, cash=write.cash
        )
        run.summary.updated += 1
    else:
        closed = _closed(position, change)
        alert = alert_service.prepare(closed.user_id, closed_alert(closed), run.now)
        position_store.close(
            data,
            system,
            closed,
            [alert],
            as_read=position.updated_at,
            account_update=write.update,
            account_cash=write.cash,
        )
    alert_service.publish([alert.alert], run.now)
    run.summary.closed += 1
    emf.add_metric(name="PositionsClosed", unit="Count", value=1)


def _recording(
    run: _Run, observed: _Observed, applied: AbstractSet[str], opened: AbstractSet[str], created: AbstractSet[str]
) -> tuple[frozenset[str], frozenset[str], dict[str, Any], AccountCash]:
    """What the sync records once ``applied`` and ``opened`` stand as its writes left them: the applied fills and
    the opened positions still worth keeping, the account's fields and its cash for the profile."""
    account = run.account
    kept_applied = frozenset((applied & observed.fetched) | observed.plan.absorbed)
    # The positions the sync opened stay remembered while open: read open now, or created by this sync.
    kept_opened = frozenset(opened & (observed.open_ids | created))
    fields = {
        "cash": observed.cash,
        "last_synced_at": run.now,
        "last_error": None,
        "failures": 0,
        "status": AccountStatus.ACTIVE.value,
        "fills_from": _window(run, observed),
    }
    if run.resealed is not None:
        fields["credentials"] = run.resealed
    cash = AccountCash(account.id, account.provider.value, account.label, observed.cash, run.now)
    return kept_applied, kept_opened, fields, cash


def _window(run: _Run, observed: _Observed) -> datetime:
    """Where the next sync reads fills from: on an hour at a time (the last hour is read again), not while a
    close waits for its fills."""
    since = observed.fills_from
    moved = since if observed.plan.waiting else max(since, run.now - FILL_OVERLAP)
    return moved if moved - since >= FILL_OVERLAP else since


def _record(run: _Run, observed: _Observed, *, scheduled: bool) -> None:
    """Records the sync on the account and its cash on the profile, unless the last change's write did. A
    scheduled sync that changed nothing writes nothing: not its time (its shard's run record holds it), nor its
    fills' window while the window holds no fill (an idle account's window can stay where it is)."""
    run.summary.cash = observed.cash
    if run.recorded:
        return
    account = run.account
    applied, opened, fields, cash = _recording(run, observed, run.applied, run.opened, run.created)
    unchanged = (
        scheduled
        and not observed.plan.changes
        and observed.cash == account.cash
        and account.status == AccountStatus.ACTIVE
        and account.failures == 0
        and account.last_error is None
        and account.last_synced_at is not None
        and applied == run.applied
        and opened == run.opened
        and (fields["fills_from"] == observed.fills_from or not observed.fetched)
        and run.resealed is None
    )
    if unchanged:
        return
    sync_store.record(_tables()[0], run.account_update(applied, opened, fields), cash, account.user_id)
    run.wrote(applied, opened)


def _fault(run: _Run, kind: str, detail: str, *, refused: bool = False) -> None:
    """A sync the provider (or KMS) did not let happen: reported, and recorded on the account; a refusal
    counts towards FAILING. Nothing else changes."""
    account = run.account
    run.summary.errors.append(detail)
    run.summary.fault = kind
    fields: dict[str, Any] = {"last_error": detail}
    if refused:
        failures = account.failures + 1
        fields["failures"] = failures
        if failures >= FAILURES_BEFORE_FAILING:
            fields["status"] = AccountStatus.FAILING.value
    with contextlib.suppress(sync_store.SyncRaced):  # another sync recorded meanwhile: its outcome stands
        sync_store.record(_tables()[0], run.account_update(run.applied, fields=fields), None, account.user_id)
    emf.add_metric(name="AccountSyncFaults", unit="Count", value=1)
    emf.add_metric(name="AccountSyncRefused" if refused else "AccountSyncProviderFaults", unit="Count", value=1)
    logger.warning(
        "Account sync fault",
        extra={"account_id": account.id, "provider": account.provider.value, "kind": kind, "detail": detail},
    )


def _count(summary: SyncSummary, account: Account) -> None:
    emf.add_metric(name="AccountsSynced", unit="Count", value=1)
    if summary.fills_applied:
        emf.add_metric(name="FillsApplied", unit="Count", value=summary.fills_applied)
    # Under one key: ``created`` is a LogRecord attribute, which logging refuses to overwrite.
    logger.info(
        "Account synced",
        extra={"account_id": account.id, "provider": account.provider.value, "summary": summary.as_dict()},
    )


# ---------------------------------------------------------------- the job's worker


class _WeightGauge:
    """The Binance request weight used this minute, as its answers last reported it (the limit is per IP, so
    one gauge per worker process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.minute: int | None = None
        self.used = 0

    def exhausted(self, now: datetime) -> bool:
        with self.lock:
            return self.minute == _minute(now) and self.used >= BINANCE_WEIGHT_BUDGET

    def note(self, used: int | None, now: datetime) -> None:
        if used is None:
            return
        with self.lock:
            if self.minute != _minute(now):
                self.minute, self.used = _minute(now), 0
            self.used = max(self.used, used)


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


_binance_weight = _WeightGauge()


def sync_shard(shard: int, moment: datetime) -> dict[str, Any]:
    """Syncs every account of one registry shard, ``SYNC_THREADS`` at a time (the time goes on waiting for the
    providers), and records the run (``data.sync_runs``: its moment and the accounts it did not sync). Those the
    last run did not sync go first, then the least recently synced, so that accounts left over for Binance's
    weight limit go first next time. Each account's credentials converge on the shard's data key."""
    data, system = _tables()
    accounts = sync_store.registry_accounts(data, shard)
    previous = sync_runs.read(system, shard)
    left_over = previous.missed if previous is not None else frozenset()
    accounts.sort(
        key=lambda entry: (
            sync_runs.account_digest(entry[0].id) not in left_over,
            entry[0].last_synced_at or entry[0].created_at,
        )
    )
    shard_key = vault.shard_data_key(sealed for _, sealed, _ in accounts)
    totals = {"accounts": len(accounts), "synced": 0, "skipped": 0, "deferred": 0, "faults": 0, "raced": 0}
    totals.update(created=0, updated=0, closed=0)

    def one(entry: tuple[Account, bytes, SyncState]) -> SyncSummary | None:
        account, sealed, state = entry
        if account.provider == Provider.BINANCE_FUTURES and _binance_weight.exhausted(utc_now()):
            return None
        try:
            return _sync(account, sealed, state, moment, scheduled=True, shard_key=shard_key)
        except Exception:
            # One account's unexpected failure (a throttled table, a bug) must not cost the shard's others their
            # sync; its changes so far are recorded, and the next minute's run goes on from there.
            logger.exception("Account sync failed", extra={"account_id": account.id})
            emf.add_metric(name="AccountSyncErrors", unit="Count", value=1)
            emf.add_metric(name="AccountSyncFaults", unit="Count", value=1)
            return SyncSummary(fault="error")

    missed: set[bytes] = set()
    with ThreadPoolExecutor(max_workers=SYNC_THREADS) as pool:
        for (account, _, _), summary in zip(accounts, pool.map(one, accounts), strict=True):
            _tally(totals, summary)
            if summary is None or summary.skipped or summary.raced or summary.fault is not None:
                missed.add(sync_runs.account_digest(account.id))
    sync_runs.write(system, sync_runs.ShardRun(shard=shard, at=moment, missed=frozenset(missed)))
    emf.add_metric(name="AccountsDeferred", unit="Count", value=totals["deferred"])
    return {"shard": shard, **totals}


def _tally(totals: dict[str, Any], summary: SyncSummary | None) -> None:
    if summary is None:
        totals["deferred"] += 1
        return
    if summary.skipped:
        totals["skipped"] += 1
        return
    totals["synced"] += 1
    totals["raced"] += summary.raced
    totals["faults"] += summary.fault is not None
    for name in ("created", "updated", "closed"):
        totals[name] += getattr(summary, name)


def handle_message(body: str) -> dict[str, Any]:
    """One queued accounts-registry shard (the account sync worker's record handler): ``{"moment", "shard"}``."""
    message = json.loads(body)
    return sync_shard(int(message["shard"]), parse_iso(str(message["moment"])))
