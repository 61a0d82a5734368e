"""Orders and attribution through the handlers: PENDING → OPEN (fill) or CANCELLED/FAILED (cancel), the bots'
fields and aliases, the attribution filters, the account check, and the counters a position counts in staying
exact through every transition, whoever wins a race."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost.data import keys
from goalpost.data.client import client
from goalpost.data.holdings import HOLDING_PREFIX
from goalpost.settings import get_settings
from tests.depth import scaled
from tests.handlers.conftest import Api
from tests.handlers.test_contention import rival_before
from tests.handlers.test_positions_api import LONG, active_count, monitor, refresh

PENDING = {**LONG, "status": "PENDING"}
# The fields the seed bot's save_transaction_to_db() saves, less the user (the token's): its own names.
BOT_TRADE = {
    "bot_id": "bot-7",
    "subscription_id": "sub-42",
    "prompt_id": "prompt-3",
    "action": "BUY",
    "position_side": "LONG",
    "symbol": "BTCUSDT",
    "quantity": 0.5,
    "entry_price": 50000,
    "entry_time": "2026-01-05T10:00:00Z",
    "leverage": 10,
    "stop_loss": 49000,
    "take_profit": 53000,
    "risk_reward_ratio": 3.0,
    "strategy_used": "breakout",
    "confidence": 82.5,
    "reason": "Breakout above the range high on rising volume",
    "status": "OPEN",
}


def create(api: Api, body: dict[str, Any], user: str = "alice") -> dict[str, Any]:
    reply = api.post("/positions", body, user=user)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def data_item(user: str, sk: str) -> dict[str, Any]:
    table = get_settings().data_table_name
    return client().get_item(TableName=table, Key={"pk": {"S": keys.user_pk(user)}, "sk": {"S": sk}}).get("Item", {})


def counted(user: str = "alice", symbol: str = "BTCUSDT") -> tuple[int, int, int]:
    """What the user's positions count in: the symbol's open count, the user's open count, holdings."""
    opened = data_item(user, keys.OPEN_COUNT_SK).get("open_count", {"N": "0"})
    holdings = [name for name in data_item(user, keys.PROFILE_SK) if name.startswith(HOLDING_PREFIX)]
    return active_count(symbol), int(opened["N"]), len(holdings)


def in_trigger_indexes(user: str, position_id: str) -> bool:
    item = data_item(user, keys.position_sk(position_id))
    return any(name in item for name in ("gsi3pk", "gsi4pk", "gsi5pk"))


def test_a_pending_order_counts_in_nothing_until_it_fills(api: Api, market: Any) -> None:
    order = create(api, {**PENDING, "max_duration_minutes": 5})
    assert (order["status"], order["last_updated_price"], order["unrealized_pnl"]) == ("PENDING", None, None)
    assert counted() == (0, 0, 0)
    assert not in_trigger_indexes("alice", order["id"])
    refresh(api, market, {"BTCUSDT": 60000})  # beyond its take profit, and past its deadline below
    monitor(api, datetime.now(UTC) + timedelta(hours=1))
    assert api.get(f"/positions/{order['id']}").body["status"] == "PENDING"
    assert [p["id"] for p in api.get("/positions", query={"status": "PENDING"}).body] == [order["id"]]
    assert api.get("/positions", query={"status": "OPEN"}).body == []
    portfolio = api.get("/portfolio/current").body
    assert (portfolio["positions"], portfolio["investment_value"]) == ([], 0)
    assert api.get("/performance").body["total_trades"] == 0


def test_fill_opens_the_order_with_everything_opening_counts(api: Api, market: Any) -> None:
    order = create(api, PENDING)
    path = f"/positions/{order['id']}"
    assert api.post(f"{path}/fill", {"entry_price": 53500}).status == 422  # above its take profit
    assert api.post(f"{path}/fill", {"entry_price": 48000}).status == 422  # below its stop loss
    assert api.get(path).body["status"] == "PENDING"
    filled_at = "2026-03-01T12:00:00Z"
    filled = api.post(f"{path}/fill", {"entry_price": 50100, "quantity": 0.4, "entry_time": filled_at})
    assert filled.status == 200, filled.body
    assert (filled.body["status"], filled.body["entry_price"], filled.body["quantity"]) == ("OPEN", 50100, 0.4)
    assert filled.body["entry_time"].startswith("2026-03-01T12:00:00")
    assert counted() == (1, 1, 1)
    assert in_trigger_indexes("alice", order["id"])
    for again in (lambda: api.post(f"{path}/fill", {}), lambda: api.post(f"{path}/cancel", {})):
        assert again().status == 409
    assert counted() == (1, 1, 1)
    refresh(api, market, {"BTCUSDT": 53000})
    monitor(api)
    closed = api.get(path).body
    assert (closed["status"], closed["exit_reason"]) == ("CLOSED", "TP_HIT")
    assert counted() == (0, 0, 0)
    assert api.post(f"{path}/fill", {}).status == 409


