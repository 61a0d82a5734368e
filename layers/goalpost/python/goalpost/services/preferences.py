"""Alert preferences: read with defaults, and changed (an email address or a webhook URL is subscribed to the
user's own alerts topic)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from pydantic import ValidationError

from goalpost.data import preferences as preference_store
from goalpost.domain.errors import InvalidInput
from goalpost.domain.preferences import EMAIL_CHANNEL, WEBHOOK_CHANNEL, Preferences
from goalpost.domain.webhooks import webhook_url_problem
from goalpost.edges import sns
from goalpost.services.delivery import user_topic_name
from goalpost.settings import get_settings


def get_preferences(user_id: str) -> Preferences:
    return preference_store.get(get_settings().data_table_name, user_id)[0]


def update_preferences(user_id: str, changes: dict[str, Any]) -> Preferences:
    """Applies the changes (validated together). A new email address or webhook URL is subscribed to the user's
    topic, for its channel's messages only (SNS asks it to confirm), and the old subscription is removed."""
    table = get_settings().data_table_name
    current, meta = preference_store.get(table, user_id)
    try:
        updated = Preferences.model_validate({**current.model_dump(), **changes})
    except ValidationError as error:
        raise InvalidInput("; ".join(e["msg"] for e in error.errors())) from None
    if updated.webhook_url is not None and updated.webhook_url != current.webhook_url:
        problem = webhook_url_problem(updated.webhook_url, deployed=not get_settings().local_server)
        if problem:
            raise InvalidInput(problem)
    subscriptions = {name: meta.get(name) for name in ("email_topic_arn", "email_subscription_arn")}
    subscriptions["webhook_subscription_arn"] = meta.get("webhook_subscription_arn")
    if updated.email != current.email:
        _resubscribe(user_id, subscriptions, EMAIL_CHANNEL, "email", updated.email)
    if updated.webhook_url != current.webhook_url:
        endpoint = updated.webhook_url
        protocol = urlsplit(endpoint).scheme if endpoint else ""
        _resubscribe(user_id, subscriptions, WEBHOOK_CHANNEL, protocol, endpoint)
        email_subscription = subscriptions["email_subscription_arn"]
        if endpoint and email_subscription:  # an email subscription made before webhooks shared the topic
            sns.filter_to_channel(email_subscription, EMAIL_CHANNEL)
    preference_store.put(table, user_id, updated, subscriptions)
    return updated


def _resubscribe(
    user_id: str, subscriptions: dict[str, Any], channel: str, protocol: str, endpoint: str | None
) -> None:
    """Replaces ``channel``'s subscription to the user's topic (created when missing) by one of ``endpoint``,
    or by none; ``subscriptions`` (the stored topic and subscription ARNs) is updated in place."""
    field = f"{channel}_subscription_arn"
    old = subscriptions[field]
    subscriptions[field] = None
    if endpoint:  # first: an endpoint SNS refuses changes nothing
        topic = subscriptions["email_topic_arn"] or sns.user_topic(user_topic_name(user_id))
        subscriptions["email_topic_arn"] = topic
        try:
            subscriptions[field] = sns.subscribe(topic, protocol, endpoint, channel)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "InvalidParameter":
                raise
            raise InvalidInput(f"SNS refused the {channel} endpoint") from None
    if old:
        sns.unsubscribe(old)
