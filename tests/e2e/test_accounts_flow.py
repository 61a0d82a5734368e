"""Connected accounts over HTTP against the local server, as issue 21's "Done when" walks it: a simulated
Binance USD-M account and an Alpaca paper account set with ``PUT /_local/exchange``, connected with
``POST /accounts``, synced by the ``account_sync`` job and ``POST /accounts/{id}/sync``; a take-profit filled
on the exchange closes the position with the fill's price, fee and Binance's P&L, one alert and the month's
income, once. Every test sets its accounts under fresh keys (the simulated exchange keeps accounts by key)
and uses a fresh user."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Barrier
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import FAST_MARKET, Client, HttpReply, Server, start_server, stop_server

pytestmark = pytest.mark.e2e

REFUSED = "the provider refused these keys"
BTC_ENTRY = {"symbol": "BTCUSDT", "side": "LONG", "quantity": 0.5, "entry_price": 50000, "leverage": 10}
AAPL_HELD = {"symbol": "AAPL", "side": "LONG", "quantity": 10, "entry_price": 180, "leverage": 1}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """One server for the module, schedules off (the tests run the job), no throttling of the bursts."""
    running = start_server("--schedules", "off", "--throttle", "off", env=FAST_MARKET)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def api(server: Server) -> Client:
    return server.client


def fresh(name: str) -> str:
    return f"{name}-{uuid4().hex[:12]}"


class SimulatedAccount:
    """One account on the simulated exchange under fresh keys, and the body that connects it."""

    def __init__(self, api: Client, provider: str, **body: Any) -> None:
        self.api = api
        self.key, self.secret = fresh("e2e-key"), fresh("e2e-secret")
        self.body: dict[str, Any] = {
            "provider": provider,
            "api_key": self.key,
            "api_secret": self.secret,
            "can_withdraw": False,
            "cash": 1000,
            "positions": [],
            "fills": [],
            **body,
        }
        self.put()

    def put(self, **changes: Any) -> SimulatedAccount:
        self.body.update(changes)
        reply = self.api.request("PUT", "/_local/exchange", self.body)
        assert reply.status == 200, reply.text
        return self

    def connection(self, **extra: Any) -> dict[str, Any]:
        return {"provider": self.body["provider"], "api_key": self.key, "api_secret": self.secret, **extra}


def fill(order_id: str, side: str, quantity: float, price: float, moment: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "symbol": "BTCUSDT",
        "side": side,
        "quantity": quantity,
        "price": price,
        "fee": 0.5,
        "time": moment.isoformat(),
        "order_type": "MARKET",
        **extra,
    }


def binance_long(api: Client) -> SimulatedAccount:
    """A Binance USD-M account holding one LONG, entered 10 minutes ago (before it is connected)."""
    entered = datetime.now(UTC) - timedelta(minutes=10)
    return SimulatedAccount(
        api,
        "binance_futures",
        cash=10000,
        positions=[BTC_ENTRY],
        fills=[fill(fresh("entry"), "BUY", 0.5, 50000, entered)],
    )


def take_profit(account: SimulatedAccount, price: float = 52000, fee: float = 0.6) -> None:
    """The exchange's take-profit order filled: the position is gone, the wallet holds the profit."""
    closing = fill(fresh("tp"), "SELL", 0.5, price, datetime.now(UTC), order_type="TAKE_PROFIT_MARKET", fee=fee)
    account.put(positions=[], cash=11000 - 0.5 - fee, fills=[*account.body["fills"], closing])


@dataclass
class SyncedLong:
    """A fresh user with ``binance_long`` connected and synced once (its position created)."""

    api: Client
    token: str
    binance: SimulatedAccount
    account: dict[str, Any]

    @property
    def sync_path(self) -> str:
        return f"/accounts/{self.account['id']}/sync"

    def sync(self) -> dict[str, Any]:
        reply = self.api.request("POST", self.sync_path, {}, token=self.token)
        assert reply.status == 200, reply.text
        return dict(reply.json)


def synced_long(api: Client) -> SyncedLong:
    token = api.token(fresh("trader"))
    binance = binance_long(api)
    trader = SyncedLong(api, token, binance, connect(api, token, binance))
    assert trader.sync()["created"] == 1
    return trader


def connect(api: Client, token: str, account: SimulatedAccount, **extra: Any) -> dict[str, Any]:
    reply = api.request("POST", "/accounts", account.connection(**extra), token=token)
    assert reply.status == 201, reply.text
    return dict(reply.json)


