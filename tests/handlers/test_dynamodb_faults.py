"""DynamoDB faults moto cannot produce, injected through botocore's event hooks on the real client:
partially processed batches are retried until every item is written, and nothing is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.awsrequest import AWSResponse

from goalpost import aws as goalpost_aws
from goalpost.data import prices as price_store
from goalpost.domain.portfolio import CachedPrice
from tests.handlers.conftest import Api

SYSTEM = "test-system"


def test_unprocessed_batch_items_are_retried_until_written(api: Api) -> None:
    """The first two BatchWriteItem calls 'process' nothing (as DynamoDB does when throttled): every price
    still lands, in more requests."""
    events = goalpost_aws.client("dynamodb").meta.events
    refused = {"left": 2}
    asked: dict[str, Any] = {}

    def remember(params: dict[str, Any], **_: Any) -> None:
        asked["items"] = params["RequestItems"]

    def throttle(**_: Any) -> Any:
        if refused["left"] > 0:
            refused["left"] -= 1
            return (AWSResponse("", 200, {}, None), {"UnprocessedItems": asked["items"]})
        return None

    events.register("before-parameter-build.dynamodb.BatchWriteItem", remember)
    events.register("before-call.dynamodb.BatchWriteItem", throttle)
    try:
        now = datetime.now(UTC)
        prices = [CachedPrice(symbol=f"S{n}", price=Decimal(n + 1), updated_at=now, source="t") for n in range(30)]
        requests = price_store.put_prices(SYSTEM, prices)
    finally:
        events.unregister("before-call.dynamodb.BatchWriteItem", throttle)
        events.unregister("before-parameter-build.dynamodb.BatchWriteItem", remember)
    assert refused["left"] == 0
    assert requests >= 4  # two batches, and the two refused attempts again
    stored = price_store.get_prices(SYSTEM, [p.symbol for p in prices])
    assert {s: p.price for s, p in stored.items()} == {p.symbol: p.price for p in prices}
