"""Each function makes only the DynamoDB requests its declaration grants (``Function.tables``): the routes
and jobs of the request-count tests are run again while every request is checked against the declared actions
of the function being invoked, on the table it names (the local server does not enforce IAM; this does)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.settings import get_settings
from infra.local.lambdas import HandlerRegistry
from tests.handlers import test_request_counts as request_counts
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


@contextmanager
def undeclared_requests(
    declared: dict[str, dict[str, declaration.TableActions]] | None = None,
) -> Iterator[list[str]]:
    """Every request a handler made beyond its function's declared actions (``declared`` by function name
    instead, for the check's own test), while the block runs (the handler tests invoke one function at a
    time)."""
    settings = get_settings()
    table_keys = {
        settings.data_table_name: declaration.DATA_TABLE.key,
        settings.system_table_name: declaration.SYSTEM_TABLE.key,
        settings.idempotency_table_name: declaration.IDEMPOTENCY_TABLE.key,
    }
    invoking: list[declaration.Function] = []
    found: list[str] = []

    def check(model: Any, params: dict[str, Any], **_: Any) -> None:
        if not invoking:
            return  # the test's own seeding
        function = invoking[-1]
        tables = (declared or {}).get(function.name, function.tables)
        for table, action in requested(model.name, params):
            if action not in tables.get(table_keys[table], ()):
                found.append(f"{function.name}: {action} on {table_keys[table]}")

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
            yield found
        finally:
            events.unregister("before-parameter-build.dynamodb", check)


def test_the_goals_routes_use_only_the_declared_actions(api: Api) -> None:
    with undeclared_requests() as found:
        request_counts.scenario(api, "declared", 3)
        goal = api.post("/goals", {"name": "Gone", "type": "savings", "target_amount": 10}, user="declared").body
        api.post(f"/goals/{goal['id']}/progress", {"value": 5}, user="declared")
        assert api.delete(f"/goals/{goal['id']}", user="declared").status == 204
        request_counts.test_routes_that_raise_alerts_or_create_trading_goals_cost_at_most_three_requests(api)
    assert found == []


def test_the_trading_routes_use_only_the_declared_actions(api: Api) -> None:
    with undeclared_requests() as found:
        request_counts.test_order_routes_cost_the_same_whatever_the_positions(api)
        request_counts.test_performance_reads_three_query_pages_whatever_the_trades_groups_and_snapshots(api)
    assert found == []


@pytest.mark.usefixtures("exchange")
def test_the_account_routes_use_only_the_declared_actions(api: Api, market: Any) -> None:
    with undeclared_requests() as found:
        request_counts.test_account_routes_cost_the_same_whatever_the_accounts(api, market)
    assert found == []


def test_a_request_outside_the_declared_actions_is_found(api: Api) -> None:
    """The check itself: the goals API with its DeleteItem taken away is caught deleting a goal."""
    goal = api.post("/goals", {"name": "Gone", "type": "savings", "target_amount": 10}).body
    api.post(f"/goals/{goal['id']}/progress", {"value": 5})  # a child, deleted in a batch with the goal
    narrowed = {**declaration.GOALS_API.tables, "data": declaration.WRITE}
    with undeclared_requests({declaration.GOALS_API.name: narrowed}) as found:
        api.delete(f"/goals/{goal['id']}")
    assert "goals-api: DeleteItem on data" in found
    assert "goals-api: BatchWriteItem on data" in found