def run_sync_job(api: Client) -> dict[str, Any]:
    reply = api.request("POST", "/_local/jobs/account_sync", {})
    assert reply.status == 200, reply.text
    return dict(reply.json)


def got(api: Client, path: str, token: str) -> Any:
    reply = api.request("GET", path, token=token)
    assert reply.status == 200, (path, reply.text)
    return reply.json


def positions(api: Client, token: str) -> list[dict[str, Any]]:
    return sorted(got(api, "/positions?limit=100", token), key=lambda p: p["symbol"])


def closed_alerts(api: Client, token: str) -> list[dict[str, Any]]:
    return list(got(api, "/alerts?type=position_closed&limit=100", token))


def monthly_income(api: Client, token: str) -> float:
    """The monthly_income goal's value once evaluated (``manual-snapshot``: ``/goals/status`` alone still
    shows the value of the last evaluation, issue 22; see the xfail below)."""
    snapshot = api.request("POST", "/goals/manual-snapshot", token=token)
    assert snapshot.status == 200, snapshot.text
    goals = got(api, "/goals/status", token)["goals"]
    [income] = [g for g in goals if g["goal_type"] == "monthly_income"]
    return float(income["current_value"])


def outcome(api: Client, token: str) -> dict[str, Any]:
    """What a repeated sync must leave as it was."""
    return {
        "positions": positions(api, token),
        "alerts": closed_alerts(api, token),
        "income": monthly_income(api, token),
        "cash": got(api, "/portfolio/current", token)["cash_balance"],
    }


def test_connected_accounts_follow_the_exchange_through_a_take_profit(api: Client) -> None:
    token = api.token(fresh("trader"))
    binance = binance_long(api)
    alpaca = SimulatedAccount(api, "alpaca", cash=2500.5, positions=[AAPL_HELD])

    futures = connect(api, token, binance, label="Futures")
    paper = connect(api, token, alpaca, label="Paper", paper=True)
    for account, simulated in ((futures, binance), (paper, alpaca)):
        assert account["key_hint"] == simulated.key[-4:]
        assert (account["status"], account["last_error"]) == ("active", None)
        assert simulated.secret not in str(account)
        assert simulated.key not in str(account)
    assert (futures["provider"], futures["paper"]) == ("binance_futures", False)
    assert (paper["provider"], paper["paper"]) == ("alpaca", True)

    run_sync_job(api)
    held = positions(api, token)
    assert [(p["symbol"], p["side"], p["status"]) for p in held] == [
        ("AAPL", "LONG", "OPEN"),
        ("BTCUSDT", "LONG", "OPEN"),
    ]
    aapl, btc = held
    assert (aapl["source"], aapl["account_id"], aapl["quantity"], aapl["entry_price"]) == (
        "exchange",
        paper["id"],
        10,
        180,
    )
    assert (btc["source"], btc["account_id"], btc["quantity"], btc["entry_price"], btc["leverage"]) == (
        "exchange",
        futures["id"],
        0.5,
        50000,
        10,
    )
    only_futures = got(api, f"/positions?account_id={futures['id']}", token)
    assert [p["id"] for p in only_futures] == [btc["id"]]
    portfolio = got(api, "/portfolio/current", token)
    # Binance: the wallet less the open position's margin (50000 x 0.5 / 10); Alpaca: its cash.
    assert portfolio["cash_balance"] == pytest.approx(7500 + 2500.5)
    parts = {a["id"]: a for a in portfolio["accounts"]}
    assert set(parts) == {futures["id"], paper["id"]}
    assert parts[futures["id"]]["cash"] == pytest.approx(7500)
    assert parts[paper["id"]]["cash"] == pytest.approx(2500.5)
    assert (parts[futures["id"]]["provider"], parts[futures["id"]]["label"]) == ("binance_futures", "Futures")
    assert parts[paper["id"]]["synced_at"] is not None

    take_profit(binance, price=52000, fee=0.6)
    run_sync_job(api)
    closed = got(api, f"/positions/{btc['id']}", token)
    assert (closed["status"], closed["exit_price"], closed["exit_reason"]) == ("CLOSED", 52000, "TP_HIT")
    # The closing fill's fee (the entry fill came before the account was connected: it is not Goalpost's).
    assert closed["fees_paid"] == pytest.approx(0.6)
    assert closed["pnl_usd"] == pytest.approx(1000)  # Binance's realizedPnl: (52000 - 50000) x 0.5
    [alert] = closed_alerts(api, token)
    assert alert["position_id"] == btc["id"]
    assert alert["message"] == "BTCUSDT LONG closed by TP_HIT at 52,000.00: +1,000.00 USD"
    assert alert["action_url"] == f"/app/positions/{btc['id']}"
    assert monthly_income(api, token) == pytest.approx(1000)
    assert got(api, "/portfolio/current", token)["cash_balance"] == pytest.approx(11000 - 1.1 + 2500.5)

    settled = outcome(api, token)
    run_sync_job(api)
    assert outcome(api, token) == settled


