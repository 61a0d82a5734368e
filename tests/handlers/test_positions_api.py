"""Positions and the position monitor through the handlers, over moto and the simulated market."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost.data import prices as price_store
from goalpost.settings import get_settings
from tests.handlers.conftest import Api

LONG = {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000, "stop_loss": 49000, "take_profit": 53000}


def open_position(api: Api, **fields: Any) -> dict[str, Any]:
    reply = api.post("/positions", {**LONG, **fields})
    assert reply.status == 201, reply.body
    return dict(reply.body)


def refresh(api: Api, market: Any, prices: dict[str, Any]) -> dict[str, Any]:
    market.configure({"prices": prices})
    reply = api.post("/prices/refresh", groups=["admin"])
    assert reply.status == 200, reply.body
    return dict(reply.body)


def monitor(api: Api, now: datetime | None = None) -> dict[str, Any]:
    event = {"time": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return dict(api.run_job("position_monitor", event))


def active_count(symbol: str) -> int:
    from goalpost.data import keys
    from goalpost.data.client import client

    item = (
        client()
        .get_item(
            TableName=get_settings().system_table_name,
            Key={"pk": {"S": keys.symbols_pk(keys.shard_of(symbol, keys.SYMBOL_SHARDS))}, "sk": {"S": symbol}},
        )
        .get("Item")
    )
    return int(item["open_positions"]["N"]) if item else 0


def test_open_validates_and_derives(api: Api) -> None:
    position = open_position(api, symbol=" btcusdt ", strategy="breakout")
    assert (position["symbol"], position["side"], position["status"]) == ("BTCUSDT", "LONG", "OPEN")
    assert position["risk_reward_ratio"] == 3.0
    assert position["entry_time"] == position["created_at"]
    assert active_count("BTCUSDT") == 1
    for body in (
        {**LONG, "quantity": 0},
        {**LONG, "entry_price": -1},
        {**LONG, "leverage": 126},
        {**LONG, "stop_loss": 50000},
        {**LONG, "take_profit": 40000},
        {**LONG, "side": "SHORT"},
        {**LONG, "symbol": "BTC USDT"},
        {**LONG, "trailing_stop_percent": 100},
        {**LONG, "user_id": "bob"},
        {**LONG, "quantity": "NaN"},
    ):
        assert api.post("/positions", body).status == 422, body
    assert len(api.get("/positions").body) == 1


def test_list_filters_and_isolation(api: Api) -> None:
    first = open_position(api, strategy="a")
    open_position(api, symbol="ETHUSDT", entry_price=3000, stop_loss=2900, take_profit=3300, strategy="b")
    api.post(f"/positions/{first['id']}/close", {"exit_price": 50500})
    assert [p["symbol"] for p in api.get("/positions").body] == ["ETHUSDT", "BTCUSDT"]
    assert [p["symbol"] for p in api.get("/positions", query={"status": "OPEN"}).body] == ["ETHUSDT"]
    assert [p["status"] for p in api.get("/positions", query={"symbol": "btcusdt"}).body] == ["CLOSED"]
    assert [p["symbol"] for p in api.get("/positions", query={"strategy": "b"}).body] == ["ETHUSDT"]
    page = api.get("/positions", query={"limit": 1})
    assert len(page.body) == 1
    assert "x-next-token" in page.headers
    for method, path in (("GET", ""), ("PATCH", ""), ("POST", "/close"), ("DELETE", "")):
        assert api.call(method, f"/positions/{first['id']}{path}", body={}, user="mallory").status == 404


def test_levels_change_while_open_only(api: Api) -> None:
    position = open_position(api)
    path = f"/positions/{position['id']}"
    changed = api.patch(path, {"take_profit": 54000, "trailing_stop_percent": 2}).body
    assert (changed["take_profit"], changed["risk_reward_ratio"], changed["trailing_stop_percent"]) == (54000, 4.0, 2)
    assert api.patch(path, {"stop_loss": 51000}).status == 422
    assert api.patch(path, {"stop_loss": None}).body["risk_reward_ratio"] is None
    api.post(f"{path}/close", {"exit_price": 50000})
    assert api.patch(path, {"take_profit": 55000}).status == 409


def test_manual_close_records_everything_once(api: Api, market: Any, publishes: Any) -> None:
    position = open_position(api, fees_paid=10, leverage=5, strategy="breakout")
    path = f"/positions/{position['id']}"
    assert api.post(f"{path}/close", {}).status == 400  # no price given, none cached
    exit_time = (datetime.now(UTC) + timedelta(minutes=90)).isoformat()
    closed = api.post(f"{path}/close", {"exit_price": 49500, "exit_time": exit_time}).body
    assert (closed["status"], closed["exit_reason"], closed["exit_price"]) == ("CLOSED", "MANUAL", 49500)
    assert closed["pnl_usd"] == -260  # 0.5 * (49500 - 50000) - 10
    assert closed["pnl_percentage"] == -5.2  # -260 / (50000 * 0.5 / 5) * 100
    assert (closed["is_winning"], closed["realized_pnl"], closed["actual_rr_ratio"]) == (False, -260, -0.5)
    assert closed["trade_duration_minutes"] in (89, 90)
    assert closed["slippage"] is None
    assert api.post(f"{path}/close", {"exit_price": 1}).status == 409
    assert active_count("BTCUSDT") == 0
    assert [a["alert_type"] for a in api.get("/alerts").body] == ["position_closed"]
    assert [p.attributes["alert_type"] for p in publishes.all()] == ["position_closed"]
    metrics = api.get("/performance").body
    assert (metrics["total_trades"], metrics["losing_trades"], metrics["total_pnl"]) == (1, 1, -260)
    assert metrics["manual_exit_rate"] == 100
    assert set(metrics["by_strategy"]) == {"breakout"}
    cached = open_position(api)
    refresh(api, market, {"BTCUSDT": 51000})  # only the symbols of open positions are fetched
    assert api.post(f"/positions/{cached['id']}/close", {}).body["exit_price"] == 51000


def test_the_monitor_closes_on_each_level(api: Api, market: Any) -> None:
    tp = open_position(api)
    sl = open_position(api, symbol="ETHUSDT", entry_price=3000, stop_loss=2900, take_profit=3300)
    short = open_position(api, symbol="SOLUSDT", side="SHORT", entry_price=100, stop_loss=110, take_profit=80)
    trailing = open_position(
        api, symbol="AAPL", entry_price=100, stop_loss=None, take_profit=None, trailing_stop_percent=5
    )
    liquidated = open_position(api, symbol="TSLA", entry_price=200, stop_loss=None, take_profit=None, leverage=10)
    summary = refresh(api, market, {"BTCUSDT": 53100, "ETHUSDT": 2890, "SOLUSDT": 79, "AAPL": 110, "TSLA": 185})
    assert summary["monitor"]["closed"] == {"TP_HIT": 2, "SL_HIT": 1}
    refresh(api, market, {"AAPL": 104, "TSLA": 179})  # 5 % under the best seen (110): 104.5; 10 % down at 10x
    reasons = {p["id"]: (p["exit_reason"], p["exit_price"]) for p in api.get("/positions").body}
    assert reasons[tp["id"]] == ("TP_HIT", 53100)
    assert reasons[sl["id"]] == ("SL_HIT", 2890)
    assert reasons[short["id"]] == ("TP_HIT", 79)
    assert reasons[trailing["id"]] == ("TRAILING_STOP", 104)
    assert reasons[liquidated["id"]] == ("LIQUIDATION", 179)
    assert api.get(f"/positions/{tp['id']}").body["slippage"] == 0.1887  # |53100 - 53000| / 53000 * 100


def test_the_monitor_marks_prices_times_out_and_never_acts_on_a_stale_price(api: Api, market: Any) -> None:
    from infra.local.aws import dynamodb_requests

    timed = open_position(api, max_duration_minutes=2)
    refresh(api, market, {"BTCUSDT": 50100})
    marked = api.get(f"/positions/{timed['id']}").body
    assert (marked["last_updated_price"], marked["unrealized_pnl"]) == (50100, 50)
    with dynamodb_requests() as counted:
        quiet = monitor(api)
    assert (quiet["checked"], quiet["closed"], quiet["trailed"]) == (0, {}, 0)  # no level reached
    assert not {"PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem"} & counted.keys(), counted
    stale = monitor(api, datetime.now(UTC) + timedelta(minutes=10))
    assert stale["stale"] == ["BTCUSDT"]
    assert api.get(f"/positions/{timed['id']}").body["status"] == "OPEN"
    timeout = monitor(api, datetime.now(UTC) + timedelta(minutes=3))
    assert timeout["closed"] == {"TIMEOUT": 1}
    closed = api.get(f"/positions/{timed['id']}").body
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"]) == ("TIMEOUT", 50100, None)


def test_manual_closes_racing_the_monitor_close_each_position_once(api: Api, market: Any, publishes: Any) -> None:
    ids = [open_position(api)["id"] for _ in range(8)]
    market.configure({"prices": {"BTCUSDT": 53500}})
    from goalpost.services.prices import update_prices

    update_prices()  # prices only: the race below is between the monitor and the manual closes

    def manual(position_id: str) -> int:
        return api.post(f"/positions/{position_id}/close", {}).status

    with ThreadPoolExecutor(max_workers=12) as pool:
        runs = [pool.submit(monitor, api) for _ in range(3)]
        statuses = list(pool.map(manual, ids))
        summaries = [run.result() for run in runs]
    assert set(statuses) <= {200, 409}
    closed_by_monitor = sum(sum(s["closed"].values()) for s in summaries)
    assert closed_by_monitor + statuses.count(200) == len(ids)
    assert all(p["status"] == "CLOSED" for p in api.get("/positions").body)
    alerts = [a for a in api.get("/alerts", query={"limit": 100}).body if a["alert_type"] == "position_closed"]
    assert sorted(a["position_id"] for a in alerts) == sorted(ids)
    assert sum(1 for p in publishes.all() if p.attributes["alert_type"] == "position_closed") == len(ids)
    assert api.get("/performance").body["total_trades"] == len(ids)
    assert price_store.active_symbols(get_settings().system_table_name) == []


def test_delete_takes_a_position_out_of_the_statistics(api: Api) -> None:
    kept = open_position(api, strategy="s")
    gone = open_position(api, strategy="s")
    for position in (kept, gone):
        api.post(f"/positions/{position['id']}/close", {"exit_price": 51000})
    assert api.get("/performance", query={"strategy": "s"}).body["total_trades"] == 2
    assert api.delete(f"/positions/{gone['id']}").status == 204
    metrics = api.get("/performance", query={"strategy": "s"}).body
    assert (metrics["total_trades"], metrics["total_pnl"], metrics["strategy"]) == (1, 500, "s")
    opened = open_position(api, symbol="XRPUSDT", entry_price=1, stop_loss=0.5, take_profit=2)
    assert active_count("XRPUSDT") == 1
    assert api.delete(f"/positions/{opened['id']}").status == 204
    assert active_count("XRPUSDT") == 0
    assert api.delete(f"/positions/{opened['id']}").status == 404
    empty = api.get("/performance", user="bob").body
    assert (empty["total_trades"], empty["win_rate"], empty["profit_factor"], empty["by_strategy"]) == (
        0,
        None,
        None,
        {},
    )


def test_open_positions_are_capped_per_user_also_under_concurrent_opens(api: Api, monkeypatch: Any) -> None:
    from goalpost.data import positions as position_data

    monkeypatch.setattr(position_data, "MAX_OPEN_PER_USER", 4)
    with ThreadPoolExecutor(max_workers=7) as pool:
        statuses = list(pool.map(lambda n: api.post("/positions", LONG).status, range(7)))
    assert sorted(statuses) == [201] * 4 + [400] * 3
    refused = api.post("/positions", LONG)
    assert (refused.status, refused.body) == (400, {"detail": "A user has at most 4 open positions"})
    assert api.post("/positions", LONG, user="bob").status == 201  # the cap is per user
    opened = [p["id"] for p in api.get("/positions", query={"status": "OPEN"}).body]
    assert len(opened) == 4
    # A close and a delete each free a place; deleting a closed position frees none.
    assert api.post(f"/positions/{opened[0]}/close", {"exit_price": 50100}).status == 200
    assert api.delete(f"/positions/{opened[1]}").status == 204
    assert api.delete(f"/positions/{opened[0]}").status == 204
    assert [api.post("/positions", LONG).status for _ in range(3)] == [201, 201, 400]


def test_a_sparse_strategy_filter_pages_one_query_at_a_time_and_yields_every_match_once(api: Api) -> None:
    """The strategy is a filter: each page is one Query over a bounded window, so pages may be short (even
    empty) and still carry a token, and walking them gives every match once, newest first."""
    from infra.local.aws import dynamodb_requests

    opened = [open_position(api, strategy=f"s{n % 13}")["id"] for n in range(40)]
    expected = [position_id for n, position_id in enumerate(opened) if n % 13 == 0][::-1]
    found: list[str] = []
    pages = []
    token = None
    while True:
        query = {"strategy": "s0", "limit": 1, **({"next_token": token} if token else {})}
        with dynamodb_requests() as counted:
            reply = api.get("/positions", query=query)
        assert reply.status == 200, reply.body
        # One Query; a page with an open position also reads its price (the last price is not stored).
        assert counted == ({"Query": 1, "BatchGetItem": 1} if reply.body else {"Query": 1}), counted
        pages.append(len(reply.body))
        found += [p["id"] for p in reply.body]
        token = reply.headers.get("x-next-token")
        if token is None:
            break
        assert len(pages) < 100
    assert found == expected
    assert max(pages) == 1
    assert 0 in pages  # a window with no match is an empty page that goes on


def test_the_monitor_reads_only_the_positions_a_price_reaches(api: Api, market: Any) -> None:
    """Thirty positions whose levels the price stays between, and one it reaches: after the price update the
    monitor's reads return that one; nothing is written for the others, and it is closed."""
    from goalpost.data import keys
    from infra.local.aws import dynamodb_requests

    far = [open_position(api, stop_loss=40000 + n, take_profit=60000 + n)["id"] for n in range(30)]
    near = open_position(api, stop_loss=49900, take_profit=60000)["id"]
    market.configure({"prices": {"BTCUSDT": 49850}})
    with dynamodb_requests() as counted:
        summary = api.post("/prices/refresh", groups=["admin"]).body["monitor"]
    assert (summary["checked"], summary["closed"]) == (1, {"SL_HIT": 1})
    # one Query per trigger direction for the symbol, one per timeout shard; one transaction for the close
    assert counted["Query"] == 2 + keys.TIMEOUT_SHARDS + keys.SYMBOL_SHARDS, counted
    # the price's shard item; the close's transaction, and the release of its alert (the owner's preferences
    # read, the alert marked)
    assert (counted["TransactWriteItems"], counted["GetItem"], counted["UpdateItem"]) == (1, 1, 2), counted
    by_id = {p["id"]: p for p in api.get("/positions", query={"limit": 100}).body}
    assert by_id[near]["exit_reason"] == "SL_HIT"
    assert {by_id[i]["status"] for i in far} == {"OPEN"}
    assert {by_id[i]["last_updated_price"] for i in far} == {49850}  # worked out on read