def test_fill_without_a_body_enters_now_at_the_order_price(api: Api) -> None:
    order = create(api, {**PENDING, "entry_time": "2026-01-01T00:00:00Z"})
    filled = api.post(f"/positions/{order['id']}/fill", {}).body
    assert (filled["status"], filled["entry_price"], filled["quantity"]) == ("OPEN", 50000, 0.5)
    entered = datetime.fromisoformat(filled["entry_time"].replace("Z", "+00:00"))
    assert abs(entered - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(("body", "status"), [({}, "CANCELLED"), ({"failed": True, "reason": "Margin"}, "FAILED")])
def test_cancel_ends_an_order_and_nothing_else_moves(api: Api, body: dict[str, Any], status: str) -> None:
    order = create(api, {**PENDING, "reason": "Planned breakout"})
    path = f"/positions/{order['id']}"
    ended = api.post(f"{path}/cancel", body)
    assert ended.status == 200, ended.body
    assert ended.body["status"] == status
    assert ended.body["reason"] == body.get("reason", "Planned breakout")
    assert api.get(path).body == ended.body
    assert counted() == (0, 0, 0)
    for refused in (
        api.post(f"{path}/fill", {}),
        api.post(f"{path}/cancel", {}),
        api.post(f"{path}/close", {"exit_price": 51000}),
        api.patch(path, {"stop_loss": 48000}),
    ):
        assert refused.status == 409, refused.body
    assert [p["id"] for p in api.get("/positions", query={"status": status}).body] == [order["id"]]
    assert api.delete(path).status == 204
    assert api.get(path).status == 404
    assert counted() == (0, 0, 0)


def test_only_an_open_position_changes_levels_or_closes(api: Api) -> None:
    order = create(api, PENDING)
    path = f"/positions/{order['id']}"
    assert api.patch(path, {"stop_loss": 48000}).status == 409
    assert api.post(f"{path}/close", {"exit_price": 51000}).status == 409
    opened = create(api, LONG)
    assert api.post(f"/positions/{opened['id']}/fill", {}).status == 409
    assert api.post(f"/positions/{opened['id']}/cancel", {}).status == 409
    assert api.delete(path).status == 204  # a PENDING order leaves nothing behind
    assert counted() == (1, 1, 1)


def test_fill_and_cancel_of_unknown_or_others_positions_are_404(api: Api) -> None:
    order = create(api, PENDING, user="bob")
    for path in (f"/positions/{order['id']}", "/positions/01NOSUCHPOSITION0000000000"):
        assert api.post(f"{path}/fill", {}).status == 404
        assert api.post(f"{path}/cancel", {}).status == 404
    assert api.get(f"/positions/{order['id']}", user="bob").body["status"] == "PENDING"


@pytest.mark.parametrize(
    "body",
    [
        {"entry_price": 0},
        {"quantity": -1},
        {"entry_time": "yesterday"},
        {"entry_price": "50000"},
        {"status": "OPEN"},
        {"failed": "yes"},
    ],
)
def test_bad_fill_and_cancel_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    order = create(api, PENDING)
    route = "cancel" if "failed" in body else "fill"
    assert api.post(f"/positions/{order['id']}/{route}", body).status == 422
    assert api.post(f"/positions/{order['id']}/cancel", {"reason": "x" * 2001}).status == 422
    assert api.get(f"/positions/{order['id']}").body["status"] == "PENDING"


def test_the_bots_own_payload_is_accepted_with_its_names(api: Api) -> None:
    position = create(api, BOT_TRADE)
    assert (position["side"], position["strategy"], position["leverage"]) == ("LONG", "breakout", 10)
    expected = {name: BOT_TRADE[name] for name in ("bot_id", "prompt_id", "subscription_id", "confidence", "reason")}
    assert {name: position[name] for name in expected} == expected
    assert (position["source"], position["parent_id"], position["order_id"], position["account_id"]) == (
        "manual",
        None,
        None,
        None,
    )
    assert position["risk_reward_ratio"] == 3.0
    short = create(api, {**LONG, "action": "SELL", "entry_price": 48000, "stop_loss": 49000, "take_profit": 45000})
    assert short["side"] == "SHORT"
    ignored = create(api, {**LONG, "risk_reward_ratio": 99})
    assert ignored["risk_reward_ratio"] == 3.0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"side": "LONG", "position_side": "SHORT"}, "side"),
        ({"side": "LONG", "action": "SELL"}, "side"),
        ({"position_side": "SHORT", "action": "BUY"}, "action"),
        ({"strategy": "a", "strategy_used": "b"}, "strategy"),
        ({"user_id": "mallory"}, "user_id"),
        ({"user_principal_id": "mallory"}, "user_principal_id"),
        ({"action": "HOLD"}, "action"),
        ({"bot_id": "a#b"}, "bot_id"),
        ({"prompt_id": "line\nbreak"}, "prompt_id"),
        ({"account_id": ""}, "account_id"),
        ({"subscription_id": "s" * 101}, "subscription_id"),
        ({"order_id": "o" * 101}, "order_id"),
        ({"confidence": 100.5}, "confidence"),
        ({"confidence": -1}, "confidence"),
        ({"confidence": "high"}, "confidence"),
        ({"reason": "r" * 2001}, "reason"),
        ({"status": "CLOSED"}, "status"),
        ({"source": "exchange"}, "source"),
        ({"parent_id": "x"}, "parent_id"),
        ({"strategy": "tab\there"}, "strategy"),
    ],
)
def test_bad_attribution_is_422_naming_the_field(api: Api, change: dict[str, Any], named: str) -> None:
    reply = api.post("/positions", {**LONG, **change})
    assert reply.status == 422, reply.body
    assert [error["loc"] for error in reply.body["detail"]] == [["body", named]], reply.body
    assert api.get("/positions").body == []


