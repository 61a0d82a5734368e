"""The account sync over moto and the simulated exchange, with the production Binance and Alpaca clients:
positions created, matched, increased, partly and wholly closed from the provider's fills; cash; refusals and
faults; exactly once under repeats, concurrent runs and crashes."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.client import BaseClient

from goalpost.data import keys
from goalpost.data import positions as position_store
from goalpost.domain.accounts import AccountStatus, ApiCredentials, Provider
from goalpost.domain.ids import new_id
from goalpost.edges.accounts import vault
from goalpost.services import account_sync, accounts
from goalpost.settings import get_settings
from infra.local.aws import published
from tests.handlers.conftest import Api, point_at_market
from tests.handlers.test_job_crashes import InjectedCrash, writes_counted
from tests.unit.test_simulated_exchange import fill as simulated_fill

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)  # when the account is connected


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def exchange(api: Api, simulated_market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulated market and exchange, with every provider client pointed at it."""
    point_at_market(simulated_market, monkeypatch)
    vault.forget_opened()
    return simulated_market.exchange


def fill(order_id: str, side: str, quantity: float, price: float, minutes: float, **extra: Any) -> dict[str, Any]:
    """A fill for ``PUT /_local/exchange`` ``minutes`` after the account was connected."""
    return simulated_fill(order_id, side, quantity, price, 0, time=at(minutes).isoformat(), **extra)


def position(symbol: str, side: str, quantity: float, entry: float, leverage: int = 1) -> dict[str, Any]:
    return {"symbol": symbol, "side": side, "quantity": quantity, "entry_price": entry, "leverage": leverage}


class Account:
    """One simulated account and its Goalpost connection."""

    def __init__(self, exchange: Any, provider: str = "binance_futures", cash: float = 10000, user: str = "alice"):
        self.exchange = exchange
        self.provider = provider
        self.key = f"key{new_id()}"
        self.secret = f"secret{new_id()}"
        self.user = user
        self.body: dict[str, Any] = {
            "provider": provider,
            "api_key": self.key,
            "api_secret": self.secret,
            "can_withdraw": False,
            "cash": cash,
            "positions": [],
            "fills": [],
        }
        self.id = ""

    def set(self, **changes: Any) -> Account:
        self.body.update(changes)
        self.exchange.configure(self.body)
        return self

    def add_fills(self, *fills: dict[str, Any]) -> Account:
        return self.set(fills=[*self.body["fills"], *fills])

    def connect(self) -> Account:
        self.exchange.configure(self.body)
        connected = accounts.connect(
            self.user,
            Provider(self.provider),
            ApiCredentials(self.key, self.secret),
            label="bot",
            paper=self.provider == "alpaca",
            now=T0,
        )
        self.id = connected.id
        return self

    def sync(self, minutes: float, *, scheduled: bool = False) -> account_sync.SyncSummary:
        return account_sync.sync_account(self.user, self.id, now=at(minutes), scheduled=scheduled)


def positions_of(api: Api, user: str = "alice") -> list[dict[str, Any]]:
    return sorted(api.get("/positions", user=user).body, key=lambda p: p["created_at"])


def alerts_of(api: Api, user: str = "alice") -> list[dict[str, Any]]:
    return api.get("/alerts", user=user, query={"limit": 100}).body


def month_income(moment: datetime, user: str = "alice") -> Decimal:
    return position_store.month_realized(get_settings().data_table_name, user, moment)