def test_a_trailing_stop_keeps_its_best_price_and_follows_it(api: Api, market: Any) -> None:
    trailing = open_position(api, stop_loss=None, take_profit=None, trailing_stop_percent=10)
    steady = open_position(api, stop_loss=None, take_profit=None)
    for price in (52000, 55000, 54000, 50000):  # best 55000: the stop at 49500
        summary = refresh(api, market, {"BTCUSDT": price})["monitor"]
        assert summary["closed"] == {}
    assert summary["trailed"] == 0
    assert refresh(api, market, {"BTCUSDT": 49500})["monitor"]["closed"] == {"TRAILING_STOP": 1}
    closed = api.get(f"/positions/{trailing['id']}").body
    assert (closed["exit_reason"], closed["exit_price"], closed["slippage"]) == ("TRAILING_STOP", 49500, 0)
    assert api.get(f"/positions/{steady['id']}").body["status"] == "OPEN"


def test_a_trailing_stop_added_later_starts_from_the_cached_price(api: Api, market: Any) -> None:
    position = open_position(api, stop_loss=None, take_profit=None)
    refresh(api, market, {"BTCUSDT": 60000})
    reply = api.patch(f"/positions/{position['id']}", {"trailing_stop_percent": 5})
    assert reply.status == 200, reply.body
    assert reply.body["last_updated_price"] == 60000
    # 5 % under 60000 is 57000: 57500 leaves it open, 57000 closes it
    assert refresh(api, market, {"BTCUSDT": 57500})["monitor"]["closed"] == {}
    assert refresh(api, market, {"BTCUSDT": 57000})["monitor"]["closed"] == {"TRAILING_STOP": 1}


