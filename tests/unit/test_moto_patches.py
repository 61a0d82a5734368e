"""The local server's moto patches (infra.local.aws, infra.local.moto_speed): a TransactWriteItems keeps no copy
of anything once it is done, a failed one puts back exactly what it wrote, and index Queries stay right."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from goalpost import aws as goalpost_aws
from infra.local.aws import ACCOUNT_ID, REGION, LocalAws


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """Goalpost's DynamoDB client, on a fresh moto with the patches installed."""
    with LocalAws(prefix="patches"):
        yield goalpost_aws.client("dynamodb")


@pytest.fixture
def data_table() -> str:
    return os.environ["DATA_TABLE_NAME"]


def moto_table(name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT_ID][REGION].tables[name]


def item(key: str, **attributes: str) -> dict[str, Any]:
    return {"pk": {"S": "USER#u"}, "sk": {"S": key}, **{name: {"S": value} for name, value in attributes.items()}}


def key_of(sk: str) -> dict[str, Any]:
    return {"pk": {"S": "USER#u"}, "sk": {"S": sk}}


def get(dynamodb: Any, table: str, sk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=key_of(sk)).get("Item")
    return found


def in_index(dynamodb: Any, table: str, partition: str) -> list[dict[str, Any]]:
    answer = dynamodb.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": {"S": partition}},
    )
    found: list[dict[str, Any]] = answer["Items"]
    return found


def put_new(table: str, sk: str, **attributes: str) -> dict[str, Any]:
    return {
        "Put": {"TableName": table, "Item": item(sk, **attributes), "ConditionExpression": "attribute_not_exists(pk)"}
    }


def update(table: str, sk: str, gsi1pk: str, amount: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": key_of(sk),
            "UpdateExpression": "SET gsi1pk = :g, amount = :a",
            "ExpressionAttributeValues": {":g": {"S": gsi1pk}, ":a": {"S": amount}},
        }
    }


def live_tables() -> int:
    from moto.dynamodb.models.table import Table

    gc.collect()
    return sum(isinstance(obj, Table) for obj in gc.get_objects())


