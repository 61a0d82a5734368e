"""Races over HTTP, each repeated many times against one local server (schedules and throttling off), with
truly concurrent requests from a thread pool released together by a barrier. Every round uses fresh users (and
fresh symbols), so rounds are independent, and after every round the invariants below must hold with zero
violations; every assertion message names the round. No request may go unanswered or answer 5xx. Quick depth
runs a few rounds per race, ``GOALPOST_VERIFY=1`` about ten times as many (``tests.depth.scaled``).

1. Concurrent runs of each job for the same moment (two or three identical ``now`` values; where the API has a
   path doing the same work, it runs truly concurrently with them: ``POST /prices/refresh`` for the price
   update, ``POST /goals/manual-snapshot`` for the end-of-day evaluation). Every run answers 200, and nothing is
   duplicated:
   - ``end_of_day_goals``: one trading-goal history row per goal type for the day; one ``calculated`` progress
     entry for a ``portfolio_value`` goal; ``deadline_imminent``, ``deadline_approaching`` and the trading
     ``goal_achieved`` alert each exactly once; no alert twice, and each alert once on the shared SNS topic.
   - ``snapshot`` (two runs at one moment, a third later in the same 5-minute slot): one snapshot for the user
     and slot, with the right values.
   - ``price_update`` (two runs and an admin refresh, after the market moved): the cache holds the new price;
     crossed positions are closed exactly once at it, the runs' reported closes add up to them, the position
     not crossed stays OPEN with its mark updated; one alert and one SNS message per close; ``total_trades``.
   - ``position_monitor`` (three runs): each crossed position closed once (TP_HIT at the cached price), the runs'
     closes add up to the positions, one alert and one SNS message each, ``total_trades`` = positions.
   - ``deliver_alerts`` (three runs when the quiet hours end): each deferred email sent exactly once (one SNS
     email message per alert, the runs' ``sent`` add up to them), none before, none by a later run.
2. Manual closes racing the monitor: positions whose stop loss the cached price is past (their stop losses
   were raised), closed by hand (two requests per position) while two position monitor runs, a price update run
   (fetching a new price that is past them too, then running the monitor for that symbol) and an admin price
   refresh (the same) run at once. Manual closes answer 200 or 409, at most one 200 per position; every
   position ends CLOSED, MANUAL exactly for those, else SL_HIT at one of the two cached prices; the closes the
   runs report plus the manual ones equal the positions; one ``position_closed`` alert and one SNS message per
   position; ``total_trades`` = positions and ``manual_exit_rate`` matches.
3. Funding links on one goal: 14 concurrent links of 10 % each racing two PATCHes raising one existing link (to
   30 and to 25), a PATCH and a DELETE of another link, and a PATCH of the goal. Links answer only 201 or 400
   (the 100 % rule), the link PATCHes 200 or 400 (or 404 once unlinked), the DELETE 204, the goal PATCH 200.
   Afterwards the listed links are exactly what the successful requests imply (the raised link at a value one of
   its accepted PATCHes wrote, the unlinked one gone) and sum to at most 100; the goal keeps its PATCHed fields
   and one progress entry; and the goal's hidden running total agrees with the listed links (a link of exactly
   the room left is accepted, one point more is refused), so no race lost or double-counted a share.
4. Identical requests under one ``Idempotency-Key`` (``POST /goals``, ``POST /positions``,
   ``POST /goals/{id}/funding``), eight at once: exactly one object is created; every answer is 201 with one and
   the same body, or 409 "still in progress"; a later retry returns 201 with that body; the same key with another
   body is 422. A burst mixing two bodies under one key also creates exactly one object (the others answer 409
   or 422), and a retry of the winning body returns it.

Every ``ROUNDS_PER_SERVER`` rounds the module's server is replaced by a fresh one (see ``LocalServer``): the local
AWS emulation slows down as its tables fill, and rounds share nothing anyway.

The local server runs one run of a given job at a time (``infra.local.scheduler.JobRunner`` holds a lock per
job name), so two runs of the same job overlap only with the other paths named above; the rounds still prove
that a second run for the same moment changes nothing.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import uuid4

import pytest

from tests.depth import scaled
from tests.e2e.conftest import FAST_MARKET, Client, HttpReply, Server, start_server, stop_server

pytestmark = pytest.mark.e2e

OVER_ALLOCATED = "Total allocation would exceed 100%"
IN_PROGRESS = "A request with this Idempotency-Key is still in progress"
KEY_REUSED = "Idempotency-Key was already used with a different request body"

Call = Callable[[], HttpReply]


# Moto's DynamoDB deep-copies each table a TransactWriteItems touches (to roll back a failed one), and the local
# server serializes its AWS calls: every write transaction gets slower as the tables fill up, and the fan-out
# jobs also evaluate every user ever registered. So the server is replaced by a fresh one after this many
# rounds, which keeps each round's cost flat (a long run on one server ends in client timeouts at thorough depth).
ROUNDS_PER_SERVER = 10


class LocalServer:
    """The module's local server (schedules off: the tests run the jobs; no throttling of the bursts), replaced
    by a fresh one every ``ROUNDS_PER_SERVER`` rounds. Rounds never share state, so they may run on any."""

    def __init__(self) -> None:
        self._server: Server | None = None
        self._rounds = 0
        self._stopping: list[threading.Thread] = []

    def round(self) -> Client:
        """The client for the next round."""
        if self._server is None or self._rounds >= ROUNDS_PER_SERVER:
            previous = self._server
            self._server = start_server("--schedules", "off", "--throttle", "off", env=FAST_MARKET)
            self._rounds = 0
            if previous is not None:  # stopping takes a moment; the next round need not wait for it
                stopping = threading.Thread(target=stop_server, args=(previous,))
                stopping.start()
                self._stopping.append(stopping)
        self._rounds += 1
        return self._server.client

    def stop(self) -> None:
        if self._server is not None:
            stop_server(self._server)
        for stopping in self._stopping:
            stopping.join()


@pytest.fixture(scope="module")
def local() -> Iterator[LocalServer]:
    servers = LocalServer()
    yield servers
    servers.stop()


# --- helpers -----------------------------------------------------------------------------------------------------


def fresh_user(api: Client, **extra: Any) -> tuple[str, str]:
    user = f"race-{uuid4().hex[:8]}"
    return user, api.token(user, **extra)


def fresh_symbol(prefix: str) -> str:
    return f"{prefix}{uuid4().hex[:8]}".upper()


def fire(label: str, calls: list[Call]) -> list[HttpReply]:
    """Runs every call at once (each on its own thread, released together) and returns the replies in order;
    a request without an HTTP answer, or any 5xx, fails the round."""
    barrier = threading.Barrier(len(calls))

    def run(call: Call) -> HttpReply | BaseException:
        barrier.wait()
        try:
            return call()
        except OSError as error:  # e.g. a connection reset: reported below with the round
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = [future.result() for future in [pool.submit(run, call) for call in calls]]
    failures = [f"#{n}: {result!r}" for n, result in enumerate(results) if not isinstance(result, HttpReply)]
    assert not failures, f"{label}: requests without an HTTP answer: {failures}"
    replies = [result for result in results if isinstance(result, HttpReply)]
    errors = [(n, r.status, r.text) for n, r in enumerate(replies) if r.status >= 500]
    assert not errors, f"{label}: server errors: {errors}"
    return replies


def ok(label: str, reply: HttpReply, status: int = 200) -> Any:
    assert reply.status == status, f"{label}: expected {status}, got {reply.status} {reply.text}"
    return reply.json if reply.text else None


def set_market(api: Client, prices: dict[str, float]) -> None:
    ok("market", api.request("PUT", "/_local/market", {"prices": prices, "fault": None}))


def call(
    api: Client, method: str, path: str, body: Any = None, token: str | None = None, key: str | None = None
) -> Call:
    """One request, ready to fire (its arguments bound now)."""
    return partial(api.request, method, path, body, token=token, headers={"Idempotency-Key": key} if key else None)


def job(api: Client, name: str, now: datetime | None = None) -> Call:
    return call(api, "POST", f"/_local/jobs/{name}", {"now": now.isoformat()} if now else {})


def create(label: str, api: Client, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return dict(ok(label, api.request("POST", path, body, token=token), 201))


def open_position(label: str, api: Client, token: str, **fields: Any) -> dict[str, Any]:
    return create(label, api, token, "/positions", fields)


def get_position(label: str, api: Client, token: str, position_id: str) -> dict[str, Any]:
    return dict(ok(label, api.request("GET", f"/positions/{position_id}", token=token)))


def all_alerts(label: str, api: Client, token: str) -> list[dict[str, Any]]:
    reply = api.request("GET", "/alerts?limit=100", token=token)
    alerts = ok(label, reply)
    assert "x-next-token" not in reply.headers, f"{label}: more than 100 alerts"
    return list(alerts)


def published_for(api: Client, user: str) -> list[dict[str, Any]]:
    return [m for m in api.request("GET", "/_local/published").json if m["attributes"].get("user_id") == user]


def duplicates(values: list[Any]) -> dict[Any, int]:
    return {value: count for value, count in Counter(values).items() if count > 1}


def assert_alerts_once(label: str, api: Client, user: str, token: str) -> list[dict[str, Any]]:
    """Each alert once per (type, goal, position), and each on the shared topic once, nothing else there."""
    alerts = all_alerts(label, api, token)
    keys = [(a["alert_type"], a["goal_id"], a["position_id"]) for a in alerts]
    assert not duplicates(keys), f"{label}: alerts raised twice: {duplicates(keys)}"
    events = [m for m in published_for(api, user) if m["attributes"]["channel"] == "event"]
    sent = [m["attributes"]["alert_id"] for m in events]
    assert not duplicates(sent), f"{label}: alerts published twice: {duplicates(sent)}"
    assert set(sent) == {a["id"] for a in alerts}, f"{label}: published {sorted(sent)} vs stored {alerts}"
    return alerts


def monitor_closes(summary: dict[str, Any]) -> int:
    """The closes one job summary (position_monitor, or a price update's monitor run) reports."""
    run = summary if "closed" in summary else summary.get("monitor") or {}
    return sum(run.get("closed", {}).values())


def check_positions_closed_once(
    label: str,
    api: Client,
    user: str,
    token: str,
    expected: Mapping[str, tuple[str, Collection[float]]],
) -> None:
    """Every position in ``expected`` is CLOSED with that exit_reason at one of those exit prices; one
    position_closed alert and one SNS message each; the performance metrics count each trade once."""
    for position_id, (reason, prices) in expected.items():
        final = get_position(label, api, token, position_id)
        assert final["status"] == "CLOSED", f"{label}: {position_id} is {final['status']}"
        assert final["exit_reason"] == reason, f"{label}: {reason} expected: {final}"
        assert final["exit_price"] in prices, f"{label}: exit price not in {prices}: {final}"
    alerts = assert_alerts_once(label, api, user, token)
    closed = Counter(a["position_id"] for a in alerts if a["alert_type"] == "position_closed")
    assert closed == dict.fromkeys(expected, 1), f"{label}: position_closed alerts {dict(closed)}"
    messages = [
        json.loads(m["message"])["position_id"]
        for m in published_for(api, user)
        if m["attributes"]["alert_type"] == "position_closed"
    ]
    assert Counter(messages) == dict.fromkeys(expected, 1), f"{label}: SNS messages {Counter(messages)}"
    stats = ok(label, api.request("GET", "/performance", token=token))
    assert stats["total_trades"] == len(expected), f"{label}: total_trades {stats['total_trades']}"
    assert stats["winning_trades"] + stats["losing_trades"] == len(expected), f"{label}: {stats}"


# --- 1. concurrent runs of each job for the same moment ----------------------------------------------------------


# The fan-out jobs come first, on a fresh server: each of their runs evaluates every user ever registered.


def _wait_clear_of_midnight() -> datetime:
    """Now, but not within two minutes of midnight UTC (the manual snapshot takes today's date from the clock)."""
    now = datetime.now(UTC)
    if now.hour == 23 and now.minute >= 58:
        time.sleep((now.replace(hour=0, minute=0, second=0) + timedelta(days=1, seconds=1) - now).total_seconds())
        now = datetime.now(UTC)
    return now.replace(microsecond=0)


def test_concurrent_end_of_day_runs_write_one_history_row_and_raise_each_alert_once(local: LocalServer) -> None:
    for round_ in range(scaled(5, 50)):
        label = f"round {round_}"
        api = local.round()
        user, token = fresh_user(api)
        ok(label, api.request("PUT", "/portfolio/cash", {"cash_balance": 1000}, token=token))
        ok(label, api.request("PUT", "/goals/targets?portfolio_value_target=500", token=token))
        now = _wait_clear_of_midnight()
        today = now.date()
        soon = {"name": "Soon", "type": "savings", "target_amount": 900, "deadline": str(today + timedelta(days=3))}
        imminent = create(label, api, token, "/goals", soon)
        value = {"name": "Value", "type": "portfolio_value", "target_amount": 5000}
        approaching = create(label, api, token, "/goals", {**value, "deadline": str(today + timedelta(days=20))})
        runs = fire(
            label,
            [
                job(api, "end_of_day_goals", now),
                job(api, "end_of_day_goals", now),
                call(api, "POST", "/goals/manual-snapshot", token=token),
            ],
        )
        assert [r.status for r in runs] == [200] * 3, f"{label}: {[r.text for r in runs]}"
        assert all(r.json["worker"]["failed"] == 0 for r in runs[:2]), f"{label}: {[r.json for r in runs]}"
        day = runs[2].json["timestamp"][:10]
        assert day == today.isoformat(), f"{label}: the manual snapshot evaluated {day}, the runs {today}"

        for goal_type, actual in (("portfolio_value", 1000), ("monthly_return", None), ("monthly_income", 0)):
            rows = ok(label, api.request("GET", f"/goals/history/{goal_type}?days=30", token=token))["history"]
            dates = [row["date"] for row in rows]
            assert dates == [today.isoformat()], f"{label}: {goal_type} history {rows}"
            if actual is not None:
                assert rows[0]["actual_value"] == actual, f"{label}: {goal_type} history {rows}"

        entries = ok(label, api.request("GET", f"/goals/{approaching['id']}/progress/history", token=token))
        assert [(e["source"], e["value_at_period"]) for e in entries] == [("calculated", 1000)], (
            f"{label}: calculated entries {entries}"
        )
        value_goal = ok(label, api.request("GET", f"/goals/{approaching['id']}", token=token))
        assert value_goal["current_amount"] == 1000, f"{label}: {value_goal}"

        alerts = assert_alerts_once(label, api, user, token)
        kinds = Counter((a["alert_type"], a["goal_id"]) for a in alerts)
        for wanted in (
            ("deadline_imminent", imminent["id"]),
            ("deadline_approaching", approaching["id"]),
            ("goal_achieved", "trading-portfolio_value"),
        ):
            assert kinds[wanted] == 1, f"{label}: {wanted} raised {kinds[wanted]} times: {dict(kinds)}"


def test_concurrent_snapshot_runs_write_one_snapshot_per_user_and_slot(local: LocalServer) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 5 + 5)  # the slot before the current one
    for round_ in range(scaled(5, 50)):
        label = f"round {round_}"
        api = local.round()
        _, token = fresh_user(api)
        ok(label, api.request("PUT", "/portfolio/cash", {"cash_balance": 1000}, token=token))
        open_position(label, api, token, symbol=fresh_symbol("RS"), quantity=2, entry_price=50)
        slot = start - timedelta(minutes=5 * round_)
        now = slot + timedelta(seconds=30)
        runs = fire(
            label,
            [
                job(api, "snapshot", now),
                job(api, "snapshot", now),
                job(api, "snapshot", slot + timedelta(minutes=4, seconds=59)),  # the same slot
            ],
        )
        assert [r.status for r in runs] == [200] * 3, f"{label}: {[r.text for r in runs]}"
        assert all(r.json["worker"]["failed"] == 0 for r in runs), f"{label}: {[r.json for r in runs]}"
        slots = {datetime.fromisoformat(r.json["slot"]) for r in runs}
        assert slots == {slot}, f"{label}: {[r.json for r in runs]}"
        snapshots = ok(label, api.request("GET", "/portfolio/snapshots?limit=100", token=token))
        assert [datetime.fromisoformat(s["timestamp"]) for s in snapshots] == [slot], f"{label}: {snapshots}"
        (snapshot,) = snapshots
        assert (snapshot["total_value"], snapshot["cash_balance"], snapshot["investment_value"]) == (1100, 1000, 100), (
            f"{label}: {snapshot}"
        )
        assert len(snapshot["positions"]) == 1, f"{label}: {snapshot}"