def test_the_monitor_never_acts_on_levels_older_than_the_position(api: Api, market: Any) -> None:
    """The trigger indexes are eventually consistent: a position read from them may carry levels the owner has
    changed since. Such a read neither closes the position nor moves its best price."""
    from goalpost.data import positions as position_store
    from goalpost.services.monitor import _act

    opened = open_position(api, stop_loss=None, take_profit=None, trailing_stop_percent=10)
    refresh(api, market, {"BTCUSDT": 50000})
    table = get_settings().data_table_name
    as_indexed = position_store.get(table, "alice", opened["id"])
    assert as_indexed is not None
    assert api.patch(f"/positions/{opened['id']}", {"stop_loss": 40000}).status == 200
    prices = price_store.get_prices(get_settings().system_table_name, ["BTCUSDT"])
    below_old_stop = prices["BTCUSDT"].model_copy(update={"price": as_indexed.entry_price * 8 / 10})
    assert _act(as_indexed, below_old_stop, datetime.now(UTC), None) is None  # TRAILING_STOP on the old read
    peak = prices["BTCUSDT"].model_copy(update={"price": as_indexed.entry_price * 2})
    turned = prices["BTCUSDT"].model_copy(update={"price": as_indexed.entry_price * 2 - 1})
    assert _act(as_indexed, turned, datetime.now(UTC), peak) is None  # its peak, on the old read
    stored = position_store.get(table, "alice", opened["id"])
    assert stored is not None
    assert (stored.status.value, stored.stop_loss, stored.best_price) == ("OPEN", 40000, 50000)


