"""Connected accounts: connect (keys checked with the provider, then sealed), read, disconnect. The sync is
``services.account_sync``."""

from __future__ import annotations

from datetime import datetime

from goalpost.data import accounts as account_store
from goalpost.data import sync_runs
from goalpost.domain.accounts import Account, ApiCredentials, Provider
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import InvalidInput, KeysRefused
from goalpost.domain.ids import new_id
from goalpost.edges.accounts import vault
from goalpost.observability import logger
from goalpost.observability import metrics as emf
from goalpost.settings import get_settings

WITHDRAWAL_REFUSED = "read-only keys only: this key may withdraw funds; create a key without withdrawals"


def _tables() -> tuple[str, str]:
    settings = get_settings()
    return settings.data_table_name, settings.system_table_name


def connect(
    user_id: str,
    provider: Provider,
    credentials: ApiCredentials,
    *,
    label: str | None = None,
    paper: bool = False,
    now: datetime | None = None,
) -> Account:
    """Checks the keys with the provider (``KeysRefused`` 400, a Binance key that may withdraw 400,
    ``ProviderUnavailable`` 502), then stores the account with its keys sealed by KMS and claims the key
    (``KeyAlreadyConnected`` 409). The account's fills from now on are the ones its sync applies: what it held
    before is taken as it stands at the first sync."""
    if paper and provider != Provider.ALPACA:
        raise InvalidInput("paper applies to Alpaca accounts only")
    # The provider's client (and its HTTP library) only where keys are checked: reading and disconnecting
    # accounts never call the provider.
    from goalpost.edges.accounts.providers import client_for

    permissions = client_for(provider, credentials, paper=paper).key_permissions()
    if not permissions.can_read:
        raise KeysRefused()
    if provider == Provider.BINANCE_FUTURES and permissions.can_withdraw:
        raise KeysRefused(WITHDRAWAL_REFUSED)
    moment = now or utc_now()
    account = Account(
        id=new_id(),
        user_id=user_id,
        provider=provider,
        label=label,
        key_hint=credentials.key_hint,
        paper=paper,
        created_at=moment,
    )
    sealed = vault.seal(credentials, user_id=user_id, account_id=account.id)
    data, system = _tables()
    account_store.create(
        data,
        system,
        account,
        credentials=sealed,
        digest=account_store.key_digest(provider, credentials.key),
        fills_from=moment,
    )
    emf.add_metric(name="AccountsConnected", unit="Count", value=1)
    logger.info("Account connected", extra={"account_id": account.id, "provider": provider.value})
    return account


def list_accounts(user_id: str) -> list[Account]:
    return sync_runs.accounts_shown(*_tables(), user_id)


def get_account(user_id: str, account_id: str) -> Account:
    return sync_runs.account_shown(*_tables(), user_id, account_id)


def disconnect(user_id: str, account_id: str, now: datetime | None = None) -> None:
    """Destroys the account's keys, in one transaction whatever the account holds: its positions stay, unlinked
    (``account_id`` null, ``source`` kept) for every reader at once (``services.positions`` answers them so
    while the account is gone), and in storage once the goal-cleanup job has run (``services.goal_cleanup``)."""
    data, system = _tables()
    account_store.delete(data, system, user_id, account_id, now or utc_now())
    emf.add_metric(name="AccountsDisconnected", unit="Count", value=1)