def trading_round(local: LocalServer, prefix: str) -> tuple[Client, str, str, str, str]:
    """A round's server, an admin token, a fresh user and token, and a fresh symbol the market prices at 100."""
    api = local.round()
    _, admin = fresh_user(api, groups=["admin"])
    user, token = fresh_user(api)
    symbol = fresh_symbol(prefix)
    set_market(api, {symbol: 100})
    return api, admin, user, token, symbol


def test_concurrent_price_updates_store_once_and_close_each_crossed_position_once(local: LocalServer) -> None:
    for round_ in range(scaled(5, 50)):
        label = f"round {round_}"
        api, admin, user, token, symbol = trading_round(local, "RP")
        longs = [
            open_position(label, api, token, symbol=symbol, quantity=1, entry_price=100, stop_loss=95) for _ in range(3)
        ]
        short = open_position(
            label, api, token, symbol=symbol, side="SHORT", quantity=2, entry_price=100, stop_loss=105, take_profit=50
        )
        ok(label, job(api, "price_update")())
        set_market(api, {symbol: 90})
        now = datetime.now(UTC).replace(microsecond=0)
        runs = fire(
            label,
            [
                job(api, "price_update", now),
                job(api, "price_update", now),
                call(api, "POST", "/prices/refresh", token=admin),
            ],
        )
        assert [r.status for r in runs] == [200, 200, 200], f"{label}: {[r.text for r in runs]}"
        by_runs = sum(monitor_closes(r.json) for r in runs)
        assert by_runs == len(longs), f"{label}: the runs report {by_runs} closes: {[r.json for r in runs]}"

        prices = ok(label, api.request("GET", f"/prices?symbols={symbol}", token=token))
        assert [(p["symbol"], p["price"]) for p in prices] == [(symbol, 90)], f"{label}: prices {prices}"
        still = get_position(label, api, token, short["id"])
        assert (still["status"], still["last_updated_price"], still["unrealized_pnl"]) == ("OPEN", 90, 20), (
            f"{label}: {still}"
        )
        check_positions_closed_once(label, api, user, token, {p["id"]: ("SL_HIT", [90]) for p in longs})


