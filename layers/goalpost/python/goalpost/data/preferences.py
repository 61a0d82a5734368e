"""Alert preferences and deliveries in the data table.

- ``USER#u / PREFS``: the preferences, the user's email topic and subscription, and the delivery counters
  (``sent_day`` in the user's time zone, ``sent_count``, ``last_sent_at``) that the daily cap and minimum gap
  are enforced on with conditional writes.
- ``USER#u / DELIVERY#<alert id>#<channel>``: a deferred email/SMS delivery; gsi3 ``DUE#<shard>`` /
  ``<due at>#u#<alert id>#<channel>`` while it waits. The delivery job claims one with a conditional write
  (a lease), sends it, then deletes it: two runs at once never send it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.dynamo import (
    Item,
    batch_get,
    client,
    deserialize,
    is_condition_failure,
    key,
    query_all,
    serialize,
    serialize_value,
    set_or_remove,
    strip_keys,
)
from goalpost.data.transactions import TRANSACTION_LIMIT, Transaction, TransactionContended, TransactionRefused
from goalpost.domain.alerts import Alert
from goalpost.domain.preferences import Preferences

EARLIEST_DUE = "0"  # below every ISO timestamp
META_FIELDS = ("email_topic_arn", "email_subscription_arn", "sent_day", "sent_count", "last_sent_at")


PreferenceRead = tuple[Preferences, Item]  # the preferences, and the META_FIELDS that were stored


def prefs_key(user_id: str) -> dict[str, Any]:
    return key(keys.user_pk(user_id), keys.PREFS_SK)


def from_item(raw: Item | None) -> PreferenceRead:
    """The preferences (defaults for what was never set) and the delivery counters of a stored PREFS item."""
    item = strip_keys(raw) if raw else {}
    meta = {name: item.pop(name) for name in META_FIELDS if name in item}
    return Preferences.model_validate(item), meta


def get(table: str, user_id: str) -> PreferenceRead:
    response = client().get_item(TableName=table, Key=prefs_key(user_id), ConsistentRead=True)
    raw = response.get("Item")
    return from_item(deserialize(raw) if raw else None)


def get_with(table: str, user_id: str, other: dict[str, Any]) -> tuple[Item | None, PreferenceRead]:
    """The item at ``other`` (another key of the same table) and the user's preferences, in one strongly
    consistent BatchGetItem: for the writes that may raise an alert right after reading what they change."""
    found = {(str(item["pk"]), str(item["sk"])): item for item in batch_get(table, [other, prefs_key(user_id)])}
    wanted = found.get((other["pk"]["S"], other["sk"]["S"]))
    return wanted, from_item(found.get((keys.user_pk(user_id), keys.PREFS_SK)))


def put(table: str, user_id: str, prefs: Preferences, topic_arn: str | None, subscription_arn: str | None) -> None:
    """Stores the preferences (the delivery counters stay as they are). A preference cleared to null whose
    default is not (the quiet hours) is stored as NULL: removed, its default would come back on the next read."""
    dumped = prefs.model_dump(mode="json")
    cleared = [name for name, field in Preferences.model_fields.items() if dumped[name] is None and field.default]
    expression, names, values = set_or_remove(
        {
            **{name: value for name, value in dumped.items() if name not in cleared},
            "email_topic_arn": topic_arn,
            "email_subscription_arn": subscription_arn,
        },
        extra_set={name: ":null" for name in cleared},
    )
    if cleared:
        values[":null"] = {"NULL": True}
    client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PREFS_SK),
        UpdateExpression=expression,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def slot_update(
    table: str, user_id: str, *, day: str, count: int, cap: int, now: datetime, gap_start: datetime, same_day: bool
) -> dict[str, Any]:
    """The conditional update that takes ``count`` of the day's delivery slots at once: below the cap and past
    the minimum gap (conditions of the write itself, so concurrent raisers cannot go past them). ``same_day``:
    the stored count is of ``day`` already (else the day starts again at ``count``)."""
    values = {":day": {"S": day}, ":now": serialize_value(now), ":count": {"N": str(count)}}
    # Without a minimum gap there is nothing to compare: two alerts raised at once may reserve in either
    # order, and the later-stamped one going first must not shut out the earlier one.
    gap = ""
    if gap_start < now:
        gap = " AND (attribute_not_exists(last_sent_at) OR last_sent_at <= :gap_start)"
        values[":gap_start"] = serialize_value(gap_start)
    if same_day:  # one more, below the cap
        expression = "SET last_sent_at = :now ADD sent_count :count"
        condition = f"sent_day = :day AND sent_count <= :room{gap}"
        values[":room"] = {"N": str(cap - count)}
    else:  # a new day: the count starts again
        expression = "SET sent_day = :day, sent_count = :count, last_sent_at = :now"
        condition = f"(attribute_not_exists(sent_day) OR sent_day <> :day) AND :count <= :cap{gap}"
        values[":cap"] = {"N": str(cap)}
    return {
        "Update": {
            "TableName": table,
            "Key": prefs_key(user_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }


def delivery_item(
    alert: Alert, channel: str, target: str, due_at: datetime, lease: tuple[str, datetime] | None = None
) -> Item:
    """A delivery waiting in the outbox; with ``lease`` (run id, until when), already held by that run, which
    is about to send it (if the run dies, the delivery job sends it once the lease is over)."""
    shard = keys.shard_of(alert.id, keys.DELIVERY_SHARDS)
    item: Item = {
        "pk": keys.user_pk(alert.user_id),
        "sk": keys.delivery_sk(alert.id, channel),
        "entity": "delivery",
        "channel": channel,
        "target": target,
        "due_at": due_at,
        "alert": alert.model_dump(mode="json"),
        "gsi3pk": keys.due_pk(shard),
        "gsi3sk": f"{due_at.isoformat()}#{alert.user_id}#{alert.id}#{channel}",
    }
    if lease is not None:
        item.update(claimed_by=lease[0], lease_until=lease[1])
    return item


def delivery_put(table: str, item: Item) -> dict[str, Any]:
    """The transaction item that stores a delivery unless it is there already (deferred or sent before by an
    earlier release of the same alert: then it is not for this one to send)."""
    return {"Put": {"TableName": table, "Item": serialize(item), "ConditionExpression": "attribute_not_exists(pk)"}}


def due(table: str, shard: int, now: datetime) -> list[Item]:
    """Deferred deliveries of one shard due by ``now`` (oldest first; sort keys begin with an ISO time)."""
    return query_all(
        table=table,
        partition=keys.due_pk(shard),
        sort_prefix=None,
        index="gsi3",
        newest_first=False,
        between=(EARLIEST_DUE, f"{now.isoformat()}#~"),
    )


def claim(table: str, item: Item, run_id: str, now: datetime, lease_until: datetime) -> bool:
    """Takes a delivery for this run unless it was sent, or another run holds an unexpired lease on it."""
    try:
        client().update_item(
            TableName=table,
            Key=key(str(item["pk"]), str(item["sk"])),
            UpdateExpression="SET claimed_by = :run, lease_until = :until",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(sent_at) "
            "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            ExpressionAttributeValues={
                ":run": {"S": run_id},
                ":until": serialize_value(lease_until),
                ":now": serialize_value(now),
            },
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


SENT_KEPT = timedelta(days=7)  # long enough for any retry of the alert's release to find it


def done_update(table: str, item: Item, run_id: str, now: datetime) -> dict[str, Any]:
    """The update that records a delivery as sent (only while ``run_id`` still holds it): out of the due
    index, kept a while so that a retried release of the same alert finds it and sends nothing twice, then
    expired by TTL."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(str(item["pk"]), str(item["sk"])),
            "UpdateExpression": "SET sent_at = :now, expires_at = :expires REMOVE gsi3pk, gsi3sk, lease_until",
            "ConditionExpression": "claimed_by = :run",
            "ExpressionAttributeValues": {
                ":run": {"S": run_id},
                ":now": serialize_value(now),
                ":expires": {"N": str(int((now + SENT_KEPT).timestamp()))},
            },
        }
    }


def done(table: str, item: Item, run_id: str, now: datetime) -> None:
    """Records one delivery as sent, if this run still holds it (else whoever took it over records it)."""
    try:
        client().update_item(**done_update(table, item, run_id, now)["Update"])
    except ClientError as error:
        if not is_condition_failure(error):
            raise


def done_all(table: str, items: list[Item], run_id: str, now: datetime) -> None:
    """Records the deliveries one release sent: one request (a transaction of up to 100); should one of them
    have been taken over meanwhile (the run outlived its lease), each is recorded on its own instead."""
    for start in range(0, len(items), TRANSACTION_LIMIT):
        chunk = items[start : start + TRANSACTION_LIMIT]
        if len(chunk) == 1:
            done(table, chunk[0], run_id, now)
            continue
        transaction = Transaction().add_all((done_update(table, item, run_id, now) for item in chunk), role="done")
        try:
            transaction.write()
        except (TransactionRefused, TransactionContended):
            for item in chunk:
                done(table, item, run_id, now)


def outbox(table: str) -> list[Item]:
    """Alerts whose publish to the shared topic failed (the sparse OUTBOX index), oldest first."""
    return query_all(table=table, partition="OUTBOX", sort_prefix=None, index="gsi3", newest_first=False)