def test_a_take_profit_filled_on_binance_closes_the_position_with_the_fill(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(
        positions=[position("BTCUSDT", "LONG", 0.5, 50000, 10)],
        fills=[fill("201", "BUY", 0.5, 50000, 1)],
    )
    account.connect()
    first = account.sync(2)
    assert (first.created, first.updated, first.closed, first.errors) == (1, 0, 0, [])
    assert first.cash == Decimal(7500)  # the wallet less the position's margin: 50000 x 0.5 / 10
    [opened] = positions_of(api)
    assert (opened["status"], opened["source"], opened["account_id"]) == ("OPEN", "exchange", account.id)
    assert (opened["quantity"], opened["entry_price"], opened["leverage"], opened["fees_paid"]) == (0.5, 50000, 10, 0.5)
    assert opened["entry_time"].startswith(at(1).isoformat()[:19])

    account.set(positions=[])
    account.add_fills(fill("202", "SELL", 0.5, 52000, 3, order_type="TAKE_PROFIT_MARKET", fee=0.6))
    second = account.sync(4)
    assert (second.created, second.updated, second.closed, second.errors) == (0, 0, 1, [])
    assert second.cash == Decimal(10000)
    [closed] = positions_of(api)
    assert (closed["status"], closed["exit_price"], closed["exit_reason"]) == ("CLOSED", 52000, "TP_HIT")
    assert closed["fees_paid"] == pytest.approx(1.1)
    assert closed["pnl_usd"] == 1000  # Binance's realizedPnl: (52000 - 50000) x 0.5
    assert closed["exit_time"].startswith(at(3).isoformat()[:19])
    assert [a["alert_type"] for a in alerts_of(api)] == ["position_closed"]
    assert month_income(at(3)) == 1000

    again = account.sync(5)
    assert (again.created, again.updated, again.closed) == (0, 0, 0)
    assert [a["alert_type"] for a in alerts_of(api)] == ["position_closed"]
    assert month_income(at(3)) == 1000


def test_a_smaller_quantity_closes_a_part_and_a_larger_one_averages_the_entry(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(
        positions=[position("ETHUSDT", "LONG", 1, 100)], fills=[fill("1", "BUY", 1, 100, 1, symbol="ETHUSDT")]
    )
    account.connect().sync(2)
    account.set(positions=[position("ETHUSDT", "LONG", 0.4, 100)])
    account.add_fills(fill("2", "SELL", 0.6, 110, 3, symbol="ETHUSDT", realized_pnl=6, fee=0.2))
    partial = account.sync(4)
    assert (partial.created, partial.updated, partial.closed) == (0, 1, 1)
    parent, part = positions_of(api)
    assert (parent["status"], parent["quantity"]) == ("OPEN", 0.4)
    assert (part["status"], part["quantity"], part["parent_id"], part["exit_price"]) == (
        "CLOSED",
        0.6,
        parent["id"],
        110,
    )
    assert (part["pnl_usd"], part["exit_reason"], part["source"]) == (6, "MANUAL", "exchange")
    # The entry fill's fee is shared by quantity: 0.6 of its 0.5 goes with the part, plus the exit's own fee.
    assert part["fees_paid"] == pytest.approx(0.5 * 0.6 + 0.2)
    assert parent["fees_paid"] == pytest.approx(0.5 * 0.4)
    assert month_income(at(3)) == 6

    account.set(positions=[position("ETHUSDT", "LONG", 1.4, 117.14)])
    account.add_fills(fill("3", "BUY", 1, 124, 5, symbol="ETHUSDT", fee=0.1))
    grown = account.sync(6)
    assert (grown.created, grown.updated, grown.closed) == (0, 1, 0)
    parent = api.get(f"/positions/{parent['id']}").body
    assert parent["quantity"] == 1.4
    # (100 x 0.4 + 124 x 1) / 1.4, to 10 places
    assert Decimal(str(parent["entry_price"])) == Decimal("117.1428571429")
    assert parent["fees_paid"] == pytest.approx(0.2 + 0.1)


def test_a_position_that_closed_and_reopened_between_two_syncs_is_closed_then_created(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "SHORT", 1, 60000, 5)])
    account.connect().sync(1)
    account.set(positions=[position("BTCUSDT", "SHORT", 2, 59000, 5)])
    account.add_fills(
        fill("11", "BUY", 1, 58000, 2, order_type="STOP_MARKET", realized_pnl=2000),
        fill("12", "SELL", 2, 59000, 3),
    )
    summary = account.sync(4)
    assert (summary.created, summary.closed) == (1, 1)
    first, second = positions_of(api)
    assert (first["status"], first["exit_price"], first["exit_reason"], first["pnl_usd"]) == (
        "CLOSED",
        58000,
        "SL_HIT",
        2000,
    )
    assert (second["status"], second["side"], second["quantity"], second["entry_price"]) == ("OPEN", "SHORT", 2, 59000)
    assert second["entry_time"].startswith(at(3).isoformat()[:19])