def test_concurrent_position_monitor_runs_close_each_position_once(local: LocalServer) -> None:
    for round_ in range(scaled(5, 50)):
        label = f"round {round_}"
        api = local.round()
        user, token = fresh_user(api)
        symbol = fresh_symbol("RN")
        set_market(api, {symbol: 100})
        positions = [
            open_position(label, api, token, symbol=symbol, quantity=1, entry_price=90, stop_loss=80, take_profit=200)
            for _ in range(4)
        ]
        first = ok(label, job(api, "price_update")())  # caches 100: nothing crosses yet
        assert monitor_closes(first) == 0, f"{label}: {first}"
        for p in positions:  # now the cached 100 is past every take profit
            ok(label, api.request("PATCH", f"/positions/{p['id']}", {"take_profit": 95}, token=token))
        now = datetime.now(UTC).replace(microsecond=0)
        runs = fire(label, [job(api, "position_monitor", now) for _ in range(3)])
        assert [r.status for r in runs] == [200] * 3, f"{label}: {[r.text for r in runs]}"
        closed = [r.json["closed"] for r in runs]
        assert sum(monitor_closes(r.json) for r in runs) == len(positions), f"{label}: {closed}"
        assert all(set(c) <= {"TP_HIT"} for c in closed), f"{label}: {closed}"
        check_positions_closed_once(label, api, user, token, {p["id"]: ("TP_HIT", [100]) for p in positions})


