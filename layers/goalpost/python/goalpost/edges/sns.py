"""Publishing alerts to SNS with the message attributes subscribers filter on."""

from __future__ import annotations

import json
from typing import Any

from goalpost import aws
from goalpost.domain.alerts import Alert
from goalpost.settings import get_settings

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


def sms_attributes() -> dict[str, dict[str, str]]:
    """SNS's per-message SMS settings: Transactional (the alerts are time-critical: SNS favours delivery over
    cost), and the deployment's sender ID and maximum price when it sets them (goalpost.settings)."""
    settings = get_settings()
    values = {"AWS.SNS.SMS.SMSType": "Transactional"}
    if settings.sms_sender_id:
        values["AWS.SNS.SMS.SenderID"] = settings.sms_sender_id
    if settings.sms_max_price_usd is not None:
        values["AWS.SNS.SMS.MaxPrice"] = str(settings.sms_max_price_usd)
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def publish_to_phone(phone: str, alert: Alert) -> str:
    """An SMS straight to the number: the subject is dropped by SNS, so the text carries the title. Only the SMS
    sender calls this (goalpost.services.sms): a phone number has no ARN, so it needs sns:Publish on *."""
    message = alert_message(alert, "sms")
    response = aws.client("sns").publish(
        PhoneNumber=phone,
        Message=f"{alert.title}: {alert.message}"[:1600],
        MessageAttributes={**message["MessageAttributes"], **sms_attributes()},
    )
    return str(response["MessageId"])


def tls_only_policy(topic_arn: str) -> str:
    """The topic policy that refuses any publish not made over TLS (as the stack's own topics have it); the
    account's roles need no allow here, their IAM policies grant them what they may do."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyWithoutTls",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def user_topic(name: str) -> str:
    """The user's own alerts topic, created if missing, encrypted with the topics' key (none locally) and
    TLS-only: its ARN. CreateTopic is idempotent by name as long as the attributes are the same; the policy
    names the topic's ARN, so it is set once the topic is there."""
    key = get_settings().topics_key_id
    client = aws.client("sns")
    topic_arn = str(client.create_topic(Name=name, Attributes={"KmsMasterKeyId": key} if key else {})["TopicArn"])
    client.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=tls_only_policy(topic_arn))
    return topic_arn


def channel_filter(channel: str) -> str:
    """The filter policy that gives a subscription of the user's topic only that channel's messages (email and
    webhook share the topic; each publish names its channel)."""
    return json.dumps({"channel": [channel]})


def subscribe(topic_arn: str, protocol: str, endpoint: str, channel: str) -> str:
    """Subscribes ``endpoint`` to the topic for ``channel``'s messages only; SNS first asks it to confirm (an
    email address by mail, a URL by a SubscriptionConfirmation POST). The subscription ARN."""
    subscription = aws.client("sns").subscribe(
        TopicArn=topic_arn,
        Protocol=protocol,
        Endpoint=endpoint,
        Attributes={"FilterPolicy": channel_filter(channel)},
        ReturnSubscriptionArn=True,
    )
    return str(subscription["SubscriptionArn"])


def filter_to_channel(subscription_arn: str, channel: str) -> None:
    """Gives a subscription made before the channels shared the topic its channel's filter."""
    if subscription_arn.startswith("arn:"):
        aws.client("sns").set_subscription_attributes(
            SubscriptionArn=subscription_arn, AttributeName="FilterPolicy", AttributeValue=channel_filter(channel)
        )


def unsubscribe(subscription_arn: str) -> None:
    if subscription_arn.startswith("arn:"):  # a pending confirmation has no ARN yet
        aws.client("sns").unsubscribe(SubscriptionArn=subscription_arn)