def test_an_account_must_be_one_of_the_users_connected_accounts(api: Api) -> None:
    assert api.post("/positions", {**LONG, "account_id": "binance-1"}).status == 404
    assert api.post("/positions", {**PENDING, "account_id": "binance-1"}).status == 404
    assert api.get("/positions").body == []
    assert counted() == (0, 0, 0)
    # The accounts' routes arrive with the next issue; the item they will write is what the open checks.
    table = get_settings().data_table_name
    client().put_item(
        TableName=table, Item={"pk": {"S": keys.user_pk("alice")}, "sk": {"S": keys.account_sk("binance-1")}}
    )
    linked = create(api, {**LONG, "account_id": "binance-1"})
    assert linked["account_id"] == "binance-1"
    assert api.post("/positions", {**LONG, "account_id": "binance-1"}, user="bob").status == 404


def test_attribution_filters_are_served_by_their_indexes(api: Api) -> None:
    table = get_settings().data_table_name
    client().put_item(TableName=table, Item={"pk": {"S": keys.user_pk("alice")}, "sk": {"S": keys.account_sk("a1")}})
    a = create(api, {**LONG, "bot_id": "b1", "prompt_id": "p1", "account_id": "a1"})
    b = create(api, {**PENDING, "bot_id": "b1", "prompt_id": "p2"})
    c = create(api, {**LONG, "bot_id": "b2", "prompt_id": "p1", "symbol": "ETHUSDT", "entry_price": 50000})
    create(api, {**LONG, "bot_id": "b1"}, user="bob")

    def ids(**query: str) -> list[str]:
        reply = api.get("/positions", query=query)
        assert reply.status == 200, reply.body
        return [p["id"] for p in reply.body]

    assert ids(bot_id="b1") == [b["id"], a["id"]]
    assert ids(prompt_id="p1") == [c["id"], a["id"]]
    assert ids(account_id="a1") == [a["id"]]
    assert ids(bot_id="b1", status="OPEN") == [a["id"]]
    assert ids(bot_id="b1", prompt_id="p2") == [b["id"]]
    assert ids(prompt_id="p1", symbol="ethusdt") == [c["id"]]
    assert ids(bot_id="nobody") == []
    assert api.get("/positions", query={"bot_id": "a#b"}).status == 422
    item = data_item("alice", keys.position_sk(a["id"]))
    assert (item["gsi6pk"]["S"], item["gsi7pk"]["S"], item["gsi8pk"]["S"]) == (
        keys.positions_by_bot_pk("alice", "b1"),
        keys.positions_by_prompt_pk("alice", "p1"),
        keys.positions_by_account_pk("alice", "a1"),
    )
    assert "gsi8pk" not in data_item("alice", keys.position_sk(b["id"]))  # sparse


def test_a_closed_alert_says_what_happened_and_links_the_position(api: Api, market: Any) -> None:
    position = create(api, LONG)
    refresh(api, market, {"BTCUSDT": 53000})
    monitor(api)
    closed = {"type": "position_closed"}  # r2: a close also moves the monthly income goal (its alerts)
    (alert,) = api.get("/alerts", query=closed).body
    assert alert["message"] == "BTCUSDT LONG closed by TP_HIT at 53,000.00: +1,500.00 USD"
    assert alert["action_url"] == f"/app/positions/{position['id']}"
    loss = create(api, {**LONG, "symbol": "ETHUSDT", "fees_paid": 10})
    api.post(f"/positions/{loss['id']}/close", {"exit_price": 49500.5})
    newest = api.get("/alerts", query=closed).body[0]
    assert newest["message"] == "ETHUSDT LONG closed by MANUAL at 49,500.50: -259.75 USD"


