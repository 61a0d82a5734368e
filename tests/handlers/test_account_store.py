"""Connected accounts' storage: the KMS vault (credentials bound to their account) and the account repository
(the claim that keeps one API key connected once, list/get per user, delete freeing the key), over moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from goalpost.data import accounts as store
from goalpost.data import deleted_accounts, keys
from goalpost.data.client import client
from goalpost.domain.accounts import Account, AccountStatus, ApiCredentials, Provider
from goalpost.domain.errors import Conflict, NotFound
from goalpost.domain.ids import new_id
from goalpost.edges.accounts import vault
from goalpost.settings import get_settings, reset_settings
from infra.local.aws import LocalAws
from tests.handlers.conftest import Api
from tests.handlers.test_positions_api import LONG

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def kms_key(aws: LocalAws) -> str:
    """The accounts' key the local resources create (the deployed stack names its own)."""
    assert get_settings().accounts_key_id
    return get_settings().accounts_key_id


def tables() -> tuple[str, str]:
    settings = get_settings()
    return settings.data_table_name, settings.system_table_name


def connect(
    user: str, api_key: str = API_KEY, secret: str = SECRET, cash: Decimal | None = Decimal("1000.50")
) -> Account:
    """Seals and stores an account as the connect route will (after the provider accepted the keys)."""
    account = Account(
        id=new_id(),
        user_id=user,
        provider=Provider.BINANCE_FUTURES,
        label="main",
        key_hint=ApiCredentials(api_key, secret).key_hint,
        cash=cash,
        created_at=NOW,
    )
    sealed = vault.seal(ApiCredentials(api_key, secret), user_id=user, account_id=account.id)
    data, system = tables()
    store.create(data, system, account, credentials=sealed, digest=store.key_digest(account.provider, api_key))
    return account


def raw_items() -> list[dict[str, object]]:
    """Every stored item of both tables, as DynamoDB holds it (a test may Scan)."""
    return [item for table in tables() for item in client().scan(TableName=table)["Items"]]


def test_the_vault_opens_what_it_sealed_for_the_same_account_only(kms_key: str) -> None:
    sealed = vault.seal(ApiCredentials(API_KEY, SECRET), user_id="alice", account_id="a1")
    assert API_KEY.encode() not in sealed
    assert SECRET.encode() not in sealed
    opened = vault.unseal(sealed, user_id="alice", account_id="a1")
    assert (opened.key, opened.secret) == (API_KEY, SECRET)
    for user, account in (("alice", "a2"), ("bob", "a1")):
        with pytest.raises(vault.VaultUnavailable) as refused:
            vault.unseal(sealed, user_id=user, account_id=account)
        assert SECRET not in str(refused.value)
        assert API_KEY not in str(refused.value)
        assert refused.value.__cause__ is None
        assert refused.value.__suppress_context__


