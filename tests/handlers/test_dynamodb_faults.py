"""DynamoDB faults moto cannot produce, injected through botocore's event hooks on the real client:
partially processed batches are retried until every item is written, and nothing is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from goalpost import aws as goalpost_aws
from goalpost.data import prices as price_store
from goalpost.domain.portfolio import CachedPrice
from tests.handlers.conftest import Api

SYSTEM = "test-system"


def test_unprocessed_batch_items_are_retried_until_written(api: Api) -> None:
    """The first two BatchWriteItem calls 'process' nothing (as DynamoDB does when throttled): every symbol
    count still lands, in more requests."""
    events = goalpost_aws.client("dynamodb").meta.events
    refused = {"left": 2}
    asked: dict[str, Any] = {}
    calls = {"made": 0}

    def remember(params: dict[str, Any], **_: Any) -> None:
        asked["items"] = params["RequestItems"]

    def throttle(**_: Any) -> Any:
        calls["made"] += 1
        if refused["left"] > 0:
            refused["left"] -= 1
            return (AWSResponse("", 200, {}, None), {"UnprocessedItems": asked["items"]})
        return None

    events.register("before-parameter-build.dynamodb.BatchWriteItem", remember)
    events.register("before-call.dynamodb.BatchWriteItem", throttle)
    try:
        symbols = [f"S{n}" for n in range(30)]
        price_store.set_symbol_counts(SYSTEM, dict.fromkeys(symbols, 1), datetime.now(UTC))
    finally:
        events.unregister("before-call.dynamodb.BatchWriteItem", throttle)
        events.unregister("before-parameter-build.dynamodb.BatchWriteItem", remember)
    assert refused["left"] == 0
    assert calls["made"] >= 4  # two batches, and the two refused attempts again
    assert price_store.active_symbols(SYSTEM) == sorted(symbols)


def _throttle_every(operation: str) -> Any:
    """Answers every ``operation`` call (each SDK retry too) as DynamoDB does when throttling."""

    def throttled(**_: Any) -> Any:
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
        return (AWSResponse("", 400, {}, None), error)

    goalpost_aws.client("dynamodb").meta.events.register(f"before-call.dynamodb.{operation}", throttled)
    return lambda: goalpost_aws.client("dynamodb").meta.events.unregister(
        f"before-call.dynamodb.{operation}", throttled
    )


def test_a_price_update_throttled_past_the_sdk_retries_completes_and_keeps_the_old_prices(
    api: Api, market: Any
) -> None:
    from datetime import timedelta

    api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100, "take_profit": 110})
    market.configure({"prices": {"AAPL": 101}})
    assert api.post("/prices/refresh", groups=["admin"]).body["updated"] == 1
    market.configure({"prices": {"AAPL": 120}})  # past the take profit
    release = _throttle_every("UpdateItem")  # the price shards are written with UpdateItem
    try:
        summary = api.post("/prices/refresh", groups=["admin"]).body
    finally:
        release()
    assert summary["updated"] == 0
    assert summary["errors"] == ["storing prices failed: ProvisionedThroughputExceededException"]
    assert api.get("/prices", query={"symbols": "AAPL"}).body[0]["price"] == 101
    assert [p["status"] for p in api.get("/positions").body] == ["OPEN"]  # nothing acted on an unstored price
    # Once the cached price is stale, the monitor reports the position rather than acting on it.
    later = datetime.now(UTC) + timedelta(minutes=6)
    report = api.run_job("position_monitor", {"time": later.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert report["closed"] == {}
    assert len(report["stale"]) == 1
    assert api.post("/prices/refresh", groups=["admin"]).body["updated"] == 1  # the next run recovers
    assert [p["status"] for p in api.get("/positions").body] == ["CLOSED"]


def test_a_monitor_throttled_past_the_sdk_retries_fails_closes_nothing_and_its_retry_closes_once(
    api: Api, market: Any
) -> None:
    api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100, "take_profit": 110})
    market.configure({"prices": {"AAPL": 101}})
    api.post("/prices/refresh", groups=["admin"])
    price_store.put_prices(
        SYSTEM, [CachedPrice(symbol="AAPL", price=Decimal(120), updated_at=datetime.now(UTC), source="t")]
    )
    event = {"time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    release = _throttle_every("TransactWriteItems")
    try:
        with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
            api.run_job("position_monitor", event)  # the invocation fails: Lambda retries it
    finally:
        release()
    assert [p["status"] for p in api.get("/positions").body] == ["OPEN"]
    assert api.run_job("position_monitor", event)["closed"] == {"TP_HIT": 1}
    assert api.run_job("position_monitor", event)["closed"] == {}
    assert [a["alert_type"] for a in api.get("/alerts").body] == ["position_closed"]
