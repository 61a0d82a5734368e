"""What the account sync writes, over moto and the simulated exchange: a scheduled sync that changed nothing
writes nothing on its account and its shard's run record says when it was synced; a sync's record goes with its
last change (one transaction for one change); the worker converges a shard's credentials on one data key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import accounts as account_store
from goalpost.data import keys, sync_runs
from goalpost.data.client import client
from goalpost.domain.accounts import Account as StoredAccount
from goalpost.domain.accounts import AccountStatus
from goalpost.edges.accounts import vault
from goalpost.services import account_sync
from goalpost.settings import get_settings
from tests.handlers.conftest import Api
from tests.handlers.test_account_sync import Account, at, exchange, fill, position
from tests.handlers.test_job_crashes import writes_counted

__all__ = ["exchange"]  # the fixture, shared with the sync's other tests


def tables() -> tuple[str, str]:
    return get_settings().data_table_name, get_settings().system_table_name


def stored(account: Account) -> tuple[StoredAccount, bytes]:
    found, sealed, _ = account_store.get_for_sync(tables()[0], account.user, account.id)
    return found, sealed


def shard_of(account: Account) -> int:
    return keys.shard_of(account.id, keys.ACCOUNT_SHARDS)


@pytest.fixture(autouse=True)
def _no_cached_keys() -> Iterator[None]:
    vault.forget_opened()
    yield
    vault.forget_opened()


def test_a_scheduled_sync_that_changed_nothing_writes_nothing_and_the_run_says_when(api: Api, exchange: Any) -> None:
    account = Account(exchange).connect()
    assert account.sync(1, scheduled=True).cash is not None  # the first sync records the account
    recorded, _ = stored(account)
    assert recorded.last_synced_at == at(1)
    for minute in (2, 3, 30, 90):
        with writes_counted() as seen:
            summary = account.sync(minute, scheduled=True)
        assert (summary.errors, seen) == ([], []), minute
    assert stored(account)[0] == recorded
    # The shard's run record carries the time: the account shows its last sync.
    run = sync_runs.ShardRun(shard=shard_of(account), at=at(90))
    assert sync_runs.last_synced(recorded, run) == at(90)
    assert sync_runs.last_synced(recorded, None) == at(1)
    missed = sync_runs.ShardRun(shard_of(account), at(90), frozenset({sync_runs.account_digest(account.id)}))
    assert sync_runs.last_synced(recorded, missed) == at(1)
    failing = recorded.model_copy(update={"status": AccountStatus.FAILING})
    assert sync_runs.last_synced(failing, run) == at(1)


def test_a_change_writes_one_transaction_carrying_the_syncs_record(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000, 10)]).connect()
    with writes_counted() as seen:
        assert account.sync(1).created == 1
    assert seen == ["TransactWriteItems"]
    recorded, _ = stored(account)
    assert (recorded.last_synced_at, recorded.cash) == (at(1), Decimal(5000))  # 10000 less the margin
    assert api.get("/portfolio/current").body["cash_balance"] == float(recorded.cash)  # on the profile too
    account.set(positions=[])
    account.add_fills(fill("71", "SELL", 1, 51000, 2))
    with writes_counted() as seen:
        assert account.sync(3).closed == 1
    # The close and the record in one transaction (then the alert's publish and the month's close count).
    assert seen.count("TransactWriteItems") == 1
    assert stored(account)[0].last_synced_at == at(3)


def test_the_worker_records_its_run_with_the_accounts_it_did_not_sync(api: Api, exchange: Any) -> None:
    account = Account(exchange).connect()
    shard = shard_of(account)
    system = tables()[1]
    account_sync.sync_shard(shard, at(1))
    run = sync_runs.read(system, shard)
    assert run is not None
    assert (run.at, run.synced(account.id)) == (at(1), True)
    exchange.configure({**account.body, "api_secret": "a-new-secret"})  # the provider refuses the keys now
    account_sync.sync_shard(shard, at(2))
    run = sync_runs.read(system, shard)
    assert run is not None
    assert (run.at, run.synced(account.id)) == (at(2), False)
    # A late run never moves the record back.
    assert not sync_runs.write(system, sync_runs.ShardRun(shard, at(1)))
    assert sync_runs.read(system, shard) == run


def test_the_worker_moves_a_shards_credentials_onto_one_data_key(
    api: Api, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accounts sealed under two connecting processes' data keys, and one sealed by KMS directly, all of one
    shard: after one run, one data key opens them all."""
    monkeypatch.setattr(keys, "ACCOUNT_SHARDS", 1)
    accounts = [Account(exchange, user=f"user{n}").connect() for n in range(2)]
    vault.forget_opened()  # another connecting process: another data key
    later = Account(exchange, user="later").connect()
    # Stored before envelope encryption: KMS's own ciphertext under the account's context.
    legacy = Account(exchange, user="legacy").connect()
    direct = goalpost_aws.client("kms").encrypt(
        KeyId=get_settings().accounts_key_id,
        Plaintext=f'{{"key": "{legacy.key}", "secret": "{legacy.secret}"}}'.encode(),
        EncryptionContext={"user_id": legacy.user, "account_id": legacy.id},
    )["CiphertextBlob"]
    client().update_item(
        TableName=tables()[0],
        Key=account_store.account_key(legacy.user, legacy.id),
        UpdateExpression="SET credentials = :direct",
        ExpressionAttributeValues={":direct": {"B": direct}},
    )
    everyone = [*accounts, later, legacy]
    assert account_sync.sync_shard(0, at(1))["synced"] == 4
    data_keys = set()
    for account in everyone:
        found, sealed = stored(account)
        assert found.last_synced_at == at(1)
        assert vault.unseal(sealed, user_id=account.user, account_id=account.id).key == account.key
        data_keys.add(vault.data_key_of(sealed))
    assert len(data_keys) == 1
    assert data_keys == {vault.data_key_of(stored(accounts[0])[1])}  # the one most accounts had
    # Converged and unchanged, the next run writes its run record only.
    with writes_counted() as seen:
        assert account_sync.sync_shard(0, at(2))["synced"] == 4
    assert seen == ["PutItem"]


