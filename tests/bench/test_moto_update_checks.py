"""The bench's moto speed-ups for UpdateItem answer exactly as moto does: the same items, the same errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.bench.moto_update_checks import faster_update_expressions

TABLE = "bench-updates"
MANY = 128  # as many SET actions as the price cache's UpdateItem


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def many_sets(count: int) -> dict[str, Any]:
    return {
        "UpdateExpression": "SET " + ", ".join(f"#s{n} = :s{n}" for n in range(count)),
        "ExpressionAttributeNames": {f"#s{n}": f"S{n:03d}" for n in range(count)},
        "ExpressionAttributeValues": {f":s{n}": {"S": f"{n}|1|bench"} for n in range(count)},
    }


BAD_UPDATES: dict[str, dict[str, Any]] = {
    "a path set twice": {
        "UpdateExpression": "SET #a = :a, #b = :b, #a = :b",
        "ExpressionAttributeNames": {"#a": "a", "#b": "b"},
        "ExpressionAttributeValues": {":a": {"S": "1"}, ":b": {"S": "2"}},
    },
    "two SET clauses": {
        "UpdateExpression": "SET #a = :a REMOVE #b SET #c = :a",
        "ExpressionAttributeNames": {"#a": "a", "#b": "b", "#c": "c"},
        "ExpressionAttributeValues": {":a": {"S": "1"}},
    },
    "overlapping document paths": {
        "UpdateExpression": "SET m.x = :a, m = :m",
        "ExpressionAttributeValues": {":a": {"S": "1"}, ":m": {"M": {}}},
    },
}


def answers(client: Any, speed_up: Callable[[], AbstractContextManager[Any]]) -> list[Any]:
    """The stored item after a run of updates (new item, then existing), and each bad update's error."""
    seen: list[Any] = []
    with speed_up():
        for attempt in range(2):  # the second time, the trees come from the cache
            key = {"pk": {"S": f"shard-{attempt}"}}
            client.update_item(TableName=TABLE, Key=key, **many_sets(MANY))
            client.update_item(TableName=TABLE, Key=key, **many_sets(MANY // 2))
            seen.append(client.get_item(TableName=TABLE, Key=key)["Item"])
            for update in BAD_UPDATES.values():
                with pytest.raises(ClientError) as refused:
                    client.update_item(TableName=TABLE, Key={"pk": {"S": "bad"}}, **update)
                seen.append(refused.value.response["Error"])
    return seen


def test_updates_answer_as_moto_does(dynamodb: Any) -> None:
    sped_up = answers(dynamodb, faster_update_expressions)
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "shard-0"}})
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "shard-1"}})
    assert answers(dynamodb, nullcontext) == sped_up
    assert len(sped_up[0]) == MANY + 1  # every symbol and the key
    assert [error["Code"] for error in sped_up[1:4]] == ["ValidationException"] * 3
