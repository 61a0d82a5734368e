"""Alert preferences: read with defaults, and changed (an email address gets the user's own topic)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from goalpost.data import preferences as preference_store
from goalpost.domain.errors import InvalidInput
from goalpost.domain.preferences import Preferences
from goalpost.edges import sns
from goalpost.services.delivery import user_topic_name
from goalpost.settings import get_settings


def get_preferences(user_id: str) -> Preferences:
    return preference_store.get(get_settings().data_table_name, user_id)[0]


def update_preferences(user_id: str, changes: dict[str, Any]) -> Preferences:
    """Applies the changes (validated together); a new email address is subscribed to the user's topic
    (SNS sends it a confirmation) and the old subscription is removed."""
    table = get_settings().data_table_name
    current, meta = preference_store.get(table, user_id)
    try:
        updated = Preferences.model_validate({**current.model_dump(), **changes})
    except ValidationError as error:
        raise InvalidInput("; ".join(e["msg"] for e in error.errors())) from None
    topic = meta.get("email_topic_arn")
    subscription = meta.get("email_subscription_arn")
    if updated.email != current.email:
        if subscription:
            sns.unsubscribe(subscription)
            subscription = None
        if updated.email:
            topic, subscription = sns.ensure_user_topic(user_topic_name(user_id), updated.email)
    preference_store.put(table, user_id, updated, topic, subscription)
    return updated
