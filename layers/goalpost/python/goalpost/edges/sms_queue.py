"""The SMS queue: an alert raiser sends each SMS delivery there (the alert and the phone number), and the SMS
sender reads it back (goalpost.services.sms). Only the sender may publish to a phone number (sns:Publish on *)."""

from __future__ import annotations

import json

from goalpost import aws
from goalpost.domain.alerts import Alert
from goalpost.settings import get_settings


def sms_message(alert: Alert, phone: str) -> str:
    """The body of one SMS delivery: everything the sender needs to publish it, nothing it must look up."""
    return json.dumps({"alert": alert.model_dump(mode="json"), "phone": phone}, sort_keys=True)


def queue_sms(alert: Alert, phone: str) -> str:
    """Sends the SMS delivery to the queue (SQS-managed encryption at rest, TLS in transit); its message id."""
    queue_url = get_settings().sms_queue_url
    response = aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=sms_message(alert, phone))
    return str(response["MessageId"])