def test_concurrent_deliver_alerts_runs_send_each_deferred_email_once(local: LocalServer) -> None:
    first_day = date(2026, 1, 5)
    for round_ in range(scaled(5, 50)):
        label = f"round {round_}"
        api = local.round()
        user, token = fresh_user(api)
        prefs = {"email": f"{user}@example.com", "min_hours_between_alerts": 0, "max_alerts_per_day": 50}
        ok(label, api.request("PATCH", "/alerts/preferences", prefs, token=token))
        day = first_day + timedelta(days=round_)
        evening = datetime(day.year, day.month, day.day, 23, 0, tzinfo=UTC)  # inside the 22:00-08:00 quiet hours
        symbol = fresh_symbol("RD")
        for n in range(3):
            entry_time = (evening - timedelta(hours=2)).isoformat()
            opened = open_position(label, api, token, symbol=symbol, quantity=1, entry_price=100, entry_time=entry_time)
            closing = {"exit_price": 101 + n, "exit_time": (evening + timedelta(minutes=n)).isoformat()}
            ok(label, api.request("POST", f"/positions/{opened['id']}/close", closing, token=token))
        emails = [m for m in published_for(api, user) if m["attributes"]["channel"] == "email"]
        assert emails == [], f"{label}: emails sent during quiet hours: {emails}"

        morning = datetime(day.year, day.month, day.day, 8, 1, tzinfo=UTC) + timedelta(days=1)
        runs = fire(label, [job(api, "deliver_alerts", morning) for _ in range(3)])
        assert [r.status for r in runs] == [200] * 3, f"{label}: {[r.text for r in runs]}"
        assert sum(r.json["sent"] for r in runs) == 3, f"{label}: {[r.json for r in runs]}"
        later = ok(label, job(api, "deliver_alerts", morning + timedelta(minutes=5))())
        assert later["sent"] == 0, f"{label}: {later}"

        alerts = assert_alerts_once(label, api, user, token)
        assert len(alerts) == 3, f"{label}: {alerts}"
        emails = [m for m in published_for(api, user) if m["attributes"]["channel"] == "email"]
        sent = Counter(m["attributes"]["alert_id"] for m in emails)
        assert sent == dict.fromkeys((a["id"] for a in alerts), 1), f"{label}: emails per alert {dict(sent)}"