def test_a_moment_is_compared_as_time(api: Api) -> None:
    """The run record's condition compares ISO texts: the same instant always writes the same text."""
    moment = datetime.fromisoformat("2026-12-04T17:00:00+00:00")
    assert sync_runs.write(tables()[1], sync_runs.ShardRun(3, moment))
    assert not sync_runs.write(tables()[1], sync_runs.ShardRun(3, moment))


def test_the_routes_show_the_last_run_that_synced_the_account(api: Api, exchange: Any) -> None:
    """GET /accounts and GET /accounts/{id} show the shard's last run when it synced the account (it wrote
    nothing), the account's recorded sync when that run did not."""
    account = Account(exchange).connect()
    shard = shard_of(account)
    account_sync.sync_shard(shard, at(1))  # the first sync writes the account
    with writes_counted() as seen:
        account_sync.sync_shard(shard, at(7))
    assert seen == ["PutItem"]  # the run record only

    def shown() -> list[str]:
        one = api.get(f"/accounts/{account.id}").body["last_synced_at"]
        every = [a["last_synced_at"] for a in api.get("/accounts").body]
        return [one, *every]

    assert all(value.startswith(at(7).isoformat()[:19]) for value in shown())
    assert api.get(f"/accounts/{account.id}", user="bob").status == 404
    exchange.configure({**account.body, "api_secret": "a-new-secret"})  # refused: the run misses it
    account_sync.sync_shard(shard, at(8))
    assert all(value.startswith(at(1).isoformat()[:19]) for value in shown())


def test_the_sync_route_creating_a_position_costs_three_requests(api: Api, exchange: Any) -> None:
    """POST /accounts/{id}/sync: the account's read, its open positions' Query, and one transaction that
    creates the position and records the sync (it was two transactions)."""
    from tests.handlers.test_request_counts import dynamodb_requests

    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000, 10)]).connect()
    with dynamodb_requests() as counted:
        reply = api.post(f"/accounts/{account.id}/sync", {})
    assert reply.status == 200, reply.body
    assert reply.body["created"] == 1
    assert dict(counted) == {"GetItem": 1, "Query": 1, "TransactWriteItems": 1}


def test_a_scheduled_sync_of_an_account_holding_nothing_reads_its_positions_now_and_then(
    api: Api, exchange: Any
) -> None:
    """Nothing held on the exchange, nothing opened by the sync, no fill to apply: no Query of the account's
    positions, but once every FULL_CHECK_MINUTES; a position on the exchange reads them at once."""
    from tests.handlers.test_request_counts import dynamodb_requests

    account = Account(exchange, provider="alpaca").connect()
    account.sync(1, scheduled=True)
    window = range(2, 2 + account_sync.FULL_CHECK_MINUTES)
    counts = []
    for minute in window:
        with dynamodb_requests() as counted:
            account.sync(minute, scheduled=True)
        counts.append(counted.get("Query", 0))  # (sync_account reads the account itself: the worker does not)
    assert sorted(counts) == [0] * (account_sync.FULL_CHECK_MINUTES - 1) + [1]
    quiet = next(m for m, c in zip(window, counts, strict=True) if not c) + account_sync.FULL_CHECK_MINUTES
    account.set(positions=[position("AAPL", "LONG", 2, 100)])
    account.add_fills(fill("81", "BUY", 2, 100, quiet - 0.5, order_type="market"))
    with dynamodb_requests() as counted:
        assert account.sync(quiet, scheduled=True).created == 1
    assert counted["Query"] == 1


def test_the_portfolio_shows_each_accounts_cash_as_of_its_last_sync_run(api: Api, exchange: Any) -> None:
    account = Account(exchange).connect()
    account.sync(1, scheduled=True)

    def cash_synced_at() -> datetime:
        [entry] = api.get("/portfolio/current").body["accounts"]
        return datetime.fromisoformat(entry["synced_at"])

    assert cash_synced_at() == at(1)
    # A run that finds nothing changed writes only its record: the cash stands as of that run.
    account_sync.sync_shard(shard_of(account), at(2))
    assert stored(account)[0].last_synced_at == at(1)
    assert cash_synced_at() == at(2)
    # A run that could not sync the account leaves the cash as of the sync that wrote it, never later.
    exchange.configure({**account.body, "api_secret": "a-new-secret"})
    account_sync.sync_shard(shard_of(account), at(3))
    assert cash_synced_at() == at(1)