def test_sync_now_answers_its_summary_and_delete_unlinks_the_positions(api: Client) -> None:
    token = api.token(fresh("trader"))
    binance = binance_long(api)
    account = connect(api, token, binance)
    reply = api.request("POST", f"/accounts/{account['id']}/sync", {}, token=token)
    assert reply.status == 200, reply.text
    assert set(reply.json) == {"created", "updated", "closed", "cash", "errors"}
    assert (reply.json["created"], reply.json["updated"], reply.json["closed"], reply.json["errors"]) == (1, 0, 0, [])
    assert reply.json["cash"] == pytest.approx(7500)
    assert binance.secret not in reply.text
    synced = got(api, f"/accounts/{account['id']}", token)
    assert synced["last_synced_at"] is not None
    assert [a["id"] for a in got(api, "/accounts", token)] == [account["id"]]

    gone = api.request("DELETE", f"/accounts/{account['id']}", token=token)
    assert gone.status == 204, gone.text
    [kept] = positions(api, token)
    assert (kept["status"], kept["account_id"], kept["source"]) == ("OPEN", None, "exchange")
    assert api.request("GET", f"/accounts/{account['id']}", token=token).status == 404
    assert got(api, "/accounts", token) == []
    portfolio = got(api, "/portfolio/current", token)
    assert (portfolio["accounts"], portfolio["cash_balance"]) == ([], 0)  # its cash left with it


def test_keys_are_checked_with_the_provider_before_they_are_kept(api: Client) -> None:
    token = api.token(fresh("trader"))
    unknown = {"provider": "binance_futures", "api_key": fresh("never-set"), "api_secret": "whatever"}
    refused = api.request("POST", "/accounts", unknown, token=token)
    assert (refused.status, refused.json) == (400, {"detail": REFUSED})
    alpaca = SimulatedAccount(api, "alpaca")
    wrong = api.request("POST", "/accounts", alpaca.connection(api_secret="not-the-secret"), token=token)
    assert (wrong.status, wrong.json) == (400, {"detail": REFUSED})

    withdrawing = SimulatedAccount(api, "binance_futures", can_withdraw=True)
    reply = api.request("POST", "/accounts", withdrawing.connection(), token=token)
    assert reply.status == 400, reply.text
    assert "read-only" in reply.json["detail"]

    unreachable = SimulatedAccount(api, "binance_futures")
    assert api.request("PUT", "/_local/market", {"fault": "error"}).status == 200
    try:
        reply = api.request("POST", "/accounts", unreachable.connection(), token=token)
    finally:
        assert api.request("PUT", "/_local/market", {"fault": None}).status == 200
    assert reply.status == 502, reply.text
    assert got(api, "/accounts", token) == []

    connect(api, token, unreachable)
    twice = api.request("POST", "/accounts", unreachable.connection(label="again"), token=token)
    assert twice.status == 409, twice.text
    assert len(got(api, "/accounts", token)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"provider": "kraken"},
        {"api_key": "k" * 257},
        {"api_secret": "s" * 257},
        {"api_secret": None},
        {"label": "tab\there"},
    ],
    ids=["unknown-provider", "oversized-key", "oversized-secret", "missing-secret", "label-control-char"],
)
def test_bad_connect_input_is_422_and_connects_nothing(api: Client, change: dict[str, Any]) -> None:
    token = api.token(fresh("trader"))
    account = SimulatedAccount(api, "binance_futures")
    body = {name: value for name, value in account.connection(**change).items() if value is not None}
    reply = api.request("POST", "/accounts", body, token=token)
    assert reply.status == 422, reply.text
    assert account.secret not in reply.text
    assert got(api, "/accounts", token) == []


