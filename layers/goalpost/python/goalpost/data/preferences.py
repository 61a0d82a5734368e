"""Alert preferences in the data table.

- ``USER#u / PREFS``: the preferences, the user's alerts topic and its email and webhook subscriptions, and the
  delivery counters (``sent_day`` in the user's time zone, ``sent_count``, ``last_sent_at``) that the daily cap
  and minimum gap are enforced on with conditional writes (see ``data.deliveries``).
- The item is also in the owner's active goals' partition of gsi1 (``USER#u#GOALS#STATUS#active`` / ``PREFS``,
  after every goal's ``GOAL#...``), so that the one Query a budget sync makes of its active goals brings the
  preferences its alerts are released with (``data.goals.active_with_preferences``). An index read may lag a
  change: ``prefs_version`` (one more at every change of the preferences) lets that release's write check that
  what it read still stands (``unchanged_since``).
"""

from __future__ import annotations

from typing import Any

from goalpost.data import keys
from goalpost.data.batches import batch_get
from goalpost.data.client import client, get_item
from goalpost.data.codec import Item, key, strip_keys
from goalpost.data.expressions import set_or_remove
from goalpost.domain.preferences import Preferences

META_FIELDS = (
    "email_topic_arn",  # the user's own alerts topic (named for email, its first channel)
    "email_subscription_arn",
    "webhook_subscription_arn",
    "sent_day",
    "sent_count",
    "last_sent_at",
    "prefs_version",
)

# GoalStatus.ACTIVE's value (tests/unit check it): the goals' partition of gsi1 that the preferences are in too.
ACTIVE_GOALS = "active"


PreferenceRead = tuple[Preferences, Item]  # the preferences, and the META_FIELDS that were stored


def prefs_key(user_id: str) -> dict[str, Any]:
    return key(keys.user_pk(user_id), keys.PREFS_SK)


def from_item(raw: Item | None) -> PreferenceRead:
    """The preferences (defaults for what was never set) and the delivery counters of a stored PREFS item."""
    item = strip_keys(raw) if raw else {}
    meta = {name: item.pop(name) for name in META_FIELDS if name in item}
    return Preferences.model_validate(item), meta


def get(table: str, user_id: str) -> PreferenceRead:
    return from_item(get_item(table, prefs_key(user_id)))


def get_with(table: str, user_id: str, other: dict[str, Any]) -> tuple[Item | None, PreferenceRead]:
    """The item at ``other`` (another key of the same table) and the user's preferences, in one strongly
    consistent BatchGetItem: for the writes that may raise an alert right after reading what they change."""
    found = {(str(item["pk"]), str(item["sk"])): item for item in batch_get(table, [other, prefs_key(user_id)])}
    wanted = found.get((other["pk"]["S"], other["sk"]["S"]))
    return wanted, from_item(found.get((keys.user_pk(user_id), keys.PREFS_SK)))


def index_keys(user_id: str) -> dict[str, str]:
    """The PREFS item's keys in gsi1: after the active goals' items in their partition."""
    return {"gsi1pk": keys.goals_by_status_pk(user_id, ACTIVE_GOALS), "gsi1sk": keys.PREFS_SK}


def index_values(user_id: str) -> dict[str, Any]:
    """``:gsi1pk`` and ``:gsi1sk`` for an update that sets ``index_keys``."""
    return {f":{name}": {"S": value} for name, value in index_keys(user_id).items()}


def unchanged_since(table: str, user_id: str, read: Item | None) -> dict[str, Any]:
    """The transaction item that holds only if the preferences are as ``read`` (the PREFS item from an index;
    None: none there): the same ``prefs_version``, or still no PREFS item at all. It is refused too by a PREFS
    item stored before the index held it; either way its writer reads the preferences again."""
    if read is None:
        condition, values = "attribute_not_exists(pk)", {}
    elif "prefs_version" in read:
        condition, values = "prefs_version = :version", {":version": {"N": str(read["prefs_version"])}}
    else:
        condition, values = "attribute_exists(pk) AND attribute_not_exists(prefs_version)", {}
    check: dict[str, Any] = {"TableName": table, "Key": prefs_key(user_id), "ConditionExpression": condition}
    if values:
        check["ExpressionAttributeValues"] = values
    return {"ConditionCheck": check}


def indexed(table: str, user_id: str) -> dict[str, Any]:
    """The transaction item that puts a PREFS item stored before the index held it into the index."""
    return {
        "Update": {
            "TableName": table,
            "Key": prefs_key(user_id),
            "UpdateExpression": "SET gsi1pk = :gsi1pk, gsi1sk = :gsi1sk",
            "ExpressionAttributeValues": index_values(user_id),
        }
    }


def put(table: str, user_id: str, prefs: Preferences, subscriptions: dict[str, Any]) -> None:
    """Stores the preferences and ``subscriptions`` (the topic and subscription META_FIELDS; the delivery
    counters stay as they are). A preference cleared to null whose default is not (the quiet hours) is stored as
    NULL: removed, its default would come back on the next read."""
    dumped = prefs.model_dump(mode="json")
    cleared = [name for name, field in Preferences.model_fields.items() if dumped[name] is None and field.default]
    expression, names, values = set_or_remove(
        {
            **{name: value for name, value in dumped.items() if name not in cleared},
            **subscriptions,
        },
        extra_set={**{name: ":null" for name in cleared}, "gsi1pk": ":gsi1pk", "gsi1sk": ":gsi1sk"},
    )
    values.update(index_values(user_id))
    if cleared:
        values[":null"] = {"NULL": True}
    client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PREFS_SK),
        UpdateExpression=f"{expression} ADD prefs_version :one",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={**values, ":one": {"N": "1"}},
    )
