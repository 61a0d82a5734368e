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

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.dynamo import (
    Item,
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
from goalpost.domain.alerts import Alert
from goalpost.domain.preferences import Preferences

EARLIEST_DUE = "0"  # below every ISO timestamp
META_FIELDS = ("email_topic_arn", "email_subscription_arn", "sent_day", "sent_count", "last_sent_at")


def get(table: str, user_id: str) -> tuple[Preferences, Item]:
    response = client().get_item(TableName=table, Key=key(keys.user_pk(user_id), keys.PREFS_SK), ConsistentRead=True)
    raw = response.get("Item")
    item = strip_keys(deserialize(raw)) if raw else {}
    meta = {name: item.pop(name) for name in META_FIELDS if name in item}
    return Preferences.model_validate(item), meta


def put(table: str, user_id: str, prefs: Preferences, topic_arn: str | None, subscription_arn: str | None) -> None:
    """Stores the preferences (the delivery counters stay as they are)."""
    expression, names, values = set_or_remove(
        {**prefs.model_dump(mode="json"), "email_topic_arn": topic_arn, "email_subscription_arn": subscription_arn}
    )
    client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PREFS_SK),
        UpdateExpression=expression,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def reserve_slot(table: str, user_id: str, day: str, cap: int, now: datetime, gap_start: datetime) -> bool:
    """Takes one of the day's delivery slots if the cap and the minimum gap allow it (conditional writes, so
    concurrent raisers cannot go past the cap)."""
    pk = key(keys.user_pk(user_id), keys.PREFS_SK)
    values = {":day": {"S": day}, ":now": serialize_value(now)}
    # Without a minimum gap there is nothing to compare: two alerts raised at once may reserve in either
    # order, and the later-stamped one going first must not shut out the earlier one.
    gap = ""
    if gap_start < now:
        gap = " AND (attribute_not_exists(last_sent_at) OR last_sent_at <= :gap_start)"
        values[":gap_start"] = serialize_value(gap_start)
    attempts = [
        {  # a new day: the count starts again
            "UpdateExpression": "SET sent_day = :day, sent_count = :one, last_sent_at = :now",
            "ConditionExpression": f"(attribute_not_exists(sent_day) OR sent_day <> :day) AND :cap > :zero{gap}",
            "ExpressionAttributeValues": {**values, ":one": {"N": "1"}, ":cap": {"N": str(cap)}, ":zero": {"N": "0"}},
        },
        {  # the same day: one more, below the cap
            "UpdateExpression": "SET last_sent_at = :now ADD sent_count :one",
            "ConditionExpression": f"sent_day = :day AND sent_count < :cap{gap}",
            "ExpressionAttributeValues": {**values, ":one": {"N": "1"}, ":cap": {"N": str(cap)}},
        },
    ]
    for attempt in attempts:
        try:
            client().update_item(TableName=table, Key=pk, **attempt)
            return True
        except ClientError as error:
            if not is_condition_failure(error):
                raise
    return False


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


def defer(table: str, items: list[Item]) -> list[Item]:
    """Puts the deliveries that are not there yet; returns those (an existing one is the same delivery,
    deferred or sent before: it is kept, and not for the caller to send)."""
    added = []
    for item in items:
        try:
            client().put_item(TableName=table, Item=serialize(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if not is_condition_failure(error):
                raise
        else:
            added.append(item)
    return added


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


def done(table: str, item: Item, run_id: str, now: datetime) -> None:
    """Records a delivery as sent (only while this run still holds it): out of the due index, kept a while
    so that a retried release of the same alert finds it and sends nothing twice, then expired by TTL."""
    try:
        client().update_item(
            TableName=table,
            Key=key(str(item["pk"]), str(item["sk"])),
            UpdateExpression="SET sent_at = :now, expires_at = :expires REMOVE gsi3pk, gsi3sk, lease_until",
            ConditionExpression="claimed_by = :run",
            ExpressionAttributeValues={
                ":run": {"S": run_id},
                ":now": serialize_value(now),
                ":expires": {"N": str(int((now + SENT_KEPT).timestamp()))},
            },
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise


def outbox(table: str) -> list[Item]:
    """Alerts whose publish to the shared topic failed (the sparse OUTBOX index), oldest first."""
    return query_all(table=table, partition="OUTBOX", sort_prefix=None, index="gsi3", newest_first=False)