def test_another_users_account_is_404(api: Client) -> None:
    owner, other = api.token(fresh("owner")), api.token(fresh("other"))
    account = connect(api, owner, binance_long(api))
    for method in ("GET", "DELETE"):
        assert api.request(method, f"/accounts/{account['id']}", token=other).status == 404, method
    assert api.request("POST", f"/accounts/{account['id']}/sync", {}, token=other).status == 404
    assert got(api, "/accounts", other) == []
    still = got(api, f"/accounts/{account['id']}", owner)
    assert still["last_synced_at"] is None


@pytest.mark.parametrize("with_job", [False, True], ids=["8-syncs", "7-syncs-and-the-job"])
def test_concurrent_syncs_after_a_take_profit_close_it_once(api: Client, with_job: bool) -> None:
    trader = synced_long(api)
    token, sync_path = trader.token, trader.sync_path
    take_profit(trader.binance)

    start = Barrier(8)

    def sync(n: int) -> HttpReply:
        start.wait()
        if with_job and n == 0:
            return api.request("POST", "/_local/jobs/account_sync", {})
        return api.request("POST", sync_path, {}, token=token)

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(sync, range(8)))
    assert [r.status for r in replies] == [200] * 8, [r.text for r in replies]
    syncs = replies[1:] if with_job else replies
    closes = sum(r.json["closed"] for r in syncs)
    # The job's summary counts shards, not closes: with it running, the close may be the job's.
    assert closes <= 1 if with_job else closes == 1
    assert sum(r.json["created"] for r in syncs) == 0
    [closed] = positions(api, token)
    assert (closed["status"], closed["exit_price"], closed["exit_reason"]) == ("CLOSED", 52000, "TP_HIT")
    assert (closed["pnl_usd"], closed["fees_paid"]) == (pytest.approx(1000), pytest.approx(0.6))
    assert len(closed_alerts(api, token)) == 1
    assert monthly_income(api, token) == pytest.approx(1000)
    settled = outcome(api, token)
    assert api.request("POST", sync_path, {}, token=token).json["closed"] == 0
    run_sync_job(api)
    assert outcome(api, token) == settled


def test_a_synced_close_moves_the_monthly_income_goal_at_once(api: Client) -> None:
    trader = synced_long(api)
    got(api, "/goals/status", trader.token)  # the trading goals exist before the close
    take_profit(trader.binance)
    assert trader.sync()["closed"] == 1
    [income] = [g for g in got(api, "/goals/status", trader.token)["goals"] if g["goal_type"] == "monthly_income"]
    assert income["current_value"] == pytest.approx(1000)


def secrets_stay_out_of_the_servers_output(server: Server) -> None:
    """Connect, sync, close, a provider fault, refused keys and disconnect, each answered as it should be;
    then neither the secret nor the full key is anywhere in what the server printed (its logs)."""
    api = server.client
    trader = synced_long(api)
    token, binance, account, sync_path = trader.token, trader.binance, trader.account, trader.sync_path
    take_profit(binance)
    trader.sync()
    api.request("PUT", "/_local/market", {"fault": "garbage"})
    try:
        faulty = api.request("POST", sync_path, {}, token=token)
    finally:
        api.request("PUT", "/_local/market", {"fault": None})
    assert (faulty.status, bool(faulty.json["errors"])) == (200, True), faulty.text
    refused = api.request("POST", "/accounts", binance.connection(api_secret=fresh("wrong-secret")), token=token)
    assert refused.status in (400, 409), refused.text
    assert api.request("DELETE", f"/accounts/{account['id']}", token=token).status == 204
    printed = "".join(server.output)
    assert binance.secret not in printed
    assert binance.key not in printed


def test_the_server_prints_no_secret(server: Server) -> None:
    secrets_stay_out_of_the_servers_output(server)


def test_a_server_logging_at_info_syncs_and_prints_no_secret() -> None:
    running = start_server("--schedules", "off", env={**FAST_MARKET, "POWERTOOLS_LOG_LEVEL": "INFO"})
    try:
        secrets_stay_out_of_the_servers_output(running)
    finally:
        stop_server(running)