def test_a_trailing_stop_records_its_peak_once_the_price_turns(api: Api, market: Any) -> None:
    """A rise writes nothing (the price is at its best, so the stop cannot be reached); the update that turns
    it records the peak it replaced, once; a peak seen before the position was opened is not its own."""
    from goalpost.data import positions as position_store

    refresh(api, market, {"BTCUSDT": 60000})  # before the position: never its best
    trailing = open_position(api, stop_loss=None, take_profit=None, trailing_stop_percent=10)
    table = get_settings().data_table_name

    def best() -> Any:
        stored = position_store.get(table, "alice", trailing["id"])
        assert stored is not None
        return stored.best_price

    assert refresh(api, market, {"BTCUSDT": 51000})["monitor"]["trailed"] == 0  # replaced 60000: not seen
    assert best() == 50000  # its entry
    for price in (52000, 53000):
        assert refresh(api, market, {"BTCUSDT": price})["monitor"]["trailed"] == 0
    assert best() == 50000  # its entry
    assert refresh(api, market, {"BTCUSDT": 52500})["monitor"]["trailed"] == 1  # turned: 53000 recorded
    assert best() == 53000
    assert refresh(api, market, {"BTCUSDT": 52000})["monitor"]["trailed"] == 0  # still falling: nothing new
    for price in (54000, 53900):  # a second rise, and its turn
        refresh(api, market, {"BTCUSDT": price})
    assert best() == 54000
    # Risen to 56000 and turned straight below its stop (50400): closed on the peak it replaced.
    refresh(api, market, {"BTCUSDT": 56000})
    assert refresh(api, market, {"BTCUSDT": 50000})["monitor"]["closed"] == {"TRAILING_STOP": 1}
    assert api.get(f"/positions/{trailing['id']}").body["exit_price"] == 50000