def test_a_bots_own_position_is_matched_not_duplicated(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(
        positions=[position("BTCUSDT", "LONG", 0.5, 50000)], fills=[fill("21", "BUY", 0.5, 50000, 1)]
    )
    account.connect()
    mine = api.post(
        "/positions",
        {
            "symbol": "BTCUSDT",
            "quantity": 0.5,
            "entry_price": 50010,
            "entry_time": at(1.2).isoformat(),  # recorded by the bot a moment after its entry filled
            "account_id": account.id,
            "bot_id": "b1",
        },
    ).body
    summary = account.sync(2)
    assert (summary.created, summary.updated, summary.closed) == (0, 0, 0)
    assert [p["id"] for p in positions_of(api)] == [mine["id"]]
    account.set(positions=[])
    account.add_fills(fill("22", "SELL", 0.5, 51000, 3, order_type="TAKE_PROFIT_MARKET"))
    assert account.sync(4).closed == 1
    [closed] = positions_of(api)
    assert (closed["id"], closed["status"], closed["bot_id"], closed["exit_reason"]) == (
        mine["id"],
        "CLOSED",
        "b1",
        "TP_HIT",
    )


def test_an_alpaca_brackets_limit_leg_is_a_take_profit_and_the_pnl_is_worked_out(api: Api, exchange: Any) -> None:
    account = Account(exchange, provider="alpaca", cash=2500.5).set(
        positions=[position("AAPL", "LONG", 10, 180)],
        fills=[fill("entry-1", "BUY", 10, 180, -30, symbol="AAPL", order_type="market", order_class="bracket", fee=0)],
    )
    account.connect()
    assert account.sync(1).cash == Decimal("2500.5")
    account.set(positions=[], cash=4400.5)
    account.add_fills(
        fill(
            "tp-1",
            "SELL",
            4,
            190,
            2,
            symbol="AAPL",
            order_type="limit",
            order_class="bracket",
            fee=0,
            parent_order_id="entry-1",
        ),
        fill(
            "tp-1",
            "SELL",
            6,
            191,
            3,
            symbol="AAPL",
            order_type="limit",
            order_class="bracket",
            fee=0,
            parent_order_id="entry-1",
        ),
    )
    summary = account.sync(4)
    assert (summary.closed, summary.cash) == (1, Decimal("4400.5"))
    [closed] = positions_of(api)
    assert Decimal(str(closed["exit_price"])) == Decimal("190.6")  # (4 x 190 + 6 x 191) / 10
    assert (closed["exit_reason"], closed["pnl_usd"]) == ("TP_HIT", 106)  # (190.6 - 180) x 10, no fees


def test_fills_seen_twice_or_out_of_order_or_for_unknown_symbols_count_once(api: Api, exchange: Any) -> None:
    account = Account(exchange, provider="alpaca").set(positions=[position("MSFT", "LONG", 3, 400)])
    account.connect().sync(1)
    account.set(positions=[])
    # Listed out of time order, with a fill of a symbol Goalpost never held.
    account.add_fills(
        fill("x2", "SELL", 2, 412, 3, symbol="MSFT", fee=0, order_type="market"),
        fill("z1", "BUY", 7, 15, 2.5, symbol="ZZZZ", fee=0, order_type="market"),
        fill("x1", "SELL", 1, 406, 2, symbol="MSFT", fee=0, order_type="market"),
    )
    assert account.sync(4).closed == 1
    for minutes in (5, 6):
        assert (account.sync(minutes).closed, account.sync(minutes).created) == (0, 0)
    [closed] = positions_of(api)
    assert Decimal(str(closed["exit_price"])) == Decimal(410)  # (406 + 2 x 412) / 3
    assert closed["pnl_usd"] == 30
    assert month_income(at(3)) == 30
    assert len(alerts_of(api)) == 1


def test_a_close_whose_fills_are_not_shown_yet_waits_for_them(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000)])
    account.connect().sync(1)
    account.set(positions=[])
    waiting = account.sync(2)
    assert waiting.closed == 0
    assert waiting.errors == ["BTCUSDT: waiting for the provider's fills of a close"]
    assert positions_of(api)[0]["status"] == "OPEN"
    account.add_fills(fill("31", "SELL", 1, 49000, 1.5, order_type="LIQUIDATION"))
    closed = account.sync(3)
    assert closed.closed == 1
    assert positions_of(api)[0]["exit_reason"] == "LIQUIDATION"