def test_the_monitor_warns_of_a_linked_positions_level_and_the_exchange_closes_it(api: Client) -> None:
    trader = synced_long(api)
    token, binance = trader.token, trader.binance
    [linked] = positions(api, token)
    patched = api.request("PATCH", f"/positions/{linked['id']}", {"take_profit": 51000}, token=token)
    assert patched.status == 200, patched.text
    assert api.request("PUT", "/_local/market", {"prices": {"BTCUSDT": 51500}, "fault": None}).status == 200
    try:
        for job in ("price_update", "position_monitor", "position_monitor"):
            assert api.request("POST", f"/_local/jobs/{job}", {}).status == 200, job
    finally:
        assert api.request("PUT", "/_local/market", {"prices": {}}).status == 200
    # The exchange holds the real take-profit order: Goalpost only says the level was reached, once.
    assert got(api, f"/positions/{linked['id']}", token)["status"] == "OPEN"
    reached = got(api, "/alerts?type=position_level_reached&limit=100", token)
    assert [a["position_id"] for a in reached] == [linked["id"]]
    assert closed_alerts(api, token) == []

    take_profit(binance, price=51020, fee=0.4)
    assert trader.sync()["closed"] == 1
    closed = got(api, f"/positions/{linked['id']}", token)
    assert (closed["status"], closed["exit_price"], closed["exit_reason"]) == ("CLOSED", 51020, "TP_HIT")
    assert closed["pnl_usd"] == pytest.approx(510)  # Binance's: (51020 - 50000) x 0.5
    assert len(closed_alerts(api, token)) == 1


def test_keys_refused_three_runs_in_a_row_make_the_account_failing_until_a_sync_now(api: Client) -> None:
    token = api.token(fresh("trader"))
    binance = binance_long(api)
    account = connect(api, token, binance)
    path = f"/accounts/{account['id']}"
    binance.put(api_secret=fresh("rotated"))  # the user rotated the secret on Binance
    for run in (1, 2, 3):
        run_sync_job(api)
        stored = got(api, path, token)
        assert (stored["status"], stored["last_error"]) == ("failing" if run == 3 else "active", REFUSED), run
    run_sync_job(api)  # a failing account is skipped: its error stays as it was
    assert got(api, path, token)["status"] == "failing"
    assert positions(api, token) == []

    refused = api.request("POST", f"{path}/sync", {}, token=token)
    assert (refused.status, refused.json["errors"]) == (200, [REFUSED]), refused.text
    binance.put(api_secret=binance.secret)  # the old secret works again
    again = api.request("POST", f"{path}/sync", {}, token=token)
    assert (again.json["created"], again.json["errors"]) == (1, []), again.text
    stored = got(api, path, token)
    assert (stored["status"], stored["last_error"]) == ("active", None)


def test_a_binance_account_counts_as_its_equity_at_goalposts_prices(api: Client) -> None:
    token = api.token(fresh("trader"))
    binance = binance_long(api)  # wallet 10000, LONG 0.5 BTCUSDT from 50000 at 10x: margin 2500
    account = connect(api, token, binance)
    assert api.request("PUT", "/_local/market", {"prices": {"BTCUSDT": 51000}, "fault": None}).status == 200
    try:
        assert api.request("POST", f"/accounts/{account['id']}/sync", {}, token=token).json["created"] == 1
        assert api.request("POST", "/_local/jobs/price_update", {}).status == 200  # prices the held symbols
        portfolio = got(api, "/portfolio/current", token)
    finally:
        assert api.request("PUT", "/_local/market", {"prices": {}}).status == 200
    assert portfolio["cash_balance"] == pytest.approx(7500)
    [row] = portfolio["positions"]
    assert (row["cost_basis"], row["current_value"]) == (pytest.approx(2500), pytest.approx(3000))
    # The wallet and the unrealized P&L at Goalpost's price: 10000 + (51000 - 50000) x 0.5.
    assert portfolio["total_value"] == pytest.approx(10500)


# The provider, the side held, the closing order's type and class in the provider's own words, the exit reason.
EXIT_REASONS = [
    tuple(row.split())
    for row in """
    binance_futures  LONG   TAKE_PROFIT           simple   TP_HIT
    binance_futures  SHORT  STOP_MARKET           simple   SL_HIT
    binance_futures  LONG   STOP                  simple   SL_HIT
    binance_futures  SHORT  TRAILING_STOP_MARKET  simple   TRAILING_STOP
    binance_futures  LONG   LIQUIDATION           simple   LIQUIDATION
    binance_futures  LONG   LIMIT                 simple   MANUAL
    alpaca           LONG   limit                 bracket  TP_HIT
    alpaca           LONG   stop                  bracket  SL_HIT
    alpaca           SHORT  stop_limit            simple   SL_HIT
    alpaca           LONG   trailing_stop         simple   TRAILING_STOP
    alpaca           LONG   market                simple   MANUAL
    alpaca           LONG   limit                 simple   MANUAL
    """.strip().splitlines()
]


