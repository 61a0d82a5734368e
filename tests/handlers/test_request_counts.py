"""Every route costs a constant number of DynamoDB requests: a user with 500 goals costs what one with 5 does.

The requests are counted through botocore's event hooks on the very client the handlers use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost.data.batches import batch_write
from goalpost.data.codec import serialize
from goalpost.data.goals import goal_item
from infra.local.aws import dynamodb_requests
from tests.handlers.conftest import Api, investment_goals
from tests.handlers.test_accounts_api import exchange, simulated_account  # noqa: F401 (exchange: a fixture)
from tests.handlers.test_goal_cleanup import goal_with_children

TABLE = "test-data"
NOW = datetime.now(UTC)


def add_goals(user: str, count: int) -> None:
    """``count`` goals of a type budget sync does not measure, written straight to the table."""
    goals = investment_goals(user, count, NOW)
    requests = [{"PutRequest": {"Item": serialize(goal_item(goal))}} for goal in goals]
    for start in range(0, len(requests), 25):
        batch_write(TABLE, requests[start : start + 25])


def scenario(api: Api, user: str, extra_goals: int) -> dict[str, int]:
    """Runs every goals route once for ``user`` and returns the DynamoDB requests each cost."""
    add_goals(user, extra_goals)
    deadline = (NOW + timedelta(days=200)).date().isoformat()
    goal = api.post(
        "/goals",
        {"name": "Probe", "type": "savings", "target_amount": 1000, "deadline": deadline, "tags": ["category:rainy"]},
        user=user,
    ).body
    other = api.post("/goals", {"name": "Other", "type": "debt", "target_amount": 0, "current_amount": 50}, user=user)
    api.post(f"/goals/{goal['id']}/funding", {"account_id": "keep", "allocation_percent": 10}, user=user)
    base = f"/goals/{goal['id']}"
    budget = {"period_year": NOW.year, "period_month": NOW.month, "category_totals": {"rainy": 300}}
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("POST /goals", lambda: api.post("/goals", {"name": "n", "type": "savings", "target_amount": 5}, user=user)),
        ("GET /goals", lambda: api.get("/goals", user=user)),
        ("GET /goals?status", lambda: api.get("/goals", query={"status": "active", "type": "savings"}, user=user)),
        ("GET /goals/{id}", lambda: api.get(base, user=user)),
        ("PATCH /goals/{id}", lambda: api.patch(base, {"current_amount": 260}, user=user)),
        ("POST pause", lambda: api.post(f"{base}/pause", user=user)),
        ("POST resume", lambda: api.post(f"{base}/resume", user=user)),
        ("POST progress", lambda: api.post(f"{base}/progress", {"contribution_amount": 10}, user=user)),
        ("GET progress", lambda: api.get(f"{base}/progress", user=user)),
        ("GET history", lambda: api.get(f"{base}/progress/history", user=user)),
        ("POST milestones", lambda: api.post(f"{base}/milestones", {"amount": 900, "description": "m"}, user=user)),
        ("GET milestones", lambda: api.get(f"{base}/milestones", user=user)),
        ("GET milestones/progress", lambda: api.get(f"{base}/milestones/progress", user=user)),
        ("POST funding", lambda: api.post(f"{base}/funding", {"account_id": "a", "allocation_percent": 5}, user=user)),
        ("GET funding", lambda: api.get(f"{base}/funding", user=user)),
        ("PATCH funding", lambda: api.patch(f"{base}/funding/a", {"allocation_percent": 6}, user=user)),
        ("DELETE funding", lambda: api.delete(f"{base}/funding/a", user=user)),
        ("GET dashboard", lambda: api.get("/goals/dashboard", user=user)),
        ("GET templates", lambda: api.get("/goals/templates", user=user)),
        ("GET template", lambda: api.get("/goals/templates/debt_free", user=user)),
        ("POST sync-from-budget", lambda: api.post("/goals/sync-from-budget", budget, user=user)),
        (
            "POST from-template",
            lambda: api.post(
                "/goals/from-template",
                {"template_id": "retirement_target", "parameters": {"target_income": 40000}},
                user=user,
            ),
        ),
        ("POST complete", lambda: api.post(f"{base}/complete", user=user)),
        ("DELETE /goals/{id}", lambda: api.delete(f"/goals/{other.body['id']}", user=user)),
    ]
    costs = {}
    for name, call in calls:
        with dynamodb_requests() as counted:
            reply = call()
        assert reply.status < 300, (name, reply.status, reply.body)
        costs[name] = sum(counted.values())
    return costs


def test_no_route_costs_more_with_500_goals_than_with_5(api: Api) -> None:
    small = scenario(api, "few", 5)
    large = scenario(api, "many", 500)
    assert large == small
    assert api.get("/goals/dashboard", user="many").body["goals"].__len__() == 500 + 3
    assert max(small.values()) <= 4, small


def test_routes_that_raise_alerts_or_create_trading_goals_cost_at_most_three_requests(api: Api) -> None:
    """A request's alerts are released together: one read of the goal (or position) with the preferences,
    the change, one write of the plans and delivered marks, however many alerts it raises (a close plans its
    alert's email in its own transaction, so the write after it records the send with the mark). Budget sync
    reads its goals with a Query of the active goals' index partition, which holds the preferences too: its
    release's write checks they still stand (test_budget_sync_preferences)."""

    def cost(call: Callable[[], Any]) -> dict[str, int]:
        with dynamodb_requests() as counted:
            reply = call()
        assert reply.status < 300, reply.body
        return dict(counted)

    milestones = [{"amount": 100 * (n + 1), "description": str(n)} for n in range(10)]
    goal = api.post("/goals", {"name": "m", "type": "savings", "target_amount": 2000, "milestones": milestones}).body
    base = f"/goals/{goal['id']}"
    assert cost(lambda: api.patch(base, {"current_amount": 150})) == {
        "BatchGetItem": 1,
        "TransactWriteItems": 1,
        "UpdateItem": 1,  # the one alert (milestone_reached) out of the outbox
    }
    reaches_all = cost(lambda: api.post(f"{base}/progress", {"value": 1900}))  # 9 milestones, 25/50/75 %
    assert reaches_all == {"BatchGetItem": 1, "TransactWriteItems": 2}
    assert len(api.get("/alerts").body) == 14  # and significant_progress (r2): 150 -> 1,900 of 2,000 in one step
    assert all(a["delivered_at"] for a in api.get("/alerts").body)

    budget = {"period_year": NOW.year, "period_month": NOW.month, "category_totals": {"savings": 2000}}  # completed
    assert cost(lambda: api.post("/goals/sync-from-budget", budget)) == {
        "Query": 1,  # the active goals, and the preferences (none stored: the defaults)
        # The goal, its entry, the alert and the budget snapshot; then the alert out of the outbox, with the
        # check that the owner still has no preferences stored.
        "TransactWriteItems": 2,
    }
    assert cost(lambda: api.post("/goals/sync-from-budget", budget)) == {"Query": 1, "PutItem": 1}  # no change

    position = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body
    assert cost(lambda: api.post(f"/positions/{position['id']}/close", {"exit_price": 101})) == {
        "BatchGetItem": 1,  # the position, the preferences, the month and the monthly income goal
        "TransactWriteItems": 1,
        "UpdateItem": 1,
        # r2: the monthly income goal moves only with its status: never used and still 'behind' (its default,
        # what its first read creates it with), it is not created here
    }
    api.patch("/alerts/preferences", {"email": "alice@example.com", "quiet_hours_start": None})
    position = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body
    assert cost(lambda: api.post(f"/positions/{position['id']}/close", {"exit_price": 101})) == {
        "BatchGetItem": 1,
        "TransactWriteItems": 2,  # the close with the email's slot and record; the email sent and delivered
    }

    # r2: the goals, and the month's income as it stands (which every close and record-profit moves).
    first_use = {"Query": 1, "GetItem": 1, "TransactWriteItems": 1}
    assert cost(lambda: api.get("/goals/status", user="trader")) == first_use
    assert cost(lambda: api.get("/goals/status", user="trader")) == {"Query": 1, "GetItem": 1}
    # r2: the month, the monthly income goal and the preferences; the profit, only if the month is as read.
    record = {"BatchGetItem": 1, "UpdateItem": 1}
    assert cost(lambda: api.post("/goals/record-profit", query={"profit": 10}, user="trader")) == record
    targets = {"monthly_income_target": 3000}
    # The log records the portfolio value at the change, valued live: the open positions, then their prices,
    # the cash, the month, the goals and the preferences in one BatchGetItem; then the transaction.
    valued = {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    assert cost(lambda: api.call("PUT", "/goals/targets", query=targets, user="trader")) == valued
    # The change, the log entry and the two goals never used yet, in the same transaction.
    assert cost(lambda: api.call("PUT", "/goals/targets", query=targets, user="newcomer")) == valued
    api.post("/positions", {"symbol": "MSFT", "quantity": 1, "entry_price": 100}, user="trader")
    api.post("/goals/manual-snapshot", user="trader")  # the month's first evaluation stores its start value
    assert cost(lambda: api.post("/goals/manual-snapshot", user="trader")) == {
        "BatchGetItem": 1,  # every price item, the profile (cash, open positions), month, trading goals, preferences
        "Query": 1,  # the active goals
        "BatchWriteItem": 1,  # the goals and today's history rows: no alert to guard, so no transaction
    }


def seed_performance(user: str, groups: int, days: int, five_minute_slots: int) -> None:
    """``groups`` bot aggregates, ``days`` daily snapshots and ``five_minute_slots`` 5-minute ones up to now,
    each holding 5 holdings (what the bench seeds), written straight to the table."""
    from goalpost.data import keys
    from goalpost.data.snapshots import put_snapshots, snapshot_item
    from goalpost.domain.charts import SLOT, Tier, slot_of

    aggregates = [
        {"pk": keys.user_pk(user), "sk": keys.perf_sk(name), "trades": 1, "wins": 1, "pnl_sum": 5, "win_sum": 5}
        for name in ["*", *(f"B#bot-{n}" for n in range(groups))]
    ]
    writes = [{"PutRequest": {"Item": serialize(item)}} for item in aggregates]
    for start in range(0, len(writes), 25):
        batch_write(TABLE, writes[start : start + 25])
    holding = {"side": "LONG", "shares": 1, "cost_basis": 100, "current_value": 101, "price_missing": False}
    holdings = [{**holding, "ticker": f"SYM{n}", "price_per_share": 101} for n in range(5)]
    last_close = slot_of(NOW.replace(hour=0, minute=0)) - SLOT  # yesterday's 23:55, in the daily tier
    slots = [last_close - Tier.DAILY.bucket * day for day in range(days)]
    slots += [slot_of(NOW) - SLOT * n for n in range(five_minute_slots)]
    snapshot = {"total_value": 1000, "cash_balance": 500, "investment_value": 500, "positions": holdings}
    put_snapshots(
        "test-snapshots",
        (snapshot_item(user, slot, {**snapshot, "total_value": 1000 + n}) for n, slot in enumerate(slots)),
    )


def test_performance_reads_three_query_pages_whatever_the_trades_groups_and_snapshots(api: Api) -> None:
    """GET /performance reads the aggregates, the daily values of 365 days and the 5-minute values of the last
    2 days: one Query page each (docs/metrics.md says why each fits a page)."""
    seed_performance("few", groups=1, days=2, five_minute_slots=2)
    seed_performance("many", groups=300, days=365, five_minute_slots=2 * 288)
    costs = {}
    for user in ("few", "many"):
        with dynamodb_requests() as counted:
            reply = api.get("/performance", user=user)
        assert reply.status == 200, reply.body
        costs[user] = dict(counted)
    assert costs["few"] == costs["many"] == {"Query": 3}
    many = api.get("/performance", user="many").body
    assert len(many["by_bot"]) == 300
    assert many["sharpe_ratio"] is not None


def test_order_routes_cost_the_same_whatever_the_positions(api: Api) -> None:
    """Placing, filling, cancelling and listing orders by bot cost a constant number of requests: fill is the
    read, the one transaction and the price of the answer (3); cancel the read and one conditional update (2);
    the bot filter one Query of its index and the page's prices."""
    order = {"symbol": "AAPL", "quantity": 1, "entry_price": 100, "status": "PENDING", "bot_id": "b1"}

    def costs(user: str, extra: int) -> dict[str, dict[str, int]]:
        for _ in range(extra):
            api.post("/positions", {**order, "status": "OPEN"}, user=user)
        placed = [api.post("/positions", order, user=user).body["id"] for _ in range(2)]
        calls: list[tuple[str, Callable[[], Any]]] = [
            ("POST /positions PENDING", lambda: api.post("/positions", order, user=user)),
            ("POST fill", lambda: api.post(f"/positions/{placed[0]}/fill", {"entry_price": 101}, user=user)),
            ("POST cancel", lambda: api.post(f"/positions/{placed[1]}/cancel", {"failed": True}, user=user)),
            ("GET ?bot_id", lambda: api.get("/positions", query={"bot_id": "b1"}, user=user)),
            ("GET ?prompt_id", lambda: api.get("/positions", query={"prompt_id": "p", "status": "OPEN"}, user=user)),
            ("DELETE cancelled", lambda: api.delete(f"/positions/{placed[1]}", user=user)),
        ]
        return measured_calls(calls)

    few, many = costs("few-orders", 2), costs("many-orders", 40)
    assert few == many
    assert few["POST fill"] == {"GetItem": 1, "TransactWriteItems": 1, "BatchGetItem": 1}
    assert few["POST cancel"] == {"GetItem": 1, "UpdateItem": 1}
    assert few["POST /positions PENDING"] == {"PutItem": 1}
    assert few["GET ?bot_id"] == {"Query": 1, "BatchGetItem": 1}
    assert few["DELETE cancelled"] == {"GetItem": 1, "DeleteItem": 1}
    assert max(sum(cost.values()) for cost in few.values()) <= 3, few


def measured_calls(calls: list[tuple[str, Callable[[], Any]]]) -> dict[str, dict[str, int]]:
    """The DynamoDB requests of each call, by name (each must succeed)."""
    measured = {}
    for name, call in calls:
        with dynamodb_requests() as counted:
            reply = call()
        assert reply.status < 300, (name, reply.body)
        measured[name] = dict(counted)
    return measured


@pytest.mark.usefixtures("exchange")  # the account clients pointed at the simulated exchange
def test_account_routes_cost_the_same_whatever_the_accounts(api: Api, market: Any) -> None:
    """Connecting is one transaction (the account and its key's claim); reading one is a BatchGetItem (the
    account and its shard's sync run), the list one Query and one BatchGetItem of its shards' runs. The
    provider's and KMS's requests are not DynamoDB's. Disconnecting is the read and one transaction,
    whatever the other accounts (and the account's positions: test_account_cleanup)."""

    simulator = market.exchange

    def costs(user: str, extra: int) -> dict[str, dict[str, int]]:
        for _ in range(extra):
            api.post("/accounts", simulated_account(simulator), user=user)
        account = api.post("/accounts", simulated_account(simulator), user=user).body
        calls: list[tuple[str, Callable[[], Any]]] = [
            ("POST /accounts", lambda: api.post("/accounts", simulated_account(simulator), user=user)),
            ("GET /accounts", lambda: api.get("/accounts", user=user)),
            ("GET /accounts/{id}", lambda: api.get(f"/accounts/{account['id']}", user=user)),
            ("DELETE /accounts/{id}", lambda: api.delete(f"/accounts/{account['id']}", user=user)),
        ]
        return measured_calls(calls)

    few, many = costs("few-accounts", 0), costs("many-accounts", 20)
    assert few == many
    assert few["POST /accounts"] == {"TransactWriteItems": 1}
    # With their shards' sync run records (an unchanged sync writes nothing on the account: data.sync_runs).
    assert few["GET /accounts"] == {"Query": 1, "BatchGetItem": 1}
    assert few["GET /accounts/{id}"] == {"BatchGetItem": 1}
    assert few["DELETE /accounts/{id}"] == {"GetItem": 1, "TransactWriteItems": 1}


def test_deleting_a_goal_costs_the_same_whatever_its_children(api: Api) -> None:
    """Its progress entries and funding links go later, by the goal-cleanup worker: the route is one transaction."""

    def cost(goal_id: str) -> dict[str, int]:
        with dynamodb_requests() as counted:
            reply = api.delete(f"/goals/{goal_id}", user="deleter")
        assert reply.status == 204, reply.body
        return dict(counted)

    without = cost(goal_with_children(api, "deleter", entries=0, links=0))
    few = cost(goal_with_children(api, "deleter", entries=5, links=2))
    many = cost(goal_with_children(api, "deleter", entries=130, links=24))
    assert without == few == many
    assert sum(many.values()) <= 3, many


def hold_positions(user: str, count: int) -> None:
    """``count`` open positions, each in a symbol of its own with a fresh cached price (the most price items a
    portfolio of that size reads), and the user's cash, written straight to the tables."""
    from decimal import Decimal

    from goalpost.data import keys
    from goalpost.data.holdings import holdings_of
    from goalpost.data.positions import position_item
    from goalpost.data.prices import put_prices, set_symbol_counts
    from goalpost.domain.portfolio import CachedPrice
    from goalpost.domain.positions import Position
    from goalpost.settings import get_settings

    held = [Position.opened(user, f"H{n:04d}", Decimal(1), Decimal(10), NOW) for n in range(count)]
    # The profile holds the open positions too, as the transactions that open them leave it.
    profile = {"pk": keys.user_pk(user), "sk": keys.PROFILE_SK, "cash_balance": 500, **holdings_of(held)}
    opened = {"pk": keys.user_pk(user), "sk": keys.OPEN_COUNT_SK, "open_count": count}
    items = [{"PutRequest": {"Item": serialize(item)}} for item in [*map(position_item, held), profile, opened]]
    batch_write(TABLE, items)
    system = get_settings().system_table_name
    symbols = [p.symbol for p in held]
    set_symbol_counts(system, dict.fromkeys(symbols, 1), NOW)
    put_prices(system, [CachedPrice(symbol=s, price=Decimal(11), updated_at=NOW, source="test") for s in symbols])


def test_valuing_a_portfolio_costs_the_same_for_5_and_for_hundreds_of_symbols(api: Api) -> None:
    """The open positions (one Query), then every price they need, the cash and whatever else the route reads by
    key in one BatchGetItem: the price cache's items are few enough for any portfolio's symbols to fit one."""

    def costs(user: str, count: int) -> dict[str, dict[str, int]]:
        hold_positions(user, count)
        api.post("/goals/manual-snapshot", user=user)  # the month's first evaluation stores its start value
        calls: list[tuple[str, Callable[[], Any]]] = [
            ("GET /portfolio/current", lambda: api.get("/portfolio/current", user=user)),
            (
                "PUT /goals/targets",
                lambda: api.call("PUT", "/goals/targets", query={"monthly_income_target": 3000}, user=user),
            ),
            ("POST /goals/manual-snapshot", lambda: api.post("/goals/manual-snapshot", user=user)),
        ]
        return measured_calls(calls)

    few, many = costs("five-symbols", 5), costs("many-symbols", 400)
    assert few == many
    assert few["GET /portfolio/current"] == {"Query": 1, "BatchGetItem": 1}
    # The trading goals are read by key with the prices, the cash and the month: no Query of their own.
    assert few["PUT /goals/targets"] == {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    # The open positions as the profile holds them, read with every price item: then the active goals.
    assert few["POST /goals/manual-snapshot"] == {"BatchGetItem": 1, "Query": 1, "BatchWriteItem": 1}
    goals = {g["goal_type"]: g for g in api.get("/goals/status", user="many-symbols").body["goals"]}
    assert goals["portfolio_value"]["current_value"] == 500 + 400 * 11  # the cash, and 400 positions at 11
    assert len(api.get("/portfolio/current", user="many-symbols").body["positions"]) == 400
    assert not any(row["price_missing"] for row in api.get("/portfolio/current", user="many-symbols").body["positions"])


def keyed_costs(api: Api, user: str, extra_goals: int) -> dict[str, tuple[int, int]]:
    """Every route that honours Idempotency-Key, sent with a fresh key and then once more with it: what each
    request cost (fresh, replayed). The record is written in the route's own transaction, so a fresh key costs
    what the route costs without one; a replay is refused by the record and answers from it."""
    add_goals(user, extra_goals)
    goal = api.post("/goals", {"name": "Keyed", "type": "savings", "target_amount": 1000}, user=user).body
    base = f"/goals/{goal['id']}"
    budget = {"period_year": NOW.year, "period_month": NOW.month, "category_totals": {"savings": 300}}
    template = {"template_id": "retirement_target", "parameters": {"target_income": 40000}}
    calls: list[tuple[str, str, Any, dict[str, Any]]] = [
        ("POST /goals", "/goals", {"name": "n", "type": "savings", "target_amount": 5}, {}),
        ("POST progress", f"{base}/progress", {"contribution_amount": 10}, {}),
        ("POST milestones", f"{base}/milestones", {"amount": 900, "description": "m"}, {}),
        ("POST funding", f"{base}/funding", {"account_id": "a", "allocation_percent": 5}, {}),
        ("POST from-template", "/goals/from-template", template, {}),
        ("POST sync-from-budget", "/goals/sync-from-budget", budget, {}),
        ("POST /positions", "/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}, {}),
        ("POST record-profit", "/goals/record-profit", None, {"profit": 10}),
    ]
    costs = {}
    for name, path, body, query in calls:
        counts = []
        replies = []
        for _ in range(2):
            with dynamodb_requests() as counted:
                replies.append(api.post(path, body, query=query, user=user, headers={"Idempotency-Key": name}))
            counts.append(sum(counted.values()))
        assert replies[0].status < 300, (name, replies[0].body)
        assert (replies[1].status, replies[1].body) == (replies[0].status, replies[0].body), name
        costs[name] = (counts[0], counts[1])
    return costs


def test_an_idempotency_key_adds_no_request_and_a_replay_costs_the_same_whatever_the_goals(api: Api) -> None:
    small = keyed_costs(api, "keyed-few", 5)
    large = keyed_costs(api, "keyed-many", 500)
    assert large == small
    # Fresh: what each route costs without a key (a route whose write is one item writes a transaction of two:
    # the same one request). Replayed: the route's reads, its write refused by the record, the record's read.
    assert small == {
        "POST /goals": (1, 2),
        "POST progress": (2, 3),
        "POST milestones": (2, 3),
        "POST funding": (1, 2),
        "POST from-template": (1, 2),
        # The sync raises an alert (30 % of the goal): its Query brings the preferences, its release out of the
        # outbox is the third request, with a key or without.
        "POST sync-from-budget": (3, 3),
        "POST /positions": (2, 3),
        "POST record-profit": (2, 3),
    }