def test_refused_keys_three_times_make_the_account_failing_until_a_sync_is_asked_for(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000)])
    account.connect().sync(1)
    account.exchange.configure({**account.body, "api_secret": "a-new-secret"})  # the user rotated the secret
    for n in range(1, 4):
        summary = account.sync(1 + n, scheduled=True)
        assert summary.errors == ["the provider refused these keys"]
        stored = api.get(f"/accounts/{account.id}").body
        assert (stored["status"], stored["last_error"]) == (
            "failing" if n == 3 else "active",
            "the provider refused these keys",
        )
    assert account.sync(5, scheduled=True).skipped
    account.exchange.configure(account.body)  # the keys work again
    assert account.sync(6).errors == []
    stored = api.get(f"/accounts/{account.id}").body
    assert (stored["status"], stored["last_error"]) == ("active", None)
    assert positions_of(api)[0]["status"] == "OPEN"


@pytest.mark.parametrize("fault", ["error", "timeout", "garbage", "rate_limit", "redirect"])
def test_a_provider_fault_changes_nothing_and_is_reported(
    api: Api, exchange: Any, simulated_market: Any, fault: str
) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000)])
    account.connect().sync(1)
    before = positions_of(api), api.get("/portfolio/current").body["cash_balance"]
    account.set(positions=[], cash=1)
    simulated_market.configure({"fault": fault})
    try:
        summary = account.sync(2)
    finally:
        simulated_market.configure({"fault": None})
    assert (summary.created, summary.closed, summary.cash) == (0, 0, None)
    assert summary.errors
    assert summary.fault == "provider"
    assert (positions_of(api), api.get("/portfolio/current").body["cash_balance"]) == before
    stored = api.get(f"/accounts/{account.id}").body
    assert (stored["status"], stored["last_error"]) == ("active", summary.errors[0])


def test_concurrent_syncs_apply_each_fill_once(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000)])
    account.connect().sync(1)
    account.set(positions=[position("BTCUSDT", "LONG", 0.5, 50000)])
    account.add_fills(fill("41", "SELL", 0.5, 51000, 2, realized_pnl=500))
    results: list[account_sync.SyncSummary] = []
    start = threading.Barrier(4)

    def sync() -> None:
        start.wait()
        results.append(account.sync(3))

    threads = [threading.Thread(target=sync) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.closed for r in results) == 1
    parent, part = positions_of(api)
    assert (parent["quantity"], part["quantity"]) == (0.5, 0.5)
    assert month_income(at(2)) == 500
    assert len(alerts_of(api)) == 1


def outcome(api: Api) -> dict[str, Any]:
    return {
        "positions": sorted(
            (p["symbol"], p["side"], p["status"], p["quantity"], p["exit_price"], p["pnl_usd"], p["fees_paid"])
            for p in positions_of(api)
        ),
        "alerts": sorted(a["alert_type"] for a in alerts_of(api)),
        "income": month_income(at(3)),
        "cash": api.get("/portfolio/current").body["cash_balance"],
    }


def crash_world(exchange: Any) -> Account:
    """A synced account whose exchange then closed one position, partly closed another and opened a third."""
    account = Account(exchange).set(
        positions=[position("BTCUSDT", "LONG", 1, 50000), position("ETHUSDT", "SHORT", 2, 3000)]
    )
    account.connect().sync(1)
    account.set(positions=[position("ETHUSDT", "SHORT", 1.5, 3000), position("SOLUSDT", "LONG", 10, 150)])
    account.add_fills(
        fill("51", "SELL", 1, 52000, 2, order_type="TAKE_PROFIT_MARKET"),
        fill("52", "BUY", 0.5, 2900, 2, symbol="ETHUSDT"),
        fill("53", "BUY", 10, 150, 2, symbol="SOLUSDT"),
    )
    return account