@pytest.mark.parametrize(("provider", "side", "order_type", "order_class", "reason"), EXIT_REASONS)
def test_the_exit_reason_comes_from_the_closing_orders_type(
    api: Client, provider: str, side: str, order_type: str, order_class: str, reason: str
) -> None:
    """A position of 0.5 entered at 50000 (10 minutes ago, before the account was connected), closed on the
    provider at 51000 by an order of the given type. Its P&L is Binance's realizedPnl, or worked out for
    Alpaca (whose FILL activities carry no fee: the fills here have none)."""
    token = api.token(fresh("trader"))
    entry_side, exit_side = ("BUY", "SELL") if side == "LONG" else ("SELL", "BUY")
    alpaca = provider == "alpaca"
    # Alpaca's words are lower case, and a bracket's legs name its entry order.
    classed = {"order_class": order_class, "symbol": "AAPL", "fee": 0} if alpaca else {}
    entry_id = fresh("entry")
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    market_order = "market" if alpaca else "MARKET"
    entered = fill(entry_id, entry_side, 0.5, 50000, ten_minutes_ago, order_type=market_order, **classed)
    held = {**BTC_ENTRY, "symbol": entered["symbol"], "side": side, "leverage": 1}
    account = SimulatedAccount(api, provider, positions=[held], fills=[entered])
    connected = connect(api, token, account, paper=alpaca)
    sync_path = f"/accounts/{connected['id']}/sync"
    assert api.request("POST", sync_path, {}, token=token).json["created"] == 1
    leg = {"parent_order_id": entry_id} if order_class == "bracket" else {}
    closing = fill(fresh("exit"), exit_side, 0.5, 51000, datetime.now(UTC), order_type=order_type)
    account.put(positions=[], fills=[entered, {**closing, **classed, **leg}])
    closed = api.request("POST", sync_path, {}, token=token)
    assert (closed.status, closed.json["closed"], closed.json["errors"]) == (200, 1, []), closed.text
    [position] = positions(api, token)
    assert (position["status"], position["exit_price"], position["exit_reason"]) == ("CLOSED", 51000, reason)
    assert position["pnl_usd"] == pytest.approx(500 if side == "LONG" else -500)
    assert position["is_winning"] is (side == "LONG")


def test_a_disconnect_racing_syncs_leaves_no_position_linked_to_the_gone_account(api: Client) -> None:
    """Rounds of four syncs and the job racing a DELETE of an account whose position the syncs would create:
    whoever wins, every position of the user is unlinked afterwards, and none is there twice."""
    for round_number in range(6):
        token = api.token(fresh("trader"))
        account = connect(api, token, binance_long(api))
        path = f"/accounts/{account['id']}"
        start = Barrier(6)

        def call(n: int, path: str = path, token: str = token, start: Barrier = start) -> HttpReply:
            start.wait()
            if n == 0:
                return api.request("DELETE", path, token=token)
            if n == 1:
                return api.request("POST", "/_local/jobs/account_sync", {})
            return api.request("POST", f"{path}/sync", {}, token=token)

        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(call, range(6)))
        assert replies[0].status == 204, (round_number, replies[0].text)
        assert all(r.status in (200, 404) for r in replies[1:]), (round_number, [r.text for r in replies])
        held = positions(api, token)
        assert len(held) <= 1, (round_number, held)
        assert [p["account_id"] for p in held] == [None] * len(held), (round_number, held)
        assert api.request("GET", path, token=token).status == 404


