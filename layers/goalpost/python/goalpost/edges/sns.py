"""Publishing alerts to SNS with the message attributes subscribers filter on."""

from __future__ import annotations

import json
from typing import Any

from goalpost import aws
from goalpost.domain.alerts import Alert

SUBJECT_LIMIT = 100


def _subject(title: str) -> str:
    # SNS subjects: printable ASCII, no line breaks, at most 100 characters.
    printable = "".join(c if 32 <= ord(c) < 127 else "?" for c in title)
    return printable[:SUBJECT_LIMIT] or "Goalpost alert"


def alert_message(alert: Alert, channel: str) -> dict[str, Any]:
    """The body, subject and attributes of an alert's publish on ``channel`` (event, email, sms)."""
    from goalpost.schemas.alerts import AlertOut

    body = AlertOut.of(alert).model_dump(mode="json")
    return {
        "Subject": _subject(alert.title),
        "Message": json.dumps(body, sort_keys=True),
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value}
            for name, value in {
                "channel": channel,
                "user_id": alert.user_id,
                "alert_type": alert.alert_type.value,
                "severity": alert.severity.value,
                "alert_id": alert.id,
            }.items()
        },
    }


def publish_to_topic(topic_arn: str, alert: Alert, channel: str) -> str:
    response = aws.client("sns").publish(TopicArn=topic_arn, **alert_message(alert, channel))
    return str(response["MessageId"])


def publish_to_phone(phone: str, alert: Alert) -> str:
    """An SMS straight to the number: the subject is dropped by SNS, so the text carries the title."""
    message = alert_message(alert, "sms")
    response = aws.client("sns").publish(
        PhoneNumber=phone,
        Message=f"{alert.title}: {alert.message}"[:1600],
        MessageAttributes=message["MessageAttributes"],
    )
    return str(response["MessageId"])


def ensure_user_topic(name: str, email: str) -> tuple[str, str]:
    """The user's own email topic (created if missing; CreateTopic is idempotent by name) and a subscription
    of ``email`` to it, which SNS asks the address to confirm. Returns (topic ARN, subscription ARN)."""
    sns = aws.client("sns")
    topic_arn = str(sns.create_topic(Name=name)["TopicArn"])
    subscription = sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=email, ReturnSubscriptionArn=True)
    return topic_arn, str(subscription["SubscriptionArn"])


def unsubscribe(subscription_arn: str) -> None:
    if subscription_arn.startswith("arn:"):  # a pending confirmation has no ARN yet
        aws.client("sns").unsubscribe(SubscriptionArn=subscription_arn)