def test_transactions_keep_no_copies(dynamodb: Any, data_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a soak of the local server: every TransactWriteItems deep-copied the tables it touched, and
    moto's instance tracking kept every copy (and every item) for good: 111 MB grew to 3.26 GB in 3 minutes."""
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    for n in range(50):
        dynamodb.put_item(TableName=data_table, Item=item(f"OLD#{n:03}", gsi1pk="G#old", gsi1sk=f"{n:03}"))
    tracked = len(Table.instances_tracked), len(Item.instances_tracked)  # type: ignore[attr-defined]
    tables = live_tables()

    def refuse(*_: Any) -> Any:
        raise AssertionError("a whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    for n in range(40):
        items = [put_new(data_table, f"NEW#{n:03}"), update(data_table, f"OLD#{n % 50:03}", "G#old", str(n))]
        if n % 2 == 0:
            dynamodb.transact_write_items(TransactItems=items)
            continue
        with pytest.raises(ClientError, match="TransactionCanceled"):  # fails on its last item, and rolls back
            dynamodb.transact_write_items(TransactItems=[*items, put_new(data_table, "OLD#000")])

    assert (len(Table.instances_tracked), len(Item.instances_tracked)) == tracked  # type: ignore[attr-defined]
    assert live_tables() == tables
    assert get(dynamodb, data_table, "NEW#000") is not None  # the committed ones did write
    assert get(dynamodb, data_table, "NEW#001") is None


@pytest.mark.parametrize("first", ["update an existing item", "put a new item"])
def test_a_failed_transaction_puts_back_exactly_what_it_wrote(dynamodb: Any, data_table: str, first: str) -> None:
    dynamodb.put_item(TableName=data_table, Item=item("GOAL#1", gsi1pk="G#a", gsi1sk="1", amount="10"))
    dynamodb.put_item(TableName=data_table, Item=item("GOAL#2", gsi1pk="G#a", gsi1sk="2", amount="20"))
    before = get(dynamodb, data_table, "GOAL#1")
    assert [i["sk"]["S"] for i in in_index(dynamodb, data_table, "G#a")] == ["GOAL#1", "GOAL#2"]  # buckets built

    written = (
        update(data_table, "GOAL#1", "G#moved", "99")
        if first == "update an existing item"
        else put_new(data_table, "GOAL#3", gsi1pk="G#moved", gsi1sk="3")
    )
    with pytest.raises(ClientError) as failure:
        dynamodb.transact_write_items(TransactItems=[written, put_new(data_table, "GOAL#2")])  # GOAL#2 exists

    reasons = [reason["Code"] for reason in failure.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert get(dynamodb, data_table, "GOAL#1") == before
    assert get(dynamodb, data_table, "GOAL#3") is None
    assert [i["sk"]["S"] for i in in_index(dynamodb, data_table, "G#a")] == ["GOAL#1", "GOAL#2"]
    assert in_index(dynamodb, data_table, "G#a")[0]["amount"] == {"S": "10"}
    assert in_index(dynamodb, data_table, "G#moved") == []


def test_a_transaction_refused_midway_puts_back_what_it_wrote(dynamodb: Any, data_table: str) -> None:
    """moto writes each item as it goes and stops at the first one it refuses outright (here, the same item twice)
    without undoing the ones before it; the patch undoes them."""
    dynamodb.put_item(TableName=data_table, Item=item("GOAL#1", gsi1pk="G#a", gsi1sk="1", amount="10"))
    before = get(dynamodb, data_table, "GOAL#1")

    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                put_new(data_table, "GOAL#3", gsi1pk="G#a", gsi1sk="3"),
                update(data_table, "GOAL#1", "G#moved", "99"),
                update(data_table, "GOAL#1", "G#moved", "98"),
            ]
        )

    assert get(dynamodb, data_table, "GOAL#1") == before
    assert get(dynamodb, data_table, "GOAL#3") is None
    assert [i["sk"]["S"] for i in in_index(dynamodb, data_table, "G#a")] == ["GOAL#1"]


def test_index_queries_follow_every_kind_of_write(dynamodb: Any, data_table: str) -> None:
    def index_keys(partition: str) -> list[str]:
        return [i["sk"]["S"] for i in in_index(dynamodb, data_table, partition)]

    dynamodb.put_item(TableName=data_table, Item=item("A", gsi1pk="G#1", gsi1sk="a"))
    assert index_keys("G#1") == ["A"]
    dynamodb.update_item(
        TableName=data_table,
        Key=key_of("A"),
        UpdateExpression="SET gsi1pk = :g",
        ExpressionAttributeValues={":g": {"S": "G#2"}},
    )
    assert (index_keys("G#1"), index_keys("G#2")) == ([], ["A"])
    dynamodb.batch_write_item(
        RequestItems={data_table: [{"PutRequest": {"Item": item("B", gsi1pk="G#2", gsi1sk="b")}}]}
    )
    assert index_keys("G#2") == ["A", "B"]
    dynamodb.transact_write_items(TransactItems=[update(data_table, "B", "G#1", "1")])
    assert (index_keys("G#1"), index_keys("G#2")) == (["B"], ["A"])
    dynamodb.delete_item(TableName=data_table, Key=key_of("A"))
    assert index_keys("G#2") == []


def test_a_write_to_one_table_keeps_the_index_buckets_of_another(dynamodb: Any, data_table: str) -> None:
    """An index's partitions file again what a write to their table touched; a write elsewhere (the
    idempotency record of every creating POST, the price cache) must not touch, let alone rebuild, them."""
    from infra.local import moto_speed

    dynamodb.put_item(TableName=data_table, Item=item("A", gsi1pk="G#1", gsi1sk="a"))
    in_index(dynamodb, data_table, "G#1")
    built = moto_speed._partitions[moto_table(data_table)]["gsi1"]

    dynamodb.put_item(TableName=os.environ["IDEMPOTENCY_TABLE_NAME"], Item={"id": {"S": "request-1"}})
    dynamodb.put_item(TableName=os.environ["SYSTEM_TABLE_NAME"], Item={"pk": {"S": "PRICE"}, "sk": {"S": "AAPL"}})

    assert built.touched == set()
    in_index(dynamodb, data_table, "G#1")
    assert moto_speed._partitions[moto_table(data_table)]["gsi1"] is built