# --- 2. manual closes racing the monitor -------------------------------------------------------------------------


def test_manual_closes_racing_monitor_runs_close_each_position_exactly_once(local: LocalServer) -> None:
    for round_ in range(scaled(6, 60)):
        label = f"round {round_}"
        api, admin, user, token, symbol = trading_round(local, "RM")
        long = {"symbol": symbol, "quantity": 1, "entry_price": 110, "stop_loss": 90, "take_profit": 150}
        short = {
            "symbol": symbol,
            "side": "SHORT",
            "quantity": 2,
            "entry_price": 95,
            "stop_loss": 110,
            "take_profit": 80,
        }
        positions = [open_position(label, api, token, **long, strategy="race") for _ in range(3)]
        positions += [open_position(label, api, token, **short, strategy="race") for _ in range(2)]
        first = ok(label, job(api, "price_update")())  # caches 100: nothing crosses yet
        assert monitor_closes(first) == 0, f"{label}: closed at 100: {first}"
        ids = [p["id"] for p in positions]
        for p in positions:  # now the cached 100 is past every stop loss ...
            stop = 105 if p["side"] == "LONG" else 99
            ok(label, api.request("PATCH", f"/positions/{p['id']}", {"stop_loss": stop}, token=token))
        set_market(api, {symbol: 101})  # ... and so is the 101 that the price updates in the race will fetch

        closes = [call(api, "POST", f"/positions/{i}/close", {"exit_price": 97}, token) for i in ids + ids]
        runs = [
            job(api, "position_monitor"),
            job(api, "price_update"),
            job(api, "position_monitor"),
            call(api, "POST", "/prices/refresh", token=admin),
        ]
        replies = fire(label, closes + runs)
        close_replies, run_replies = replies[: len(closes)], replies[len(closes) :]

        assert [r.status for r in run_replies] == [200] * len(runs), f"{label}: {[r.text for r in run_replies]}"
        assert {r.status for r in close_replies} <= {200, 409}, f"{label}: {[r.text for r in close_replies]}"
        won = Counter(i for i, r in zip(ids + ids, close_replies, strict=True) if r.status == 200)
        assert set(won.values()) <= {1}, f"{label}: a position closed twice by hand: {won}"
        by_runs = sum(monitor_closes(r.json) for r in run_replies)
        assert len(won) + by_runs == len(ids), f"{label}: {len(won)} manual + {by_runs} by the monitor"

        expected = {i: ("MANUAL", [97]) if i in won else ("SL_HIT", [100, 101]) for i in ids}
        check_positions_closed_once(label, api, user, token, expected)
        stats = ok(label, api.request("GET", "/performance", token=token))
        assert stats["manual_exit_rate"] == round(len(won) / len(ids) * 100, 2), f"{label}: {stats}"


