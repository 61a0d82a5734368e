"""Positions and the position monitor over HTTP: the local server, its simulated market on loopback, the price
update and monitor jobs, the alerts they raise and the performance metrics, against the contract in API.md."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import FAST_MARKET, Client, HttpReply, start_server, stop_server

pytestmark = pytest.mark.e2e

NULL_ON_OPEN = (
    "exit_price",
    "exit_time",
    "exit_reason",
    "slippage",
    "pnl_usd",
    "pnl_percentage",
    "is_winning",
    "realized_pnl",
    "actual_rr_ratio",
    "trade_duration_minutes",
)


@pytest.fixture(scope="module")
def api() -> Iterator[Client]:
    """One server for the module, schedules off: the tests run the jobs themselves."""
    running = start_server("--schedules", "off", env=FAST_MARKET)
    yield running.client
    stop_server(running)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.isoformat()


def run_job(client: Client, name: str, now: datetime | None = None) -> dict[str, Any]:
    reply = client.request("POST", f"/_local/jobs/{name}", {"now": iso(now)} if now else {})
    assert reply.status == 200, reply.text
    return dict(reply.json)


def set_market(client: Client, prices: dict[str, float]) -> None:
    reply = client.request("PUT", "/_local/market", {"prices": prices, "fault": None})
    assert reply.status == 200, reply.text


def open_position(client: Client, token: str, **fields: Any) -> dict[str, Any]:
    reply = client.request("POST", "/positions", fields, token=token)
    assert reply.status == 201, reply.text
    return dict(reply.json)


def get_position(client: Client, token: str, position_id: str) -> dict[str, Any]:
    reply = client.request("GET", f"/positions/{position_id}", token=token)
    assert reply.status == 200, reply.text
    return dict(reply.json)


def close(client: Client, token: str, position_id: str, body: dict[str, Any] | None = None) -> HttpReply:
    return client.request("POST", f"/positions/{position_id}/close", body if body is not None else {}, token=token)


def closed_alerts(client: Client, token: str) -> list[dict[str, Any]]:
    reply = client.request("GET", "/alerts?type=position_closed&limit=100", token=token)
    assert reply.status == 200, reply.text
    assert "x-next-token" not in reply.headers
    return list(reply.json)


def closed_messages(client: Client, user: str) -> list[dict[str, Any]]:
    published = client.request("GET", "/_local/published").json
    return [
        m
        for m in published
        if m["attributes"].get("alert_type") == "position_closed" and m["attributes"].get("user_id") == user
    ]


def performance(client: Client, token: str, strategy: str | None = None) -> dict[str, Any]:
    reply = client.request("GET", "/performance" + (f"?strategy={strategy}" if strategy else ""), token=token)
    assert reply.status == 200, reply.text
    return dict(reply.json)


# -- 1. open, validate, list, read, isolation -------------------------------------------------------------------


def test_open_a_position_with_defaults(api: Client) -> None:
    token = api.token("pos-opener")
    before = datetime.now(UTC)
    position = open_position(
        api, token, symbol="e2eopen", quantity=3, entry_price=100, stop_loss=97, take_profit=110, strategy="breakout"
    )
    after = datetime.now(UTC)
    assert position["id"]
    assert position["symbol"] == "E2EOPEN"
    assert (position["side"], position["leverage"], position["fees_paid"], position["status"]) == (
        "LONG",
        1,
        0,
        "OPEN",
    )
    assert (position["quantity"], position["entry_price"]) == (3, 100)
    assert (position["stop_loss"], position["take_profit"], position["strategy"]) == (97, 110, "breakout")
    assert position["trailing_stop_percent"] is None
    assert position["max_duration_minutes"] is None
    assert position["risk_reward_ratio"] == 3.3333  # |110 - 100| / |100 - 97|, 4 decimals
    assert before - timedelta(seconds=1) <= when(position["entry_time"]) <= after + timedelta(seconds=1)
    assert when(position["entry_time"]).utcoffset() == timedelta(0)
    assert when(position["created_at"]) == when(position["updated_at"])
    for name in NULL_ON_OPEN:
        assert position[name] is None, name
    assert get_position(api, token, position["id"]) == position

    short = open_position(
        api,
        token,
        symbol="E2EOPEN",
        side="SHORT",
        quantity=0.5,
        entry_price=50000,
        entry_time="2026-01-05T09:30:00Z",
        leverage=125,
        stop_loss=51000,
        take_profit=47000,
        trailing_stop_percent=1.5,
        max_duration_minutes=240,
        fees_paid=12.5,
    )
    assert when(short["entry_time"]) == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    assert (short["side"], short["leverage"], short["fees_paid"]) == ("SHORT", 125, 12.5)
    assert (short["trailing_stop_percent"], short["max_duration_minutes"]) == (1.5, 240)
    assert short["risk_reward_ratio"] == 3.0
    assert short["strategy"] is None
    no_levels = open_position(api, token, symbol="E2EOPEN", quantity=1, entry_price=10)
    assert no_levels["risk_reward_ratio"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": 0},
        {"quantity": -1},
        {"entry_price": 0},
        {"entry_price": -5},
        {"leverage": 0},
        {"leverage": 126},
        {"stop_loss": 100},
        {"stop_loss": 101},
        {"take_profit": 100},
        {"take_profit": 99},
        {"side": "SHORT", "stop_loss": 99},
        {"side": "SHORT", "stop_loss": 100},
        {"side": "SHORT", "take_profit": 101},
        {"side": "SHORT", "take_profit": 100},
        {"side": "SIDEWAYS"},
        {"unexpected": 1},
        {"user_id": "someone-else"},
    ],
)
def test_open_rejects_invalid_positions(api: Client, change: dict[str, Any]) -> None:
    user = "pos-invalid"
    token = api.token(user)
    body = {"symbol": "E2EBAD", "quantity": 1, "entry_price": 100, **change}
    reply = api.request("POST", "/positions", body, token=token)
    assert reply.status == 422, reply.text
    assert isinstance(reply.json["detail"], list)
    assert api.request("GET", "/positions", token=token).json == []


def test_open_without_symbol_quantity_or_price_is_422(api: Client) -> None:
    token = api.token("pos-invalid-2")
    for missing in ("symbol", "quantity", "entry_price"):
        body = {"symbol": "E2EBAD", "quantity": 1, "entry_price": 100}
        del body[missing]
        assert api.request("POST", "/positions", body, token=token).status == 422, missing


def test_open_honours_the_idempotency_key(api: Client) -> None:
    token = api.token("pos-idem")
    body = {"symbol": "E2EIDEM", "quantity": 1, "entry_price": 100}
    first = api.request("POST", "/positions", body, token=token, headers={"Idempotency-Key": "open-1"})
    again = api.request("POST", "/positions", body, token=token, headers={"Idempotency-Key": "open-1"})
    assert (first.status, again.status) == (201, 201)
    assert again.json["id"] == first.json["id"]
    other = api.request(
        "POST", "/positions", {**body, "quantity": 2}, token=token, headers={"Idempotency-Key": "open-1"}
    )
    assert other.status == 422
    assert [p["id"] for p in api.request("GET", "/positions", token=token).json] == [first.json["id"]]


def test_list_newest_first_with_filters_and_pages(api: Client) -> None:
    token = api.token("pos-lister")
    specs = [
        ("E2ELA", "alpha"),
        ("E2ELB", "alpha"),
        ("E2ELA", "beta"),
        ("E2ELB", None),
        ("E2ELA", "alpha"),
    ]
    made = []
    for symbol, strategy in specs:
        fields: dict[str, Any] = {"symbol": symbol, "quantity": 1, "entry_price": 100}
        if strategy:
            fields["strategy"] = strategy
        made.append(open_position(api, token, **fields))
        time.sleep(0.003)  # distinct creation milliseconds, so "newest first" is well defined
    ids = [p["id"] for p in made]
    assert close(api, token, ids[1], {"exit_price": 101}).status == 200

    def listed(query: str = "") -> list[str]:
        reply = api.request("GET", "/positions" + query, token=token)
        assert reply.status == 200, reply.text
        return [p["id"] for p in reply.json]

    assert listed() == ids[::-1]
    assert listed("?status=OPEN") == [ids[4], ids[3], ids[2], ids[0]]
    assert listed("?status=CLOSED") == [ids[1]]
    assert listed("?symbol=E2ELA") == [ids[4], ids[2], ids[0]]
    assert listed("?symbol=e2elb") == [ids[3], ids[1]]
    assert listed("?strategy=alpha") == [ids[4], ids[1], ids[0]]
    assert listed("?status=OPEN&symbol=E2ELB") == [ids[3]]
    assert listed("?status=CLOSED&strategy=alpha") == [ids[1]]
    assert listed("?symbol=NOPE") == []
    rows = api.request("GET", "/positions?status=CLOSED", token=token).json
    assert (rows[0]["status"], rows[0]["exit_price"]) == ("CLOSED", 101)

    pages: list[list[str]] = []
    query = "?limit=2"
    while True:
        reply = api.request("GET", "/positions" + query, token=token)
        assert reply.status == 200, reply.text
        pages.append([p["id"] for p in reply.json])
        next_token = reply.headers.get("x-next-token")
        if not next_token:
            break
        query = f"?limit=2&next_token={next_token}"
        assert len(pages) < 10
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == ids[::-1]
    first_open = api.request("GET", "/positions?status=OPEN&limit=3", token=token)
    assert [p["id"] for p in first_open.json] == [ids[4], ids[3], ids[2]]
    assert first_open.headers.get("x-next-token")

    for bad in ("?limit=0", "?limit=101", "?status=PARTIAL", "?bot_id=a%23b", "?limit=x"):
        assert api.request("GET", "/positions" + bad, token=token).status == 422, bad


def test_another_users_position_is_404_everywhere(api: Client) -> None:
    owner = api.token("pos-owner")
    stranger = api.token("pos-stranger")
    position = open_position(api, owner, symbol="E2EMINE", quantity=1, entry_price=100, stop_loss=90)
    path = f"/positions/{position['id']}"
    assert api.request("GET", path, token=stranger).status == 404
    assert api.request("PATCH", path, {"stop_loss": 95}, token=stranger).status == 404
    reply = close(api, stranger, position["id"], {"exit_price": 120})
    assert reply.status == 404
    assert isinstance(reply.json["detail"], str)
    assert api.request("DELETE", path, token=stranger).status == 404
    assert api.request("GET", "/positions", token=stranger).json == []
    assert api.request("GET", "/positions/NOSUCHPOSITION", token=owner).status == 404
    assert api.request("GET", path).status == 401
    assert get_position(api, owner, position["id"]) == position  # untouched
    assert performance(api, stranger)["total_trades"] == 0


# -- 2. levels ----------------------------------------------------------------------------------------------------


def test_patch_levels_of_an_open_position(api: Client) -> None:
    token = api.token("pos-patcher")
    position = open_position(api, token, symbol="E2EPATCH", quantity=2, entry_price=100, stop_loss=90, take_profit=120)
    path = f"/positions/{position['id']}"
    reply = api.request(
        "PATCH",
        path,
        {"stop_loss": 95, "take_profit": 130, "trailing_stop_percent": 2.5, "max_duration_minutes": 60},
        token=token,
    )
    assert reply.status == 200, reply.text
    patched = reply.json
    assert (patched["stop_loss"], patched["take_profit"]) == (95, 130)
    assert (patched["trailing_stop_percent"], patched["max_duration_minutes"]) == (2.5, 60)
    assert patched["risk_reward_ratio"] == 6.0
    assert (patched["status"], patched["quantity"], patched["entry_price"]) == ("OPEN", 2, 100)
    assert get_position(api, token, position["id"]) == patched

    for bad in (
        {"stop_loss": 100},
        {"stop_loss": 101},
        {"take_profit": 100},
        {"take_profit": 99},
        {"trailing_stop_percent": 0},
        {"max_duration_minutes": 0},
        {"quantity": 5},
        {"entry_price": 1},
        {"status": "CLOSED"},
    ):
        assert api.request("PATCH", path, bad, token=token).status == 422, bad
    assert get_position(api, token, position["id"]) == patched

    assert close(api, token, position["id"], {"exit_price": 110}).status == 200
    reply = api.request("PATCH", path, {"stop_loss": 96}, token=token)
    assert reply.status == 409
    assert isinstance(reply.json["detail"], str)
    assert get_position(api, token, position["id"])["stop_loss"] == 95


# -- 3. manual close ------------------------------------------------------------------------------------------------


def test_close_at_a_given_price(api: Client) -> None:
    user = "pos-closer"
    token = api.token(user)
    loser = open_position(
        api,
        token,
        symbol="E2ECLOSE",
        quantity=3,
        entry_price=100.7,
        entry_time="2026-01-10T10:00:00Z",
        stop_loss=95,
        take_profit=120,
        fees_paid=1.5,
    )
    reply = close(api, token, loser["id"], {"exit_price": 99.2, "exit_time": "2026-01-10T12:05:30+00:00"})
    assert reply.status == 200, reply.text
    closed = reply.json
    assert (closed["status"], closed["exit_reason"], closed["exit_price"]) == ("CLOSED", "MANUAL", 99.2)
    assert when(closed["exit_time"]) == datetime(2026, 1, 10, 12, 5, 30, tzinfo=UTC)
    assert closed["pnl_usd"] == -6.0  # (99.2 - 100.7) * 3 - 1.5
    assert closed["realized_pnl"] == -6.0
    assert closed["pnl_percentage"] == -1.9861  # -6 / (100.7 * 3 / 1) * 100
    assert closed["is_winning"] is False
    assert closed["actual_rr_ratio"] == -0.2632  # |99.2 - 100.7| / |100.7 - 95|, a loss
    assert closed["trade_duration_minutes"] == 125
    assert closed["slippage"] is None  # a manual close has no trigger level
    assert get_position(api, token, loser["id"]) == closed

    winner = open_position(
        api, token, symbol="E2ECLOSE", side="SHORT", quantity=2, entry_price=50, leverage=4, stop_loss=52
    )
    closed = close(api, token, winner["id"], {"exit_price": 47}).json
    assert (closed["pnl_usd"], closed["realized_pnl"], closed["is_winning"]) == (6, 6, True)  # (50 - 47) * 2
    assert closed["pnl_percentage"] == 24.0  # 6 / (50 * 2 / 4) * 100
    assert closed["actual_rr_ratio"] == 1.5  # |47 - 50| / |50 - 52|
    assert closed["trade_duration_minutes"] == 0
    assert abs(when(closed["exit_time"]) - datetime.now(UTC)) < timedelta(seconds=30)

    again = close(api, token, winner["id"], {"exit_price": 45})
    assert again.status == 409
    assert isinstance(again.json["detail"], str)
    assert close(api, token, loser["id"]).status == 409
    assert get_position(api, token, winner["id"])["exit_price"] == 47

    alerts = closed_alerts(api, token)
    assert Counter(a["position_id"] for a in alerts) == {loser["id"]: 1, winner["id"]: 1}
    assert {a["alert_type"] for a in alerts} == {"position_closed"}
    messages = closed_messages(api, user)
    assert Counter(json.loads(m["message"])["position_id"] for m in messages) == {loser["id"]: 1, winner["id"]: 1}
    for message in messages:
        assert message["attributes"]["channel"] == "event"
        assert message["attributes"]["severity"]


def test_close_rejects_bad_bodies(api: Client) -> None:
    token = api.token("pos-bad-close")
    position = open_position(api, token, symbol="E2EBADCL", quantity=1, entry_price=100)
    for bad in ({"exit_price": 0}, {"exit_price": -1}, {"exit_time": "yesterday"}, {"price": 100}):
        assert close(api, token, position["id"], bad).status == 422, bad
    assert get_position(api, token, position["id"])["status"] == "OPEN"


def test_close_at_the_cached_price_or_400_without_one(api: Client) -> None:
    user = "pos-cache-closer"
    token = api.token(user)
    cached = open_position(api, token, symbol="E2ECACHE", quantity=2, entry_price=50)
    unpriced = open_position(api, token, symbol="E2ENOPRICE", quantity=1, entry_price=10)
    set_market(api, {"E2ECACHE": 55})
    summary = run_job(api, "price_update")
    assert "E2ECACHE" not in summary["missing"]
    assert "E2ENOPRICE" in summary["missing"]

    reply = close(api, token, cached["id"])
    assert reply.status == 200, reply.text
    closed = reply.json
    assert (closed["exit_reason"], closed["exit_price"], closed["pnl_usd"]) == ("MANUAL", 55, 10)
    assert (closed["pnl_percentage"], closed["is_winning"]) == (10.0, True)
    assert closed["actual_rr_ratio"] is None  # no stop loss

    reply = close(api, token, unpriced["id"])
    assert reply.status == 400
    assert isinstance(reply.json["detail"], str)
    assert get_position(api, token, unpriced["id"])["status"] == "OPEN"
    assert [a["position_id"] for a in closed_alerts(api, token)] == [cached["id"]]
    assert len(closed_messages(api, user)) == 1


# -- 4. the monitor -------------------------------------------------------------------------------------------------


def test_monitor_closes_at_take_profit_and_stop_loss(api: Client) -> None:
    user = "pos-levels"
    token = api.token(user)
    long_tp = open_position(api, token, symbol="E2ELTP", quantity=1, entry_price=100, stop_loss=90, take_profit=110)
    long_sl = open_position(api, token, symbol="E2ELSL", quantity=2, entry_price=200, stop_loss=190, take_profit=230)
    short_tp = open_position(
        api, token, symbol="E2ESTP", side="SHORT", quantity=4, entry_price=100, stop_loss=105, take_profit=90
    )
    short_sl = open_position(
        api, token, symbol="E2ESSL", side="SHORT", quantity=1, entry_price=100, stop_loss=105, take_profit=90
    )
    holding = open_position(api, token, symbol="E2EHOLD", quantity=5, entry_price=100, stop_loss=90, take_profit=110)
    set_market(api, {"E2ELTP": 111.5, "E2ELSL": 188, "E2ESTP": 90, "E2ESSL": 106, "E2EHOLD": 105})
    summary = run_job(api, "price_update")
    assert summary["monitor"]["closed"] == {"TP_HIT": 2, "SL_HIT": 2}

    closed = get_position(api, token, long_tp["id"])
    assert (closed["status"], closed["exit_reason"], closed["exit_price"]) == ("CLOSED", "TP_HIT", 111.5)
    assert closed["slippage"] == 1.3636  # |111.5 - 110| / 110 * 100
    assert (closed["pnl_usd"], closed["is_winning"], closed["actual_rr_ratio"]) == (11.5, True, 1.15)

    closed = get_position(api, token, long_sl["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"]) == ("SL_HIT", 188, 1.0526)
    assert (closed["pnl_usd"], closed["is_winning"], closed["actual_rr_ratio"]) == (-24, False, -1.2)
    assert closed["pnl_percentage"] == -6.0  # -24 / 400 * 100

    closed = get_position(api, token, short_tp["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"]) == ("TP_HIT", 90, 0)
    assert (closed["pnl_usd"], closed["actual_rr_ratio"]) == (40, 2.0)  # (100 - 90) * 4; 10 / 5

    closed = get_position(api, token, short_sl["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"]) == ("SL_HIT", 106, 0.9524)
    assert (closed["pnl_usd"], closed["actual_rr_ratio"]) == (-6, -1.2)

    still = get_position(api, token, holding["id"])
    assert (still["status"], still["last_updated_price"], still["unrealized_pnl"]) == ("OPEN", 105, 25)
    assert still["exit_reason"] is None

    expected = {long_tp["id"], long_sl["id"], short_tp["id"], short_sl["id"]}
    assert Counter(a["position_id"] for a in closed_alerts(api, token)) == dict.fromkeys(expected, 1)
    assert Counter(json.loads(m["message"])["position_id"] for m in closed_messages(api, user)) == dict.fromkeys(
        expected, 1
    )
    # Another pass changes nothing: the closed positions stay closed once.
    again = run_job(api, "position_monitor")
    assert again["closed"] == {}
    assert len(closed_alerts(api, token)) == 4


def test_refresh_runs_the_monitor(api: Client) -> None:
    token = api.token("pos-refresh")
    position = open_position(api, token, symbol="E2EREFR", quantity=1, entry_price=10, take_profit=12)
    set_market(api, {"E2EREFR": 12})
    reply = api.request("POST", "/prices/refresh", token=api.token("pos-ops", groups=["admin"]))
    assert reply.status == 200, reply.text
    assert reply.json["monitor"]["closed"] == {"TP_HIT": 1}
    closed = get_position(api, token, position["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"], closed["pnl_usd"]) == ("TP_HIT", 12, 0, 2)
    assert api.request("POST", "/prices/refresh", token=token).status == 403


def test_trailing_stops_follow_the_best_price(api: Client) -> None:
    token = api.token("pos-trailer")
    long = open_position(api, token, symbol="E2ETRL", quantity=1, entry_price=100, trailing_stop_percent=5)
    short = open_position(
        api, token, symbol="E2ETRS", side="SHORT", quantity=2, entry_price=100, trailing_stop_percent=5
    )
    for prices in ({"E2ETRL": 120, "E2ETRS": 80}, {"E2ETRL": 115, "E2ETRS": 83.5}):
        set_market(api, prices)
        assert run_job(api, "price_update")["monitor"]["closed"] == {}
        assert get_position(api, token, long["id"])["status"] == "OPEN"
        assert get_position(api, token, short["id"])["status"] == "OPEN"
    assert get_position(api, token, long["id"])["last_updated_price"] == 115
    assert get_position(api, token, short["id"])["unrealized_pnl"] == 33  # (100 - 83.5) * 2

    set_market(api, {"E2ETRL": 113, "E2ETRS": 85})  # below 120 * 0.95 = 114; above 80 * 1.05 = 84
    assert run_job(api, "price_update")["monitor"]["closed"] == {"TRAILING_STOP": 2}
    closed = get_position(api, token, long["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["pnl_usd"]) == ("TRAILING_STOP", 113, 13)
    assert closed["slippage"] == 0.8772  # |113 - 114| / 114 * 100
    closed = get_position(api, token, short["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["pnl_usd"]) == ("TRAILING_STOP", 85, 30)
    assert closed["slippage"] == 1.1905  # |85 - 84| / 84 * 100


def test_timeout_after_max_duration(api: Client) -> None:
    token = api.token("pos-timer")
    position = open_position(api, token, symbol="E2ETIME", quantity=1, entry_price=100, max_duration_minutes=1)
    set_market(api, {"E2ETIME": 101})
    assert run_job(api, "price_update")["monitor"]["closed"] == {}
    assert get_position(api, token, position["id"])["status"] == "OPEN"

    # 90 seconds on: past the one minute, and the price (fetched just now) is still fresh.
    later = datetime.now(UTC) + timedelta(seconds=90)
    summary = run_job(api, "position_monitor", later)
    assert "E2ETIME" not in summary["stale"]
    assert summary["closed"].get("TIMEOUT", 0) >= 1
    closed = get_position(api, token, position["id"])
    assert (closed["status"], closed["exit_reason"], closed["exit_price"]) == ("CLOSED", "TIMEOUT", 101)
    assert abs(when(closed["exit_time"]) - later) < timedelta(seconds=1)  # the monitor's "now", to the second
    assert (closed["pnl_usd"], closed["trade_duration_minutes"], closed["slippage"]) == (1, 1, None)


def test_liquidation_when_the_loss_reaches_the_margin(api: Client) -> None:
    token = api.token("pos-liquidated")
    long = open_position(api, token, symbol="E2ELIQL", quantity=1, entry_price=100, leverage=10)
    short = open_position(api, token, symbol="E2ELIQS", side="SHORT", quantity=2, entry_price=100, leverage=10)
    set_market(api, {"E2ELIQL": 90.5, "E2ELIQS": 109.5})  # losses 9.5 and 19: under the margins 10 and 20
    assert run_job(api, "price_update")["monitor"]["closed"] == {}
    assert get_position(api, token, long["id"])["unrealized_pnl"] == -9.5
    assert get_position(api, token, short["id"])["unrealized_pnl"] == -19

    set_market(api, {"E2ELIQL": 90, "E2ELIQS": 111})  # the long's loss reaches its margin; the short's passes it
    assert run_job(api, "price_update")["monitor"]["closed"] == {"LIQUIDATION": 2}
    closed = get_position(api, token, long["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["pnl_usd"]) == ("LIQUIDATION", 90, -10)
    assert (closed["pnl_percentage"], closed["is_winning"]) == (-100.0, False)
    closed = get_position(api, token, short["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["pnl_usd"]) == ("LIQUIDATION", 111, -22)
    assert closed["pnl_percentage"] == -110.0  # -22 / (100 * 2 / 10) * 100


def test_a_stale_price_is_reported_not_acted_on(api: Client) -> None:
    token = api.token("pos-stale")
    position = open_position(api, token, symbol="E2ESTALE", quantity=1, entry_price=100)
    set_market(api, {"E2ESTALE": 105})
    run_job(api, "price_update")
    reply = api.request("PATCH", f"/positions/{position['id']}", {"take_profit": 104}, token=token)
    assert reply.status == 200, reply.text  # the cached 105 is now past the take profit

    summary = run_job(api, "position_monitor", datetime.now(UTC) + timedelta(minutes=10))
    assert "E2ESTALE" in summary["stale"]  # the symbols whose price is stale
    assert summary["closed"] == {}
    assert get_position(api, token, position["id"])["status"] == "OPEN"
    assert closed_alerts(api, token) == []

    summary = run_job(api, "position_monitor")  # the same price, fresh as of now
    assert "E2ESTALE" not in summary["stale"]
    closed = get_position(api, token, position["id"])
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"]) == ("TP_HIT", 105, 0.9615)


# -- 5. the race ----------------------------------------------------------------------------------------------------


def test_manual_closes_racing_the_monitor_close_each_position_once(api: Client) -> None:
    user = "pos-racer"
    token = api.token(user)
    count = 10
    set_market(api, {"E2ERACE": 150})
    positions = [
        open_position(api, token, symbol="E2ERACE", quantity=1, entry_price=100, take_profit=200, strategy="race")
        for _ in range(count)
    ]
    summary = run_job(api, "price_update")  # caches 150; nothing crosses 200 yet
    assert summary["monitor"]["closed"] == {}
    for position in positions:  # now the cached 150 is past every take profit
        reply = api.request("PATCH", f"/positions/{position['id']}", {"take_profit": 120}, token=token)
        assert reply.status == 200, reply.text
    ids = [p["id"] for p in positions]
    far_future = {"now": iso(datetime.now(UTC) + timedelta(days=1))}  # every price stale: nothing closes

    def monitor(delay: float, body: dict[str, Any] | None = None) -> HttpReply:
        time.sleep(delay)
        return api.request("POST", "/_local/jobs/position_monitor", body or {})

    def manual_close(delay: float, position_id: str) -> HttpReply:
        time.sleep(delay)
        return close(api, token, position_id, {"exit_price": 149})

    with ThreadPoolExecutor(max_workers=2 * count + 4) as pool:
        # Warm one execution environment per concurrent caller first, so the race is not decided by cold starts.
        warm = [pool.submit(monitor, 0, far_future) for _ in range(4)]
        warm += [pool.submit(api.request, "GET", f"/positions/{i}", None, token=token) for i in ids + ids]
        assert {f.result().status for f in warm} == {200}
        # Two manual closes per position, spread over ~100 ms, racing four monitor runs spread over ~150 ms.
        monitors = [pool.submit(monitor, 0.05 * k) for k in range(4)]
        closes = [pool.submit(manual_close, 0.01 * (k % count), i) for k, i in enumerate(ids + ids)]
        close_replies = [f.result() for f in closes]
        monitor_replies = [f.result() for f in monitors]

    assert [r.status for r in monitor_replies] == [200] * len(monitor_replies), [r.text for r in monitor_replies]
    assert {r.status for r in close_replies} <= {200, 409}, [r.text for r in close_replies]
    won = Counter(i for i, r in zip(ids + ids, close_replies, strict=True) if r.status == 200)
    assert set(won.values()) <= {1}  # never two manual closes of one position
    manual = set(won)
    by_monitor = sum(r.json["closed"].get("TP_HIT", 0) for r in monitor_replies)
    assert len(manual) + by_monitor == count

    for position_id in ids:
        final = get_position(api, token, position_id)
        assert final["status"] == "CLOSED"
        if position_id in manual:
            assert (final["exit_reason"], final["exit_price"]) == ("MANUAL", 149)
        else:
            assert (final["exit_reason"], final["exit_price"]) == ("TP_HIT", 150)

    assert Counter(a["position_id"] for a in closed_alerts(api, token)) == dict.fromkeys(ids, 1)
    assert Counter(json.loads(m["message"])["position_id"] for m in closed_messages(api, user)) == dict.fromkeys(ids, 1)
    stats = performance(api, token)
    assert stats["total_trades"] == count
    assert (stats["winning_trades"], stats["losing_trades"]) == (count, 0)
    assert stats["manual_exit_rate"] == round(len(manual) / count * 100, 2)
    assert stats["tp_hit_rate"] == round(by_monitor / count * 100, 2)
    assert stats["by_strategy"]["race"]["total_trades"] == count


# -- 6. performance ---------------------------------------------------------------------------------------------


def test_performance_metrics_and_deletes(api: Client) -> None:
    token = api.token("pos-perf")
    empty = performance(api, token)
    assert (empty["strategy"], empty["total_trades"], empty["winning_trades"], empty["losing_trades"]) == (
        None,
        0,
        0,
        0,
    )
    assert (empty["win_rate"], empty["profit_factor"], empty["by_strategy"]) == (None, None, {})

    tp = open_position(
        api, token, symbol="E2EPF1", quantity=1, entry_price=100, stop_loss=90, take_profit=120, strategy="breakout"
    )
    sl = open_position(
        api, token, symbol="E2EPF2", quantity=2, entry_price=50, stop_loss=45, take_profit=60, strategy="breakout"
    )
    manual = open_position(
        api, token, symbol="E2EPF3", quantity=10, entry_price=10, stop_loss=9, take_profit=12, strategy="scalp"
    )
    still_open = open_position(api, token, symbol="E2EPF4", quantity=1, entry_price=10, strategy="scalp")
    set_market(api, {"E2EPF1": 125, "E2EPF2": 44})
    assert run_job(api, "price_update")["monitor"]["closed"] == {"TP_HIT": 1, "SL_HIT": 1}
    assert close(api, token, manual["id"], {"exit_price": 11.1}).status == 200
    # P&L: 25 (TP), -12 (SL), 11 (manual); R multiples 2.5, -1.2, 1.1 against a planned 2 each.

    stats = performance(api, token)
    assert stats["strategy"] is None
    assert (stats["total_trades"], stats["winning_trades"], stats["losing_trades"]) == (3, 2, 1)
    assert (stats["win_rate"], stats["total_pnl"], stats["avg_pnl"]) == (66.67, 24, 8)
    assert (stats["avg_win"], stats["avg_loss"], stats["profit_factor"]) == (18, -12, 3)
    assert (stats["tp_hit_rate"], stats["sl_hit_rate"], stats["manual_exit_rate"]) == (33.33, 33.33, 33.33)
    assert (stats["avg_planned_rr"], stats["avg_actual_rr"], stats["rr_achievement_rate"]) == (2, 0.8, 40)
    assert stats["avg_slippage"] == pytest.approx(3.1944, abs=0.01)  # 4.1667 (TP) and 2.2222 (SL)
    assert stats["max_drawdown_percent"] is None  # no portfolio snapshots
    assert set(stats["by_strategy"]) == {"breakout", "scalp"}
    assert set(stats["by_strategy"]["breakout"]) == set(stats) - {"by_strategy", "by_bot", "by_prompt"}
    assert stats["by_strategy"]["scalp"]["total_trades"] == 1

    breakout = performance(api, token, "breakout")
    assert breakout["strategy"] == "breakout"
    assert (breakout["total_trades"], breakout["winning_trades"], breakout["losing_trades"]) == (2, 1, 1)
    assert (breakout["win_rate"], breakout["total_pnl"], breakout["tp_hit_rate"]) == (50, 13, 50)
    assert breakout["profit_factor"] == pytest.approx(25 / 12, abs=0.01)
    assert breakout["manual_exit_rate"] == 0
    assert set(breakout["by_strategy"]) <= {"breakout"}
    scalp = performance(api, token, "scalp")
    assert (scalp["total_trades"], scalp["winning_trades"], scalp["losing_trades"]) == (1, 1, 0)
    assert (scalp["win_rate"], scalp["total_pnl"], scalp["manual_exit_rate"]) == (100, 11, 100)
    assert (scalp["profit_factor"], scalp["avg_loss"]) == (None, None)
    assert performance(api, token, "nothing-here")["total_trades"] == 0

    # A mistaken entry: deleting the TP close takes it out of every metric.
    path = f"/positions/{tp['id']}"
    reply = api.request("DELETE", path, token=token)
    assert (reply.status, reply.text) == (204, "")
    assert api.request("GET", path, token=token).status == 404
    assert api.request("DELETE", path, token=token).status == 404
    stats = performance(api, token)
    assert (stats["total_trades"], stats["winning_trades"], stats["losing_trades"]) == (2, 1, 1)
    assert (stats["total_pnl"], stats["win_rate"], stats["tp_hit_rate"]) == (-1, 50, 0)
    assert stats["profit_factor"] == pytest.approx(11 / 12, abs=0.01)
    assert stats["by_strategy"]["breakout"]["total_trades"] == 1
    assert performance(api, token, "breakout")["tp_hit_rate"] == 0

    reply = api.request("DELETE", f"/positions/{still_open['id']}", token=token)
    assert reply.status == 204
    assert api.request("GET", f"/positions/{still_open['id']}", token=token).status == 404
    assert performance(api, token)["total_trades"] == 2
    listed = {p["id"] for p in api.request("GET", "/positions", token=token).json}
    assert listed == {sl["id"], manual["id"]}


# -- r2: bots, prompts and orders ----------------------------------------------------------------------------

# What the seed bot's save_transaction_to_db() saves, in its own names, less its user fields (the token's).
BOT_TRADE = {
    "bot_id": "e2e-bot",
    "subscription_id": "sub-1",
    "prompt_id": "e2e-prompt",
    "action": "BUY",
    "position_side": "LONG",
    "symbol": "E2EBOT",
    "quantity": 2,
    "entry_price": 100,
    "entry_time": "2026-01-05T10:00:00Z",
    "leverage": 5,
    "stop_loss": 95,
    "take_profit": 110,
    "risk_reward_ratio": 2.0,
    "strategy_used": "llm-breakout",
    "confidence": 75,
    "reason": "Range breakout on volume",
    "status": "OPEN",
}


def test_the_seed_bots_payload_is_accepted_and_its_trade_counts_per_bot_and_prompt(api: Client) -> None:
    user = "pos-bot"
    token = api.token(user)
    for forged in ({"user_id": user}, {"user_principal_id": user}):
        refused = api.request("POST", "/positions", {**BOT_TRADE, **forged}, token=token)
        assert refused.status == 422, refused.text
    position = open_position(api, token, **BOT_TRADE)
    assert (position["side"], position["strategy"], position["status"]) == ("LONG", "llm-breakout", "OPEN")
    assert (position["bot_id"], position["prompt_id"], position["subscription_id"]) == (
        "e2e-bot",
        "e2e-prompt",
        "sub-1",
    )
    assert (position["confidence"], position["reason"]) == (75, "Range breakout on volume")
    assert (position["source"], position["parent_id"], position["account_id"]) == ("manual", None, None)
    assert position["risk_reward_ratio"] == 2.0  # computed: |110 - 100| / |100 - 95|
    listed = api.request("GET", "/positions?bot_id=e2e-bot", token=token)
    assert [p["id"] for p in listed.json] == [position["id"]]
    assert api.request("GET", "/positions?prompt_id=other", token=token).json == []

    set_market(api, {"E2EBOT": 110})
    run_job(api, "price_update")
    closed = get_position(api, token, position["id"])
    assert (closed["status"], closed["exit_reason"], closed["pnl_usd"]) == ("CLOSED", "TP_HIT", 20)
    (alert,) = closed_alerts(api, token)
    assert alert["message"] == "E2EBOT LONG closed by TP_HIT at 110.00: +20.00 USD"
    assert alert["action_url"] == f"/app/positions/{position['id']}"
    metrics = performance(api, token)
    assert metrics["by_bot"]["e2e-bot"]["total_trades"] == 1
    assert metrics["by_prompt"]["e2e-prompt"]["total_pnl"] == 20
    by_bot = api.request("GET", "/performance?bot_id=e2e-bot", token=token)
    assert by_bot.status == 200, by_bot.text
    assert by_bot.json["total_trades"] == 1


def test_an_order_is_placed_filled_or_cancelled_over_http(api: Client) -> None:
    token = api.token("pos-orders")
    order = open_position(
        api, token, symbol="E2EORD", quantity=1, entry_price=100, stop_loss=90, take_profit=120, status="PENDING"
    )
    assert order["status"] == "PENDING"
    set_market(api, {"E2EORD": 125})  # past its take profit: a PENDING order is neither fetched nor monitored
    run_job(api, "price_update")
    assert get_position(api, token, order["id"])["status"] == "PENDING"
    path = f"/positions/{order['id']}"
    assert api.request("POST", f"{path}/fill", {"entry_price": 121}, token=token).status == 422
    assert api.request("POST", f"{path}/close", {"exit_price": 101}, token=token).status == 409
    filled = api.request("POST", f"{path}/fill", {"entry_price": 101, "quantity": 1.5}, token=token)
    assert filled.status == 200, filled.text
    assert (filled.json["status"], filled.json["entry_price"], filled.json["quantity"]) == ("OPEN", 101, 1.5)
    assert api.request("POST", f"{path}/fill", {}, token=token).status == 409
    assert api.request("POST", f"{path}/cancel", {}, token=token).status == 409
    run_job(api, "price_update")  # now OPEN: its symbol is fetched, 125 is beyond its take profit
    assert get_position(api, token, order["id"])["exit_reason"] == "TP_HIT"

    other = open_position(api, token, symbol="E2EORD", quantity=1, entry_price=100, status="PENDING")
    cancelled = api.request(
        "POST", f"/positions/{other['id']}/cancel", {"failed": True, "reason": "Rejected"}, token=token
    )
    assert cancelled.status == 200, cancelled.text
    assert (cancelled.json["status"], cancelled.json["reason"]) == ("FAILED", "Rejected")
    assert api.request("POST", f"/positions/{other['id']}/fill", {}, token=token).status == 409
    stranger = api.token("pos-orders-stranger")
    assert api.request("POST", f"/positions/{other['id']}/cancel", {}, token=stranger).status == 404
    assert api.request("DELETE", f"/positions/{other['id']}", token=token).status == 204
    assert api.request("GET", "/positions?status=PENDING", token=token).json == []
