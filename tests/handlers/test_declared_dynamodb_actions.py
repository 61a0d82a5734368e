"""Each function makes only the DynamoDB requests its declaration grants (``Function.tables``): the routes
and jobs of the request-count tests are run again while every request is checked against the declared actions
of the function being invoked, on the table it names (the local server does not enforce IAM; this does)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.settings import get_settings
from infra.local.lambdas import HandlerRegistry
from tests.handlers import test_account_cleanup as account_cleanup
from tests.handlers import test_accounts_api as accounts
from tests.handlers import test_alert_delivery as delivery
from tests.handlers import test_goal_cleanup as goal_cleanup
from tests.handlers import test_portfolio_accounts as portfolio
from tests.handlers import test_prices_api as prices
from tests.handlers import test_request_counts as request_counts
from tests.handlers import test_snapshot_registry as snapshots
from tests.handlers import test_trading_goals as trading_goals
from tests.handlers.conftest import Api
from tests.handlers.test_accounts_api import exchange  # noqa: F401 (a fixture)

# A transaction has no IAM action of its own: each item needs its request's.
TRANSACTION_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
TRANSACTION_ITEM_ACTIONS["ConditionCheck"] = "ConditionCheckItem"


def requested(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The (table name, IAM action) pairs one DynamoDB request needs."""
    if operation == "TransactWriteItems":
        for item in params["TransactItems"]:
            (kind, request), *_ = item.items()
            yield request["TableName"], TRANSACTION_ITEM_ACTIONS[kind]
    elif "RequestItems" in params:
        for table in params["RequestItems"]:
            yield table, operation
    else:
        yield params["TableName"], operation


@dataclass
class Audit:
    undeclared: list[str] = field(default_factory=list)  # "<function>: <action> on <table key>"
    checked: Counter[str] = field(default_factory=Counter)  # requests checked, by function name


@contextmanager
def undeclared_requests(
    declared: dict[str, dict[str, declaration.TableActions]] | None = None,
) -> Iterator[Audit]:
    """Every request a handler made beyond its function's declared actions (``declared`` by function name
    instead, for the check's own test), while the block runs (the handler tests invoke one function at a
    time)."""
    settings = get_settings()
    table_keys = {
        settings.data_table_name: declaration.DATA_TABLE.key,
        settings.system_table_name: declaration.SYSTEM_TABLE.key,
        settings.idempotency_table_name: declaration.IDEMPOTENCY_TABLE.key,
        settings.snapshots_table_name: declaration.SNAPSHOTS_TABLE.key,
    }
    invoking: list[declaration.Function] = []
    audit = Audit()

    def check(model: Any, params: dict[str, Any], **_: Any) -> None:
        if not invoking:
            return  # the test's own seeding
        function = invoking[-1]
        audit.checked[function.name] += 1
        tables = (declared or {}).get(function.name, function.tables)
        for table, action in requested(model.name, params):
            if action not in tables.get(table_keys[table], ()):
                audit.undeclared.append(f"{function.name}: {action} on {table_keys[table]}")

    original = HandlerRegistry.invoke

    def invoke(self: HandlerRegistry, function: declaration.Function, *args: Any, **kwargs: Any) -> Any:
        invoking.append(function)
        try:
            return original(self, function, *args, **kwargs)
        finally:
            invoking.pop()

    events = goalpost_aws.client("dynamodb").meta.events
    events.register("before-parameter-build.dynamodb", check)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(HandlerRegistry, "invoke", invoke)
        try:
            yield audit
        finally:
            events.unregister("before-parameter-build.dynamodb", check)


def test_the_goals_routes_use_only_the_declared_actions(api: Api) -> None:
    with undeclared_requests() as audit:
        request_counts.scenario(api, "declared", 3)
        goal = api.post("/goals", {"name": "Gone", "type": "savings", "target_amount": 10}, user="declared").body
        api.post(f"/goals/{goal['id']}/progress", {"value": 5}, user="declared")
        assert api.delete(f"/goals/{goal['id']}", user="declared").status == 204
        request_counts.test_routes_that_raise_alerts_or_create_trading_goals_cost_at_most_three_requests(api)
    assert audit.undeclared == []
    assert {"goals-api", "goal-tracking-api"} <= set(audit.checked), audit.checked


