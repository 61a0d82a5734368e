"""Alerts in the data table.

- ``USER#u / ALERT#<ulid>``: the alert; newest first on the table itself (strongly consistent).
- ``USER#u / ALERTKEY#<digest>``: the guard that makes an alert exactly-once (written in the same transaction).
- ``USER#u / PROFILE``: ``unread_alerts``, a counter kept in the same transactions (O(1) for the dashboard).
- gsi1 ``USER#u#ALERTS#UNREAD`` (sparse, removed on read, and on release when the owner's in-app alerts are
  off: such an alert is listed but neither unread nor counted), gsi2 ``USER#u#ALERTS#TYPE#<type>``,
  gsi3 ``OUTBOX`` (sparse, until published to SNS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.batches import batch_write
from goalpost.data.client import client, get_item, is_condition_failure
from goalpost.data.codec import Item, key, serialize, serialize_value, strip_keys
from goalpost.data.pagination import owned_page
from goalpost.data.transactions import Transaction, TransactionRefused
from goalpost.domain.alerts import Alert, AlertType, NewAlert
from goalpost.domain.clock import iso

OUTBOX_PK = "OUTBOX"


class AlertWrite:
    """One alert to store exactly once: its guard and the alert itself (see ``transact_items``), and, when its
    release was planned before it is stored (``services.delivery.plan_ahead``), that plan's writes."""

    def __init__(self, table: str, alert: Alert, raised: NewAlert, planned: Sequence[dict[str, Any]] = ()) -> None:
        self.table = table
        self.alert = alert
        self.raised = raised
        self.planned = list(planned)

    def with_planned(self, planned: Sequence[dict[str, Any]]) -> AlertWrite:
        """The same alert, stored with ``planned`` (its delivery slots' reservation and its deliveries)."""
        return AlertWrite(self.table, self.alert, self.raised, planned)

    def guard_and_alert(self) -> list[dict[str, Any]]:
        pk = keys.user_pk(self.alert.user_id)
        guard = {
            "pk": pk,
            "sk": keys.alert_guard_sk(self.raised.digest()),
            "alert_id": self.alert.id,
            "dedupe_key": self.raised.dedupe_key,
        }
        return [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": serialize(guard),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": serialize(alert_item(self.alert)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            *self.planned,
        ]


_ITEMS_PER_ALERT = 2  # its guard and the alert itself


def items_needed(alerts: int) -> int:
    """How many transaction items ``alerts`` alerts of one owner take (see ``add_alerts``), none planned ahead."""
    return _ITEMS_PER_ALERT * alerts + (1 if alerts else 0)


def transact_items(writes: list[AlertWrite]) -> list[dict[str, Any]]:
    """Guard + alert for each alert, then one update of each owner's unread counter (a transaction may
    touch an item only once)."""
    return [item for write in writes for item in write.guard_and_alert()] + unread_updates(writes)


def _guard_role(write: AlertWrite) -> str:
    return f"alert_guard:{write.alert.id}"


def add_alerts(transaction: Transaction, writes: Sequence[AlertWrite]) -> Transaction:
    """Adds each alert with its guard (whose condition fails when the same alert was raised before: see
    ``raised_before``), then one update of each owner's unread counter."""
    for write in writes:
        guard, *stored = write.guard_and_alert()
        transaction.add(guard, role=_guard_role(write)).add_all(stored, role="alert")
    return transaction.add_all(unread_updates(list(writes)), role="unread_alerts")


def raised_before(refused: TransactionRefused, writes: Sequence[AlertWrite]) -> list[AlertWrite]:
    """The alerts of ``writes`` (added with ``add_alerts``) that refused the transaction as raised before."""
    return [write for write in writes if _guard_role(write) in refused.failed_roles]


def write_once_each(write: Callable[[list[AlertWrite]], None], alerts: Sequence[AlertWrite]) -> list[AlertWrite]:
    """Calls ``write`` with ``alerts`` (it writes them with ``add_alerts``). When only the guards of some
    refused it (they were raised before: a rerun), calls it again without those; returns the alerts written.
    Any other refusal is raised as it came."""
    pending = list(alerts)
    while True:
        try:
            write(pending)
            return pending
        except TransactionRefused as refused:
            raised = raised_before(refused, pending)
            if not raised or refused.failed_roles - {_guard_role(write) for write in raised}:
                raise
            pending = [write for write in pending if write not in raised]


def unread_updates(writes: list[AlertWrite]) -> list[dict[str, Any]]:
    """One update of each owner's unread counter, by the number of their alerts in ``writes``."""
    per_user: dict[tuple[str, str], int] = {}
    for write in writes:
        owner = (write.table, write.alert.user_id)
        per_user[owner] = per_user.get(owner, 0) + 1
    return [unread_update(table, user_id, count) for (table, user_id), count in per_user.items()]


def alert_item(alert: Alert) -> Item:
    pk = keys.user_pk(alert.user_id)
    sk = keys.alert_sk(alert.id)
    item: Item = {
        "pk": pk,
        "sk": sk,
        "entity": "alert",
        **alert.model_dump(),
        "gsi2pk": keys.alerts_by_type_pk(alert.user_id, alert.alert_type.value),
        "gsi2sk": sk,
    }
    if alert.read_at is None:
        item.update(gsi1pk=keys.unread_alerts_pk(alert.user_id), gsi1sk=sk)
    if alert.delivered_at is None:
        item.update(gsi3pk=OUTBOX_PK, gsi3sk=f"{iso(alert.created_at)}#{alert.user_id}#{alert.id}")
    return item


def to_alert(item: Item) -> Alert:
    return Alert.model_validate(strip_keys(item))


def store(table: str, write: AlertWrite) -> bool:
    """Stores one alert on its own; False when the same alert was raised before."""
    return add_alerts(Transaction(), [write]).write_unless_refused_by(_guard_role(write))


def get(table: str, user_id: str, alert_id: str) -> Alert | None:
    item = get_item(table, key(keys.user_pk(user_id), keys.alert_sk(alert_id)))
    return None if item is None else to_alert(item)


def list_page(
    table: str,
    user_id: str,
    *,
    unread: bool | None,
    alert_type: AlertType | None,
    limit: int,
    next_token: str | None,
) -> tuple[list[Alert], str | None]:
    """Newest first. Unread ones come from the sparse unread index; a type alone from the type index."""
    pk = keys.user_pk(user_id)
    index: str | None = None
    partition = pk
    filter_expression = None
    filter_values: dict[str, Any] = {}
    if unread is True:
        index, partition = "gsi1", keys.unread_alerts_pk(user_id)
        if alert_type is not None:
            filter_expression, filter_values = "alert_type = :type", {":type": alert_type.value}
    elif alert_type is not None:
        index, partition = "gsi2", keys.alerts_by_type_pk(user_id, alert_type.value)
    if unread is False:
        # None attributes are never stored, so a read alert is one that has read_at.
        filter_expression = "attribute_exists(read_at)"
    items, token = owned_page(
        table,
        owner_pk=pk,
        sort_prefix=keys.ALERT_PREFIX,
        index=index,
        partition=partition,
        limit=limit,
        next_token=next_token,
        filter_expression=filter_expression,
        filter_values=filter_values,
    )
    return [to_alert(item) for item in items], token


def mark_read(table: str, user_id: str, alert_id: str, now: datetime) -> bool:
    """Sets ``read_at`` and takes the alert out of the unread index and counter, in one transaction; an alert
    that was never counted (raised while in-app alerts were off: not in the unread index) is only stamped.
    False when it was read already (nothing changes)."""
    alert_key = key(keys.user_pk(user_id), keys.alert_sk(alert_id))
    read = {
        "Update": {
            "TableName": table,
            "Key": alert_key,
            "UpdateExpression": "SET read_at = :now REMOVE gsi1pk, gsi1sk",
            "ConditionExpression": (
                "attribute_exists(pk) AND attribute_not_exists(read_at) AND attribute_exists(gsi1pk)"
            ),
            "ExpressionAttributeValues": {":now": serialize_value(now)},
        }
    }
    counted = Transaction().add(read, role="alert").add(unread_update(table, user_id, -1), role="unread_alerts")
    if counted.write_unless_refused_by("alert"):
        return True
    try:  # not in the unread index: read already, missing, or never counted
        client().update_item(
            TableName=table,
            Key=alert_key,
            UpdateExpression="SET read_at = :now",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(read_at)",
            ExpressionAttributeValues={":now": serialize_value(now)},
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def unread_update(table: str, user_id: str, count: int) -> dict[str, Any]:
    """The transaction item that moves the owner's unread counter by ``count``."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(keys.user_pk(user_id), keys.PROFILE_SK),
            "UpdateExpression": "ADD unread_alerts :count",
            "ExpressionAttributeValues": {":count": {"N": str(count)}},
        }
    }


def delivered_update(
    table: str, alert: Alert, now: datetime, channels: list[str], *, uncount: bool = False
) -> dict[str, Any]:
    """The transaction item that records the publish to the event topic and takes the alert out of the
    outbox (see ``services.delivery.release``: written only after its publish and its email/SMS plan).
    ``uncount``: in-app alerts are off for its owner, so it also leaves the unread index (only if it is still
    there: neither read nor uncounted before; the caller uncounts it in the same transaction)."""
    remove = "gsi3pk, gsi3sk, gsi1pk, gsi1sk" if uncount else "gsi3pk, gsi3sk"
    update: dict[str, Any] = {
        "TableName": table,
        "Key": key(keys.user_pk(alert.user_id), keys.alert_sk(alert.id)),
        "UpdateExpression": f"SET delivered_at = :now, channels = :channels REMOVE {remove}",
        "ExpressionAttributeValues": {":now": serialize_value(now), ":channels": serialize_value(channels)},
    }
    if uncount:
        update["ConditionExpression"] = "attribute_exists(gsi1pk)"
    return {"Update": update}


def unread_count(table: str, user_id: str) -> int:
    item = get_item(table, key(keys.user_pk(user_id), keys.PROFILE_SK), projection="unread_alerts", consistent=False)
    return max(0, int(item.get("unread_alerts", 0))) if item else 0


def _unconditional_puts(items: list[dict[str, Any]]) -> bool:
    return bool(items) and all(set(i) == {"Put"} and "ConditionExpression" not in i["Put"] for i in items)


def _put_requests(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_table: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_table.setdefault(item["Put"]["TableName"], []).append({"PutRequest": {"Item": item["Put"]["Item"]}})
    return by_table


def transact_with_alerts(items: list[dict[str, Any]], alerts: list[AlertWrite]) -> list[AlertWrite]:
    """Writes ``items`` and the alerts in one transaction. An alert raised before (a rerun) is dropped and
    the rest written again; returns the alerts that were written this time."""

    def write(pending: list[AlertWrite]) -> None:
        if not pending and _unconditional_puts(items):
            # Nothing to guard: plain puts in batches cost half the write units of a transaction, and each is
            # keyed so that a rerun writes the same item again.
            for table, requests in _put_requests(items).items():
                batch_write(table, requests)
            return
        add_alerts(Transaction().add_all(items, role="items"), pending).write()

    return write_once_each(write, alerts)