def test_a_sync_that_crashed_at_any_write_and_ran_again_ends_as_a_clean_one(
    api: Api, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = crash_world(exchange)
    with writes_counted() as seen:
        clean.sync(3)
    writes = len(seen)
    expected = outcome(api)
    assert expected["alerts"] == ["position_closed", "position_closed"]
    for crash_at in range(1, writes + 1):
        _clear_user(api)
        published.clear()
        account = crash_world(exchange)
        # A publish that dies leaves its alert in the outbox (the delivery job's to send): no crash to see.
        with writes_counted(crash_at), contextlib.suppress(InjectedCrash):
            account.sync(3)
        account.sync(3)
        assert outcome(api) == expected, f"crash before write {crash_at}"
        account.sync(4)
        assert outcome(api) == expected, f"crash before write {crash_at}, then one more sync"


def _clear_user(api: Api) -> None:
    """Deletes every item of alice's (a fresh world for the next crash point)."""
    from goalpost.data.client import client

    table = get_settings().data_table_name
    pk = {":pk": {"S": keys.user_pk("alice")}}
    for item in client().scan(TableName=table, FilterExpression="pk = :pk", ExpressionAttributeValues=pk)["Items"]:
        client().delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    system = get_settings().system_table_name
    for item in client().scan(TableName=system)["Items"]:
        if item["pk"]["S"].startswith("ACCOUNTKEY#"):
            client().delete_item(TableName=system, Key={"pk": item["pk"], "sk": item["sk"]})


def test_the_worker_syncs_every_active_account_of_its_shard(api: Api, exchange: Any) -> None:
    first = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000)]).connect()
    second = Account(exchange, user="bob").set(positions=[position("ETHUSDT", "LONG", 2, 3000)]).connect()
    shards = {keys.shard_of(a.id, keys.ACCOUNT_SHARDS) for a in (first, second)}
    created = 0
    for shard in shards:
        summary = account_sync.sync_shard(shard, at(2))
        created += summary["created"]
    assert created == 2
    assert [p["symbol"] for p in positions_of(api)] == ["BTCUSDT"]
    assert [p["symbol"] for p in positions_of(api, "bob")] == ["ETHUSDT"]
    assert accounts.get_account("bob", second.id).status == AccountStatus.ACTIVE


@pytest.fixture(autouse=True)
def _no_cached_keys() -> Iterator[None]:
    vault.forget_opened()
    yield
    vault.forget_opened()


@contextlib.contextmanager
def index_lagging() -> Iterator[None]:
    """DynamoDB's global secondary indexes are eventually consistent: for a moment after a write, a Query of
    one may not show the item yet. moto's never lag, so this hides every position from Queries of the status
    index (gsi1) while it lasts, as a lagging index would hide a position just opened."""
    original = BaseClient._make_api_call

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        answer = original(client, operation, params)
        if operation == "Query" and params.get("IndexName") == "gsi1":
            items = [i for i in answer.get("Items", []) if i.get("entity", {}).get("S") != "position"]
            answer = {**answer, "Items": items, "Count": len(items)}
        return answer

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def test_a_sync_right_after_another_created_a_position_does_not_create_it_again(api: Api, exchange: Any) -> None:
    account = Account(exchange).set(positions=[position("BTCUSDT", "LONG", 1, 50000)])
    account.connect()
    assert account.sync(1).created == 1
    with index_lagging():
        again = account.sync(1.1)
    assert (again.created, again.errors) == (0, [])
    assert len(positions_of(api)) == 1
    # Once it closes, the account forgets it; the exchange's next position is a new one.
    account.set(positions=[])
    account.add_fills(fill("61", "SELL", 1, 51000, 2))
    with index_lagging():
        assert account.sync(3).closed == 1
    account.set(positions=[position("BTCUSDT", "LONG", 2, 52000)])
    account.add_fills(fill("62", "BUY", 2, 52000, 4))
    assert account.sync(5).created == 1
    assert [p["status"] for p in positions_of(api)] == ["CLOSED", "OPEN"]