def test_the_trading_portfolio_and_alerts_routes_use_only_the_declared_actions(api: Api) -> None:
    with undeclared_requests() as audit:
        request_counts.test_order_routes_cost_the_same_whatever_the_positions(api)
        request_counts.test_performance_reads_three_query_pages_whatever_the_trades_groups_and_snapshots(api)
        portfolio.test_the_live_value_of_the_charts_counts_the_accounts(api)
        delivery.test_setting_an_email_creates_and_subscribes_the_users_topic(api)
    assert audit.undeclared == []
    assert {"positions-api", "portfolio-api", "alerts-api"} <= set(audit.checked), audit.checked


@pytest.mark.usefixtures("exchange")
def test_the_account_and_price_routes_use_only_the_declared_actions(api: Api, market: Any) -> None:
    with undeclared_requests() as audit:
        request_counts.test_account_routes_cost_the_same_whatever_the_accounts(api, market)
        prices.test_refresh_fetches_the_active_symbols_from_their_providers(api, market)
    assert audit.undeclared == []
    assert {"accounts-api", "prices-api"} <= set(audit.checked), audit.checked


def run_both_cleanups(api: Api, market: Any) -> None:
    """The goal-cleanup worker on both of its kinds: a deleted goal's children, a disconnected account's
    positions."""
    goal_cleanup.test_a_goal_left_marked_by_the_earlier_two_step_delete_is_deleted_and_cleaned(api)
    account_cleanup.test_the_cleanup_unlinks_every_position_of_the_account_then_its_tombstone(api, market)


# Each job (and worker), run as its own test runs it, on a fresh moto: they share users and symbols.
JOB_RUNS: dict[str, Callable[[Api, Any, Any], None]] = {
    "price-update": lambda api, market, _: prices.test_the_scheduled_job_runs_the_same_update(api, market),
    "position-monitor": lambda api, market, _: snapshots.test_the_monitors_closes_take_the_holdings(api, market),
    "snapshot": lambda api, *_: snapshots.test_a_snapshot_is_what_value_portfolio_gives_for_the_open_positions(api),
    "end-of-day-trading": lambda api, *_: trading_goals.test_end_of_day_evaluates_writes_one_row_a_day_and_alerts_once(
        api
    ),
    "end-of-day-personal": lambda api, *_: trading_goals.test_personal_goals_are_checked_each_evening(api),
    "deliver-alerts": lambda api, _, publishes: (
        delivery.test_quiet_hours_across_midnight_in_tokyo_defer_and_deliver_once(api, publishes)
    ),
    "account-sync": lambda api, market, _: (
        accounts.test_the_account_sync_job_queues_every_shard_and_its_worker_syncs_the_accounts(api, market.exchange)
    ),
    "goal-cleanup": lambda api, market, _: run_both_cleanups(api, market),
}


# The functions each run must be seen making requests (the workers through their queues).
JOB_FUNCTIONS = {
    "price-update": {"price-update"},
    "position-monitor": {"position-monitor"},
    "snapshot": {"snapshot-worker"},
    "end-of-day-trading": {"end-of-day-worker"},
    "end-of-day-personal": {"end-of-day-worker"},
    "deliver-alerts": {"deliver-alerts"},
    "account-sync": {"account-sync-worker"},
    "goal-cleanup": {"goal-cleanup", "goal-cleanup-worker"},
}


@pytest.mark.usefixtures("exchange")
@pytest.mark.parametrize("job", JOB_RUNS)
def test_the_jobs_and_their_workers_use_only_the_declared_actions(
    api: Api, market: Any, publishes: Any, job: str
) -> None:
    with undeclared_requests() as audit:
        JOB_RUNS[job](api, market, publishes)
    assert audit.undeclared == []
    assert JOB_FUNCTIONS[job] <= set(audit.checked), audit.checked


def test_a_request_outside_the_declared_actions_is_found(api: Api) -> None:
    """The check itself: the goals API with its DeleteItem taken away is caught deleting a goal."""
    goal = api.post("/goals", {"name": "Gone", "type": "savings", "target_amount": 10}).body
    narrowed = {**declaration.GOALS_API.tables, "data": declaration.WRITE}
    with undeclared_requests({declaration.GOALS_API.name: narrowed}) as audit:
        api.delete(f"/goals/{goal['id']}")
    assert audit.undeclared == ["goals-api: DeleteItem on data"]