# --- 3. funding links --------------------------------------------------------------------------------------------


def test_funding_links_racing_updates_unlinks_and_a_goal_patch_never_pass_100_percent(local: LocalServer) -> None:
    burst = 14
    for round_ in range(scaled(8, 80)):
        label = f"round {round_}"
        api = local.round()
        _, token = fresh_user(api)
        goal = create(label, api, token, "/goals", {"name": "Fund", "type": "savings", "target_amount": 10000})
        goal_path = f"/goals/{goal['id']}"
        path = f"{goal_path}/funding"
        ok(label, api.request("POST", path, {"account_id": "keep", "allocation_percent": 20}, token=token), 201)
        ok(label, api.request("POST", path, {"account_id": "drop", "allocation_percent": 10}, token=token), 201)
        renamed = {"name": f"Fund {round_}", "current_amount": 1234}

        links = [
            call(api, "POST", path, {"account_id": f"acct-{n:02d}", "allocation_percent": 10}, token)
            for n in range(burst)
        ]
        others = {
            "keep to 30": call(api, "PATCH", f"{path}/keep", {"allocation_percent": 30}, token),
            "keep to 25": call(api, "PATCH", f"{path}/keep", {"allocation_percent": 25}, token),
            "drop to 15": call(api, "PATCH", f"{path}/drop", {"allocation_percent": 15}, token),
            "unlink drop": call(api, "DELETE", f"{path}/drop", token=token),
            "goal": call(api, "PATCH", goal_path, renamed, token),
        }
        # The other requests spread among the links, so they start amid the burst.
        calls = links[:3] + list(others.values()) + links[3:]
        replies = fire(label, calls)
        answers = dict(zip(others, replies[3 : 3 + len(others)], strict=True))
        link_replies = replies[:3] + replies[3 + len(others) :]
        statuses = {name: reply.status for name, reply in answers.items()}
        texts = {name: reply.text for name, reply in answers.items()}

        assert statuses["goal"] == 200, f"{label}: goal PATCH {texts['goal']}"
        assert statuses["unlink drop"] == 204, f"{label}: DELETE {texts['unlink drop']}"
        assert statuses["keep to 30"] in (200, 400), f"{label}: {texts}"
        assert statuses["keep to 25"] in (200, 400), f"{label}: {texts}"
        assert statuses["drop to 15"] in (200, 400, 404), f"{label}: {texts}"  # 404: unlinked first
        for name, reply in answers.items():
            if reply.status == 400:
                assert reply.json == {"detail": OVER_ALLOCATED}, f"{label}: {name}: {reply.text}"
        link_statuses = Counter(r.status for r in link_replies)
        assert set(link_statuses) <= {201, 400}, f"{label}: links {[(r.status, r.text) for r in link_replies]}"
        refused = [r.json for r in link_replies if r.status == 400]
        assert all(body == {"detail": OVER_ALLOCATED} for body in refused), f"{label}: {refused}"
        linked = {f"acct-{n:02d}" for n, r in enumerate(link_replies) if r.status == 201}
        # A link is refused only once the total is past 90: keep (<= 30) + drop (<= 15) + 10 k > 90 by then.
        assert len(linked) >= 5, f"{label}: only {len(linked)} links succeeded: {link_statuses}"

        sources = ok(label, api.request("GET", f"{path}?limit=100", token=token))
        listed = {s["account_id"]: s["allocation_percent"] for s in sources}
        keep_values = {20} | {v for name, v in (("keep to 30", 30), ("keep to 25", 25)) if statuses[name] == 200}
        # With both raises accepted, either may have been written last; with one, it is the value.
        possible = keep_values - {20} if len(keep_values) > 1 else keep_values
        assert listed.get("keep") in possible, f"{label}: keep is {listed.get('keep')}, the answers allow {possible}"
        assert {name: v for name, v in listed.items() if name != "keep"} == dict.fromkeys(linked, 10), (
            f"{label}: listed {listed}, linked {sorted(linked)} (drop must be gone)"
        )
        total = sum(listed.values())
        assert total <= 100, f"{label}: allocations sum to {total}"

        # The goal's running total (what the 100 % rule checks) must match the links listed.
        room = 100 - total
        if room > 0:
            probe = {"account_id": "probe", "allocation_percent": room}
            ok(label, api.request("POST", path, probe, token=token), 201)
        over = api.request("POST", path, {"account_id": "over", "allocation_percent": 1}, token=token)
        assert (over.status, over.json) == (400, {"detail": OVER_ALLOCATED}), f"{label}: room {room}: {over.text}"

        final = ok(label, api.request("GET", goal_path, token=token))
        assert (final["name"], final["current_amount"]) == (renamed["name"], 1234), f"{label}: goal {final}"
        history = ok(label, api.request("GET", f"{goal_path}/progress/history", token=token))
        assert [e["value_at_period"] for e in history] == [1234], f"{label}: progress entries {history}"


