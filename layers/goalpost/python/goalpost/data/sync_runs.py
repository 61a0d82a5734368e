"""The account sync's run records: one item a registry shard in the system table, ``ACCOUNTSYNC#<shard> / RUN``,
rewritten by each run of the shard with the run's moment and the accounts it did not sync (deferred for Binance's
weight limit, skipped, faulted, raced, failed), each as a short digest of its id.

Why: a scheduled sync that changed nothing writes nothing on its account (a write a minute, or every few
minutes, per account was most of the sync's cost: docs/performance.md, "Account sync cost"). An account's
``last_synced_at`` is then the later of the one recorded on it (its last sync that wrote) and its shard's last
run, when that run synced it: ``last_synced``. The account routes read the run records with the accounts
(``read_many``, one BatchGetItem), the worker the previous run's to sync first what it left over.

A digest is the first ``DIGEST_BYTES`` of the id's SHA-256: a whole shard's ids fit in one item (1,600 accounts
are under 10 KB), and two ids sharing a digest only make one of them look not synced by that run (it shows its
recorded time): never the other way round."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.account_cash import AccountCash
from goalpost.data.batches import batch_get_tables
from goalpost.data.client import client, is_condition_failure
from goalpost.data.codec import deserialize, key
from goalpost.domain.accounts import Account, AccountStatus
from goalpost.domain.clock import iso, parse_iso
from goalpost.domain.errors import NotFound

RUN_SK = "RUN"
DIGEST_BYTES = 6


def account_digest(account_id: str) -> bytes:
    return hashlib.sha256(account_id.encode()).digest()[:DIGEST_BYTES]


def run_key(shard: int) -> dict[str, Any]:
    return key(f"ACCOUNTSYNC#{shard:02d}", RUN_SK)


@dataclass(frozen=True)
class ShardRun:
    """One run of a registry shard: when (the job's moment, the ``last_synced_at`` its syncs record) and the
    digests of the accounts it did not sync."""

    shard: int
    at: datetime
    missed: frozenset[bytes] = frozenset()

    def synced(self, account_id: str) -> bool:
        return account_digest(account_id) not in self.missed


def last_synced(account: Account, run: ShardRun | None) -> datetime | None:
    """The account's last sync: its shard's last run when that run synced it after the account's recorded sync,
    else the recorded one. Only for an account in good standing that a sync has recorded once (the first sync
    always writes): a failing one, or one whose last sync met a fault, shows what its item says."""
    if account.status != AccountStatus.ACTIVE or account.failures or account.last_error is not None:
        return account.last_synced_at
    return _synced_since(run, account.id, account.last_synced_at)


def _synced_since(run: ShardRun | None, account_id: str, recorded: datetime | None) -> datetime | None:
    """The shard's ``run`` when it synced the account after the sync ``recorded`` (a sync that finds nothing
    changed writes nothing but its run), else ``recorded``."""
    if run is None or recorded is None or run.at <= recorded or not run.synced(account_id):
        return recorded
    return run.at


def with_runs(accounts: Iterable[Account], runs: Mapping[int, ShardRun]) -> list[Account]:
    """``accounts`` with ``last_synced_at`` as ``last_synced`` tells, from their shards' ``runs``."""
    shown = []
    for account in accounts:
        run = runs.get(keys.shard_of(account.id, keys.ACCOUNT_SHARDS))
        synced = last_synced(account, run)
        shown.append(
            account if synced == account.last_synced_at else account.model_copy(update={"last_synced_at": synced})
        )
    return shown


def run_of(item: Mapping[str, Any]) -> ShardRun:
    """A run record as ``codec.deserialize`` gives it."""
    shard = int(str(item["pk"]).removeprefix("ACCOUNTSYNC#"))
    missed = frozenset(bytes(value) for value in item.get("missed", ()))
    return ShardRun(shard=shard, at=parse_iso(str(item["at"])), missed=missed)


def read(system_table: str, shard: int) -> ShardRun | None:
    """The shard's last run (eventually consistent: a run a second old may not show yet)."""
    item = client().get_item(TableName=system_table, Key=run_key(shard)).get("Item")
    return None if item is None else run_of(deserialize(item))


def account_shown(table: str, system_table: str, user_id: str, account_id: str) -> Account:
    """The user's account as the routes show it (``NotFound`` when it is not theirs): its item and its shard's
    run record in one BatchGetItem, ``last_synced_at`` from both."""
    from goalpost.data.accounts import account_key, account_of

    shard = keys.shard_of(account_id, keys.ACCOUNT_SHARDS)
    found = batch_get_tables({table: [account_key(user_id, account_id)], system_table: [run_key(shard)]})
    if not found.get(table):
        raise NotFound("Account not found")
    runs = {run.shard: run for run in map(run_of, found.get(system_table, []))}
    return with_runs([account_of(found[table][0])], runs)[0]


def accounts_shown(table: str, system_table: str, user_id: str) -> list[Account]:
    """The user's accounts as the routes show them: their Query, then their shards' run records in one
    BatchGetItem (none when the user has no account)."""
    from goalpost.data.accounts import list_accounts

    accounts = list_accounts(table, user_id)
    return with_runs(accounts, runs_of(system_table, (account.id for account in accounts)))


def runs_of(system_table: str, account_ids: Iterable[str]) -> dict[int, ShardRun]:
    """The last run of each shard the accounts are in, by shard: one BatchGetItem (none for no account)."""
    shards = sorted({keys.shard_of(account_id, keys.ACCOUNT_SHARDS) for account_id in account_ids})
    if not shards:
        return {}
    found = batch_get_tables({system_table: [run_key(shard) for shard in shards]})
    return {run.shard: run for run in map(run_of, found.get(system_table, []))}


def cash_as_synced(system_table: str, entries: list[AccountCash]) -> list[AccountCash]:
    """The accounts' cash as the portfolio shows it: ``synced_at`` is the shard's last run when that run synced
    the account after the sync that wrote the cash (a sync that finds nothing changed writes nothing, so the
    cash then stands as of that run), else the time the cash was written."""
    runs = runs_of(system_table, (entry.account_id for entry in entries))

    def as_synced(entry: AccountCash) -> AccountCash:
        run = runs.get(keys.shard_of(entry.account_id, keys.ACCOUNT_SHARDS))
        synced = _synced_since(run, entry.account_id, entry.synced_at)
        return entry if synced == entry.synced_at else replace(entry, synced_at=synced)

    return [as_synced(entry) for entry in entries]


def write(system_table: str, run: ShardRun) -> bool:
    """Records the run, unless a later one of the shard is recorded already (a late or retried run never moves
    the shard back): whether it was recorded."""
    item: dict[str, Any] = {**run_key(run.shard), "entity": {"S": "account_sync_run"}, "at": {"S": iso(run.at)}}
    if run.missed:
        item["missed"] = {"BS": sorted(run.missed)}
    try:
        client().put_item(
            TableName=system_table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk) OR #at < :at",
            ExpressionAttributeNames={"#at": "at"},
            ExpressionAttributeValues={":at": {"S": iso(run.at)}},
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