def test_without_a_key_the_vault_refuses_clearly(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCOUNTS_KEY_ID")
    reset_settings()
    with pytest.raises(vault.VaultUnavailable, match="ACCOUNTS_KEY_ID"):
        vault.seal(ApiCredentials(API_KEY, SECRET), user_id="alice", account_id="a1")
    monkeypatch.undo()
    reset_settings()


def test_the_stored_items_hold_neither_the_key_nor_the_secret_in_clear(kms_key: str) -> None:
    account = connect("alice")
    items = raw_items()
    assert items
    dumped = repr(items)
    assert API_KEY not in dumped
    assert SECRET not in dumped
    assert API_KEY[-4:] == account.key_hint == store.get(tables()[0], "alice", account.id).key_hint
    stored, sealed = store.get_credentials(tables()[0], "alice", account.id)
    assert stored == account
    assert vault.unseal(sealed, user_id="alice", account_id=account.id) == ApiCredentials(API_KEY, SECRET)


def test_an_account_reads_back_as_it_was_stored(kms_key: str) -> None:
    account = connect("alice")
    read = store.get(tables()[0], "alice", account.id)
    assert read == account
    assert (read.status, read.failures, read.cash, read.paper) == (AccountStatus.ACTIVE, 0, Decimal("1000.50"), False)


def test_the_same_key_twice_is_a_conflict_and_writes_nothing(kms_key: str) -> None:
    connect("alice")
    before = raw_items()
    for user in ("alice", "bob"):
        with pytest.raises(Conflict):
            connect(user, secret="another-secret")
    assert raw_items() == before
    assert store.list_accounts(tables()[0], "bob") == []


def test_deleting_an_account_frees_its_key(kms_key: str) -> None:
    first = connect("alice", cash=None)  # never synced: no cash on the profile to take off
    data, system = tables()
    store.delete(data, system, "alice", first.id, NOW)
    with pytest.raises(NotFound):
        store.get(data, "alice", first.id)
    # The account, its sealed keys and its key's claim are gone; only the tombstone for the unlinking stays.
    shard = keys.shard_of(first.id, keys.DELETED_ACCOUNT_SHARDS)
    assert deleted_accounts.recorded(data, shard) == [("alice", first.id)]
    assert deleted_accounts.clear(data, "alice", first.id) == 0
    assert raw_items() == []
    again = connect("bob")
    assert store.list_accounts(data, "bob") == [again]
    with pytest.raises(NotFound):
        store.delete(data, system, "bob", first.id, NOW)


def test_each_user_sees_only_their_own_accounts(kms_key: str) -> None:
    data, system = tables()
    alices = [connect("alice", api_key=f"alice-key-{n}") for n in range(3)]
    bobs = connect("bob", api_key="bob-key")
    assert store.list_accounts(data, "alice") == alices
    assert store.list_accounts(data, "bob") == [bobs]
    with pytest.raises(NotFound):
        store.get(data, "bob", alices[0].id)
    with pytest.raises(NotFound):
        store.delete(data, system, "bob", alices[0].id, NOW)
    assert store.get(data, "alice", alices[0].id) == alices[0]


def test_a_position_opens_on_a_stored_account(kms_key: str, api: Api) -> None:
    account = connect("alice")
    linked = api.post("/positions", {**LONG, "account_id": account.id})
    assert linked.status == 201, linked.body
    assert linked.body["account_id"] == account.id
    assert api.post("/positions", {**LONG, "account_id": account.id}, user="bob").status == 404


def test_credentials_seal_small_and_oversized_ones_are_refused_without_echo(kms_key: str) -> None:
    """Binance's 64 + 64 characters seal in a few hundred bytes, the wrapped data key included (the account
    item's size in the cost model)."""
    sealed = vault.seal(ApiCredentials(API_KEY, SECRET), user_id="alice", account_id="a1")
    assert len(sealed) < 600
    huge = "s" * vault.PLAINTEXT_LIMIT
    with pytest.raises(vault.VaultUnavailable) as refused:
        vault.seal(ApiCredentials(API_KEY, huge), user_id="alice", account_id="a1")
    assert huge not in str(refused.value)


class KmsCalls:
    """Counts the KMS requests boto3 sends (each operation by name)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, **kwargs: object) -> None:
        model = kwargs.get("model")
        self.names.append(str(getattr(model, "name", "")))


@pytest.fixture
def kms_calls(kms_key: str) -> Iterator[KmsCalls]:
    from goalpost import aws as goalpost_aws

    vault.forget_opened()
    calls = KmsCalls()
    goalpost_aws.client("kms").meta.events.register("before-call.kms", calls)
    yield calls
    goalpost_aws.client("kms").meta.events.unregister("before-call.kms", calls)
    vault.forget_opened()


def test_accounts_sealed_together_share_a_data_key_opened_once(kms_calls: KmsCalls) -> None:
    """One GenerateDataKey seals many accounts; a process opens that data key once (one Decrypt) and then
    every account's credentials without KMS; each ciphertext still opens for its own account only."""
    sealed = {
        f"a{n}": vault.seal(ApiCredentials(f"key-{n}", f"secret-{n}"), user_id="alice", account_id=f"a{n}")
        for n in range(5)
    }
    assert kms_calls.names == ["GenerateDataKey"]
    assert len({vault.data_key_of(blob) for blob in sealed.values()}) == 1
    vault.forget_opened()  # another process: the sync worker
    for n in range(5):
        opened = vault.unseal_cached(sealed[f"a{n}"], user_id="alice", account_id=f"a{n}")
        assert opened == ApiCredentials(f"key-{n}", f"secret-{n}")
    assert kms_calls.names == ["GenerateDataKey", "Decrypt"]
    with pytest.raises(vault.VaultUnavailable, match="do not open for this account"):
        vault.unseal(sealed["a0"], user_id="alice", account_id="a1")


def test_a_sealing_process_takes_a_new_data_key_after_a_while(kms_calls: KmsCalls) -> None:
    first = vault.seal(ApiCredentials("k1", "s1"), user_id="alice", account_id="a1", now=0.0)
    later = vault.seal(ApiCredentials("k2", "s2"), user_id="alice", account_id="a2", now=vault.SEAL_KEY_SECONDS + 1)
    assert vault.data_key_of(first) != vault.data_key_of(later)
    assert kms_calls.names == ["GenerateDataKey", "GenerateDataKey"]


def test_resealing_moves_an_account_onto_the_shards_data_key(kms_calls: KmsCalls) -> None:
    """The sync converges a shard on its most used data key: re-sealed, the credentials open the same, under that
    key, and only for their own account."""
    shared = [vault.seal(ApiCredentials(f"k{n}", "s"), user_id="u", account_id=f"a{n}", now=0.0) for n in range(2)]
    lone = vault.seal(ApiCredentials("lone", "secret"), user_id="u", account_id="lone", now=vault.SEAL_KEY_SECONDS + 1)
    shard_key = vault.shard_data_key([lone, *shared, b"not an envelope"])
    assert shard_key == vault.data_key_of(shared[0])
    assert vault.shard_data_key([lone, shared[0]]) == min(vault.data_key_of(lone), vault.data_key_of(shared[0]))
    credentials = vault.unseal(lone, user_id="u", account_id="lone")
    moved = vault.reseal(credentials, user_id="u", account_id="lone", data_key=shard_key)
    assert vault.data_key_of(moved) == shard_key
    assert vault.unseal(moved, user_id="u", account_id="lone") == ApiCredentials("lone", "secret")
    with pytest.raises(vault.VaultUnavailable):
        vault.unseal(moved, user_id="u", account_id="a0")


def test_a_ciphertext_sealed_by_kms_directly_still_opens(kms_calls: KmsCalls) -> None:
    """Accounts stored before envelope encryption: KMS's own ciphertext under the account's context."""
    from goalpost import aws as goalpost_aws

    legacy = goalpost_aws.client("kms").encrypt(
        KeyId=get_settings().accounts_key_id,
        Plaintext=b'{"key": "old-key", "secret": "old-secret"}',
        EncryptionContext={"user_id": "alice", "account_id": "a1"},
    )["CiphertextBlob"]
    assert vault.data_key_of(legacy) is None
    assert vault.unseal_cached(legacy, user_id="alice", account_id="a1") == ApiCredentials("old-key", "old-secret")
    assert vault.unseal_cached(legacy, user_id="alice", account_id="a1") == ApiCredentials("old-key", "old-secret")
    assert kms_calls.names == ["Encrypt", "Decrypt"]  # the second from the cache
    with pytest.raises(vault.VaultUnavailable):
        vault.unseal(legacy, user_id="alice", account_id="a2")


def test_a_malformed_envelope_is_refused_without_echo(kms_key: str) -> None:
    sealed = vault.seal(ApiCredentials(API_KEY, SECRET), user_id="alice", account_id="a1")
    for broken in (sealed[:8], sealed[:-1], vault.ENVELOPE + b"\x00\x00"):
        with pytest.raises(vault.VaultUnavailable) as refused:
            vault.unseal(broken, user_id="alice", account_id="a1")
        assert SECRET not in str(refused.value)