def test_a_disconnected_accounts_positions_read_unlinked_at_once_and_the_cleanup_job_unlinks_them(
    api: Client,
) -> None:
    """Issue 25: the disconnect is one transaction; its positions answer unlinked at once (the contract's "its
    positions stay, unlinked") and the goal-cleanup job unlinks them in storage afterwards."""
    token = api.token(fresh("trader"))
    account = connect(api, token, binance_long(api))
    assert api.request("POST", f"/accounts/{account['id']}/sync", {}, token=token).json["created"] == 1
    held = {"symbol": "ETHUSDT", "quantity": 1, "entry_price": 3000, "account_id": account["id"]}
    placed = api.request("POST", "/positions", held, token=token)
    assert placed.status == 201, placed.text

    assert api.request("DELETE", f"/accounts/{account['id']}", token=token).status == 204
    unlinked = {(p["symbol"], p["account_id"], p["source"]) for p in positions(api, token)}
    assert unlinked == {("BTCUSDT", None, "exchange"), ("ETHUSDT", None, "manual")}
    assert got(api, f"/positions?account_id={account['id']}", token) == []
    assert got(api, f"/positions/{placed.json['id']}", token)["account_id"] is None
    closing = api.request("POST", f"/positions/{placed.json['id']}/close", {"exit_price": 3100}, token=token)
    assert (closing.status, closing.json["account_id"]) == (200, None), closing.text
    assert api.request("POST", "/positions", held, token=token).status == 404  # nothing links to it any more

    cleanup = api.request("POST", "/_local/jobs/goal_cleanup", {})
    assert cleanup.status == 200, cleanup.text
    assert cleanup.json["accounts"] >= 1
    assert (cleanup.json["worker"]["messages"], cleanup.json["worker"]["failed"]) == (cleanup.json["messages"], 0)
    assert api.request("POST", "/_local/jobs/goal_cleanup", {}).json["accounts"] == 0  # its tombstone is gone
    after = {(p["symbol"], p["status"], p["account_id"], p["source"]) for p in positions(api, token)}
    assert after == {("BTCUSDT", "OPEN", None, "exchange"), ("ETHUSDT", "CLOSED", None, "manual")}


def test_a_part_closed_on_binance_splits_off_and_an_increase_averages_the_entry(api: Client) -> None:
    token = api.token(fresh("trader"))
    entered = datetime.now(UTC) - timedelta(minutes=10)
    eth = {"symbol": "ETHUSDT", "side": "LONG", "leverage": 5}
    opening = fill(fresh("entry"), "BUY", 1, 3000, entered, symbol="ETHUSDT")
    binance = SimulatedAccount(api, "binance_futures", positions=[{**eth, "quantity": 1, "entry_price": 3000}])
    binance.put(fills=[opening])
    account = connect(api, token, binance)
    sync_path = f"/accounts/{account['id']}/sync"
    assert api.request("POST", sync_path, {}, token=token).json["created"] == 1

    part = fill(fresh("part"), "SELL", 0.6, 3100, datetime.now(UTC), symbol="ETHUSDT", fee=0.3)
    binance.put(positions=[{**eth, "quantity": 0.4, "entry_price": 3000}], fills=[opening, part])
    split = api.request("POST", sync_path, {}, token=token).json
    assert (split["created"], split["updated"], split["closed"], split["errors"]) == (0, 1, 1, [])
    by_status = {p["status"]: p for p in positions(api, token)}
    kept, closed = by_status["OPEN"], by_status["CLOSED"]
    assert (kept["quantity"], closed["quantity"], closed["parent_id"]) == (0.4, 0.6, kept["id"])
    assert (closed["exit_price"], closed["source"], closed["account_id"]) == (3100, "exchange", account["id"])
    assert closed["pnl_usd"] == pytest.approx(60)  # Binance's realizedPnl: (3100 - 3000) x 0.6
    assert monthly_income(api, token) == pytest.approx(60)

    added = fill(fresh("add"), "BUY", 0.6, 3200, datetime.now(UTC), symbol="ETHUSDT", fee=0.2)
    binance.put(positions=[{**eth, "quantity": 1, "entry_price": 3120}], fills=[opening, part, added])
    grown = api.request("POST", sync_path, {}, token=token).json
    assert (grown["created"], grown["updated"], grown["closed"]) == (0, 1, 0)
    kept = got(api, f"/positions/{kept['id']}", token)
    assert (kept["status"], kept["quantity"]) == ("OPEN", 1)
    assert kept["entry_price"] == pytest.approx(3120)  # (3000 x 0.4 + 3200 x 0.6) / 1
    assert len(closed_alerts(api, token)) == 1