def test_concurrent_monitors_never_lower_the_best_price(api: Api) -> None:
    from goalpost.data import positions as position_store

    opened = open_position(api, stop_loss=None, take_profit=None, trailing_stop_percent=10)
    table = get_settings().data_table_name
    read = position_store.get(table, "alice", opened["id"])
    assert read is not None
    now = datetime.now(UTC)
    higher = read.model_copy(update={"best_price": read.entry_price + 500, "updated_at": now})
    lower = read.model_copy(update={"best_price": read.entry_price + 100, "updated_at": now})
    assert position_store.raise_best(table, higher, as_read=read.updated_at)
    assert not position_store.raise_best(table, lower, as_read=read.updated_at)  # read before the first write
    again = position_store.get(table, "alice", opened["id"])
    assert again is not None
    assert not position_store.raise_best(table, lower, as_read=again.updated_at)  # worse than the stored best
    stored = position_store.get(table, "alice", opened["id"])
    assert stored is not None
    assert stored.best_price == read.entry_price + 500


def test_a_strategy_may_not_be_the_all_trades_groups_name(api: Api) -> None:
    """``*`` names every trade in GET /performance: a trade's strategy may not take it (its stats would merge
    into every trade's); another name with a star is a strategy like any other."""
    refused = api.post("/positions", {**LONG, "strategy": "*"})
    assert refused.status == 422, refused.body
    assert api.get("/positions").body == []
    assert open_position(api, strategy="*star*")["strategy"] == "*star*"
