"""Alert preferences in the data table.

- ``USER#u / PREFS``: the preferences, the user's alerts topic and its email and webhook subscriptions, and the
  delivery counters (``sent_day`` in the user's time zone, ``sent_count``, ``last_sent_at``) that the daily cap
  and minimum gap are enforced on with conditional writes (see ``data.deliveries``).
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
)


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
