"""Connected accounts' cash in the portfolio, over moto: written on the owner's profile as the account sync
writes it (``account_cash_set`` in a transaction), it is part of ``GET /portfolio/current``'s cash, of the
live value the charts compare with, of the snapshot job's snapshots and of the trading goals' portfolio value,
at no extra request (``GET /portfolio/current`` reads one more, the sync's run records that date each account's
cash); ``/portfolio/cash`` stays the cash set by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.data import prices as price_store
from goalpost.data import registry as registry_store
from goalpost.data import snapshots as snapshot_store
from goalpost.data.account_cash import AccountCash, account_cash_removed, account_cash_set
from goalpost.data.transactions import Transaction
from goalpost.domain.portfolio import CachedPrice
from goalpost.domain.positions import Position
from infra.local.aws import dynamodb_requests
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

DATA, SYSTEM, SNAPSHOTS = "test-data", "test-system", "test-snapshots"
SYNCED = datetime(2026, 12, 3, 9, 30, 15, 250000, tzinfo=UTC)
BINANCE = AccountCash("01JE5M2Q8Z0000000000000001", "binance_futures", "Futures €", Decimal("1000.10"), SYNCED)
ALPACA = AccountCash("01JE5M2Q8Z0000000000000002", "alpaca", None, Decimal("0.20"), None)


def synced(user: str, *entries: AccountCash) -> None:
    """The accounts' cash on ``user``'s profile, as the account sync records it: one transaction each."""
    for entry in entries:
        Transaction().add(account_cash_set(DATA, user, entry), role="account_cash").write()


def removed(user: str, account_id: str) -> None:
    Transaction().add(account_cash_removed(DATA, user, account_id), role="account_cash").write()


def open_position(user: str, symbol: str, quantity: str, entry: str) -> None:
    now = datetime.now(UTC)
    position_store.open_position(DATA, SYSTEM, Position.opened(user, symbol, Decimal(quantity), Decimal(entry), now))


def set_prices(prices: dict[str, str]) -> None:
    stamp = datetime.now(UTC)
    price_store.put_prices(
        SYSTEM, [CachedPrice(symbol=s, price=Decimal(p), updated_at=stamp, source="t") for s, p in prices.items()]
    )


def test_the_portfolio_cash_is_the_manual_cash_plus_each_accounts(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 5000.5})
    open_position("alice", "AAPL", "10", "100")
    set_prices({"AAPL": "110"})
    synced("alice", ALPACA, BINANCE)
    body = api.get("/portfolio/current").body
    # 5000.5 + 1000.10 + 0.20, exactly (as floats 1000.1 + 0.2 would not be).
    assert body["cash_balance"] == 6000.8
    assert body["investment_value"] == 1100
    assert body["total_value"] == 7100.8
    assert body["accounts"] == [  # oldest account first
        {
            "id": BINANCE.account_id,
            "provider": "binance_futures",
            "label": "Futures €",
            "cash": 1000.1,
            "synced_at": "2026-12-03T09:30:15.250000+00:00",
        },
        {"id": ALPACA.account_id, "provider": "alpaca", "label": None, "cash": 0.2, "synced_at": None},
    ]
    # The cash set by hand is only that.
    assert api.get("/portfolio/cash").body == {"cash_balance": 5000.5}
    # Another user sees none of it.
    other = api.get("/portfolio/current", user="bob").body
    assert (other["cash_balance"], other["total_value"], other["accounts"]) == (0, 0, [])


def test_a_sync_replaces_the_accounts_cash_and_a_removal_takes_it_off(api: Api) -> None:
    synced("alice", BINANCE, ALPACA)
    synced("alice", AccountCash(BINANCE.account_id, "binance_futures", "Futures €", Decimal("-250.55"), SYNCED))
    body = api.get("/portfolio/current").body
    assert (body["cash_balance"], [a["cash"] for a in body["accounts"]]) == (-250.35, [-250.55, 0.2])
    removed("alice", BINANCE.account_id)
    body = api.get("/portfolio/current").body
    assert (body["cash_balance"], [a["id"] for a in body["accounts"]]) == (0.2, [ALPACA.account_id])
    removed("alice", ALPACA.account_id)
    assert api.get("/portfolio/current").body["accounts"] == []


def test_the_accounts_cost_one_request_more_however_many(api: Api) -> None:
    """Their cash comes with the profile; how recent it is, from their shards' last sync runs: one BatchGetItem
    for every account of the user."""
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 10}, user="bob")
    open_position("alice", "AAPL", "1", "100")
    open_position("bob", "AAPL", "1", "100")
    set_prices({"AAPL": "100"})
    synced("alice", BINANCE, ALPACA)

    def cost(user: str) -> dict[str, int]:
        with dynamodb_requests() as counted:
            assert api.get("/portfolio/current", user=user).status == 200
        return dict(counted)

    assert cost("bob") == {"Query": 1, "BatchGetItem": 1}
    assert cost("alice") == {"Query": 1, "BatchGetItem": 2}


def test_the_live_value_of_the_charts_counts_the_accounts(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 100})
    synced("alice", BINANCE)
    day = api.get("/portfolio/performance", query={"timeframe": "1D"}).body
    assert day["current_value"] == 1100.1


def test_the_snapshot_job_values_the_accounts(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 100})
    open_position("alice", "AAPL", "10", "100")
    set_prices({"AAPL": "110"})
    synced("alice", BINANCE, ALPACA)
    synced("carol", ALPACA)  # accounts' cash alone: registered by the sync, and worth a snapshot
    shard = keys.shard_of("carol", keys.USER_SHARDS)
    (carol,) = [o for o in registry_store.registry_shard(DATA, shard) if o.user_id == "carol"]
    assert (carol.manual_cash, carol.account_cash, carol.cash) == (0, Decimal("0.20"), Decimal("0.20"))
    assert dict(registry_store.registered_users(DATA, shard))["carol"] == Decimal("0.20")

    assert JobRunner(registry).run("snapshot", datetime.now(UTC))["worker"]["failed"] == 0
    alice = snapshot_store.latest_snapshot(SNAPSHOTS, "alice")
    assert alice is not None
    assert (alice["cash_balance"], alice["investment_value"], alice["total_value"]) == (
        Decimal("1100.30"),
        Decimal("1100.00"),
        Decimal("2200.30"),
    )
    assert api.get("/portfolio/snapshots", user="carol").body[0]["total_value"] == 0.2


def test_the_trading_goals_portfolio_value_counts_the_accounts(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 40000})
    synced("alice", BINANCE)
    assert api.post("/goals/manual-snapshot").status == 200
    goals = {g["goal_type"]: g for g in api.get("/goals/status").body["goals"]}
    assert goals["portfolio_value"]["current_value"] == 41000.1