def test_a_fill_racing_a_cancel_or_another_fill_wins_once(api: Api) -> None:
    order = create(api, PENDING)
    path = f"/positions/{order['id']}"
    rival: list[int] = []
    with rival_before("TransactWriteItems", 1, lambda: rival.append(api.post(f"{path}/cancel", {}).status)):
        lost = api.post(f"{path}/fill", {})
    assert (rival, lost.status) == ([200], 409)
    assert api.get(path).body["status"] == "CANCELLED"
    assert counted() == (0, 0, 0)

    order = create(api, PENDING)
    path = f"/positions/{order['id']}"
    with rival_before("TransactWriteItems", 1, lambda: rival.append(api.post(f"{path}/fill", {}).status)):
        lost = api.post(f"{path}/fill", {"entry_price": 50100})
    assert (rival[-1], lost.status) == (200, 409)
    assert api.get(path).body["entry_price"] == 50000
    assert counted() == (1, 1, 1)

    order = create(api, PENDING)
    path = f"/positions/{order['id']}"
    with rival_before("UpdateItem", 1, lambda: rival.append(api.post(f"{path}/fill", {}).status)):
        lost = api.post(f"{path}/cancel", {"failed": True})
    assert (rival[-1], lost.status) == (200, 409)
    assert counted() == (2, 2, 2)
    closing = {"exit_price": 50600}
    with rival_before("TransactWriteItems", 1, lambda: rival.append(api.post(f"{path}/close", closing).status)):
        assert api.post(f"{path}/close", {"exit_price": 50500}).status == 409
    assert rival[-1] == 200
    assert api.get(path).body["exit_price"] == 50600
    assert counted() == (1, 1, 1)


def test_a_delete_racing_a_fill_counts_nothing_twice(api: Api) -> None:
    order = create(api, PENDING)
    path = f"/positions/{order['id']}"
    with rival_before("DeleteItem", 1, lambda: api.post(f"{path}/fill", {})):
        assert api.delete(path).status == 204  # read PENDING, refused, read again OPEN and deleted open
    assert api.get(path).status == 404
    assert counted() == (0, 0, 0)


@pytest.mark.parametrize("seed", range(scaled(2, 12)))
def test_counters_stay_exact_through_any_sequence(api: Api, seed: int) -> None:
    """Random opens, orders, fills, cancels, closes and deletes: after each step the counters equal what the
    positions' statuses say."""
    chance = random.Random(seed)
    live: list[str] = []
    for _ in range(40):
        step = chance.choice(("open", "order", "fill", "cancel", "close", "delete"))
        if step in ("open", "order") or not live:
            live.append(create(api, LONG if step == "open" else PENDING)["id"])
            continue
        target = chance.choice(live)
        path = f"/positions/{target}"
        if step == "fill":
            reply = api.post(f"{path}/fill", {})
        elif step == "cancel":
            reply = api.post(f"{path}/cancel", {"failed": chance.random() < 0.5})
        elif step == "close":
            reply = api.post(f"{path}/close", {"exit_price": 50500})
        else:
            reply = api.delete(path)
            live.remove(target)
        assert reply.status in (200, 204, 409), reply.body
        opened = sum(1 for p in api.get("/positions", query={"status": "OPEN", "limit": 100}).body)
        assert counted() == (opened, opened, opened)


def test_the_monitor_leaves_an_account_positions_close_to_its_exchange(api: Api, market: Any) -> None:
    """The exchange holds an account-linked position's real orders: at its level the monitor raises
    ``position_level_reached`` (once per position and level) and does not close it."""
    table = get_settings().data_table_name
    client().put_item(TableName=table, Item={"pk": {"S": keys.user_pk("alice")}, "sk": {"S": keys.account_sk("a1")}})
    linked = create(api, {**LONG, "account_id": "a1"})
    refresh(api, market, {"BTCUSDT": 53100})
    assert monitor(api)["levels_reached"] == 0  # the refresh's own monitor pass raised it already
    assert api.get(f"/positions/{linked['id']}").body["status"] == "OPEN"
    (alert,) = api.get("/alerts", query={"type": "position_level_reached"}).body
    assert alert["message"] == (
        "BTCUSDT LONG reached TP_HIT (53,000.00) at 53,100.00; the exchange account a1 holds its orders."
    )
    assert (alert["severity"], alert["action_url"]) == ("warning", f"/app/positions/{linked['id']}")
    refresh(api, market, {"BTCUSDT": 48000})
    assert "SL_HIT" in api.get("/alerts", query={"type": "position_level_reached"}).body[0]["title"]
    assert len(api.get("/alerts", query={"type": "position_level_reached"}).body) == 2
    assert counted() == (1, 1, 1)