@pytest.mark.parametrize("fault", ["error", "timeout", "garbage", "rate_limit", "redirect"])
def test_a_fault_of_the_accounts_provider_keeps_the_last_good_state_and_says_so(api: Client, fault: str) -> None:
    trader = synced_long(api)
    token, binance, account, sync_path = trader.token, trader.binance, trader.account, trader.sync_path
    before = positions(api, token), got(api, "/portfolio/current", token)["cash_balance"]

    take_profit(binance)
    binance.put(fault=fault)  # this key's provider fails; the close waits for it
    faulty = api.request("POST", sync_path, {}, token=token)
    assert faulty.status == 200, faulty.text
    assert (faulty.json["created"], faulty.json["closed"], faulty.json["cash"]) == (0, 0, None)
    [error] = faulty.json["errors"]
    run_sync_job(api)
    assert (positions(api, token), got(api, "/portfolio/current", token)["cash_balance"]) == before
    stored = got(api, f"/accounts/{account['id']}", token)
    assert (stored["status"], stored["last_error"]) == ("active", error)
    assert binance.secret not in faulty.text + str(stored)

    binance.put(fault=None)
    assert trader.sync()["closed"] == 1
    assert got(api, f"/accounts/{account['id']}", token)["last_error"] is None


def flipped(api: Client) -> tuple[SyncedLong, dict[str, Any], dict[str, Any]]:
    """The synced LONG 0.5 from 50000, then one SELL of 1 at 52000 (fee 2) that closes it and opens a SHORT 0.5
    (Binance's realizedPnl for that fill: (52000 - 50000) x 0.5 = 1000), synced: the closed LONG and the SHORT."""
    trader = synced_long(api)
    flip = fill(fresh("flip"), "SELL", 1, 52000, datetime.now(UTC), fee=2)
    short = {**BTC_ENTRY, "side": "SHORT", "entry_price": 52000}
    trader.binance.put(positions=[short], fills=[*trader.binance.body["fills"], flip])
    summary = trader.sync()
    assert (summary["created"], summary["closed"], summary["errors"]) == (1, 1, [])
    by_side = {p["side"]: p for p in positions(api, trader.token)}
    return trader, by_side["LONG"], by_side["SHORT"]


def test_one_fill_that_flips_a_long_into_a_short_closes_one_and_opens_the_other(api: Client) -> None:
    trader, long, short = flipped(api)
    assert (long["status"], long["exit_price"], long["quantity"], long["exit_reason"]) == (
        "CLOSED",
        52000,
        0.5,
        "MANUAL",
    )
    assert (short["status"], short["quantity"], short["entry_price"]) == ("OPEN", 0.5, 52000)
    assert short["account_id"] == trader.account["id"]
    assert trader.sync()["closed"] == 0
    assert len(positions(api, trader.token)) == 2
    assert len(closed_alerts(api, trader.token)) == 1


@pytest.mark.parametrize(
    "part",
    ["pnl", "fee-and-entry"],
)
def test_a_flipping_fill_counts_whole_on_each_side(api: Client, part: str) -> None:
    """The closed LONG books all of the fill's realizedPnl; the SHORT it opened, its half of the fee, at the
    fill's time."""
    _, long, short = flipped(api)
    if part == "pnl":
        assert long["pnl_usd"] == pytest.approx(1000)
    else:
        assert long["fees_paid"] + short["fees_paid"] == pytest.approx(2)
        assert datetime.fromisoformat(short["entry_time"]) == datetime.fromisoformat(long["exit_time"])


def test_a_close_whose_last_fill_shows_late_books_all_of_it(api: Client) -> None:
    """The exchange closed the LONG 0.5 with two fills, but lists only the first at the first sync: whether
    that sync waits or closes, the P&L, the exit price and the fees end up counting both fills, once."""
    trader = synced_long(api)
    now = datetime.now(UTC)
    first = fill(fresh("tp"), "SELL", 0.25, 51000, now, order_type="TAKE_PROFIT_MARKET")
    second = fill(
        first["order_id"], "SELL", 0.25, 53000, now + timedelta(milliseconds=5), order_type="TAKE_PROFIT_MARKET"
    )
    entry = trader.binance.body["fills"]
    trader.binance.put(positions=[], cash=11000, fills=[*entry, first])
    trader.sync()
    trader.binance.put(fills=[*entry, first, second])
    trader.sync()
    trader.sync()
    [closed] = positions(api, trader.token)
    assert (closed["status"], closed["exit_reason"]) == ("CLOSED", "TP_HIT")
    assert closed["exit_price"] == pytest.approx(52000)  # (51000 + 53000) / 2
    assert closed["pnl_usd"] == pytest.approx(250 + 750)  # Binance's realizedPnl of both fills
    assert closed["fees_paid"] == pytest.approx(1)
    assert monthly_income(api, trader.token) == pytest.approx(1000)