# --- 4. idempotency keys -----------------------------------------------------------------------------------------


def _idempotent_burst(label: str, api: Client, token: str, path: str, bodies: list[dict[str, Any]], key: str) -> Any:
    """Fires ``bodies`` at ``path`` at once under one key: returns the created object's JSON."""
    replies = fire(label, [call(api, "POST", path, body, token, key) for body in bodies])
    mixed = len({json.dumps(b, sort_keys=True) for b in bodies}) > 1
    allowed = {201, 409, 422} if mixed else {201, 409}
    assert {r.status for r in replies} <= allowed, f"{label}: {[(r.status, r.text) for r in replies]}"
    created = [r.json for r in replies if r.status == 201]
    assert created, f"{label}: no request created anything: {[(r.status, r.text) for r in replies]}"
    assert all(c == created[0] for c in created), f"{label}: different answers to one key: {created}"
    for r in replies:
        if r.status == 409:
            assert r.json == {"detail": IN_PROGRESS}, f"{label}: {r.text}"
        if r.status == 422:
            assert r.json == {"detail": KEY_REUSED}, f"{label}: {r.text}"
    return created[0]


@pytest.mark.parametrize(
    ("path", "body", "other", "mixed"),
    [
        ("/goals", {"name": "Once", "type": "savings", "target_amount": 5000}, {"target_amount": 6000}, {}),
        ("/positions", {"symbol": "IDEM", "quantity": 1, "entry_price": 100}, {"quantity": 2}, {}),
        # A goal's funding link (the goal is created per round); the mixed burst links another account.
        (
            "/goals/{goal}/funding",
            {"account_id": "once", "allocation_percent": 10},
            {"allocation_percent": 20},
            {"account_id": "mixed"},
        ),
    ],
    ids=["goals", "positions", "funding"],
)
def test_concurrent_requests_with_one_idempotency_key_create_one_object(
    local: LocalServer, path: str, body: dict[str, Any], other: dict[str, Any], mixed: dict[str, Any]
) -> None:
    ident = "account_id" if path.endswith("/funding") else "id"
    for round_ in range(scaled(4, 40)):
        label = f"round {round_} ({path})"
        api = local.round()
        _, token = fresh_user(api)
        target = path
        if "{goal}" in path:
            goal = create(label, api, token, "/goals", {"name": "Funded", "type": "savings", "target_amount": 100})
            target = path.format(goal=goal["id"])
        key = uuid4().hex
        created = _idempotent_burst(label, api, token, target, [body] * 8, key)
        listed = ok(label, api.request("GET", f"{target}?limit=100", token=token))
        assert [o[ident] for o in listed] == [created[ident]], f"{label}: listed {listed}"

        retry = api.request("POST", target, body, token=token, headers={"Idempotency-Key": key})
        assert (retry.status, retry.json) == (201, created), f"{label}: retry {retry.status} {retry.text}"
        changed = api.request("POST", target, {**body, **other}, token=token, headers={"Idempotency-Key": key})
        assert (changed.status, changed.json) == (422, {"detail": KEY_REUSED}), f"{label}: {changed.text}"

        # One key, two different bodies at once: still one object, whichever body won.
        mixed_key = uuid4().hex
        first, second = {**body, **mixed}, {**body, **mixed, **other}
        made = _idempotent_burst(label, api, token, target, [first, second] * 4, mixed_key)
        listed = ok(label, api.request("GET", f"{target}?limit=100", token=token))
        both = sorted([created[ident], made[ident]])
        assert sorted(o[ident] for o in listed) == both, f"{label}: listed {listed}"
        winner = second if all(made[name] == value for name, value in other.items()) else first
        again = api.request("POST", target, winner, token=token, headers={"Idempotency-Key": mixed_key})
        assert (again.status, again.json) == (201, made), f"{label}: retry of the winner: {again.text}"
