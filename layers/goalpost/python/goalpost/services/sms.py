"""The SMS sender's work: each queued SMS delivery published to its phone number, Transactional, with the
deployment's sender ID and maximum price (goalpost.edges.sns.publish_to_phone). A message that cannot be read
or sent raises, so the worker reports it back to SQS, which retries it and then keeps it in the dead-letter queue.

Delivery stays at least once: a message received twice (SQS's at-least-once, or a raiser that died between
queueing and recording it) is sent twice with the same ``alert_id`` attribute, by which a subscriber tells a
repeat. The phone number is never logged in full."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field, ValidationError

from goalpost.domain.alerts import Alert
from goalpost.domain.model import Model
from goalpost.domain.preferences import E164_PATTERN
from goalpost.edges import sns
from goalpost.observability import logger, metrics


class QueuedSms(Model):
    """One SMS delivery as the raiser queued it (goalpost.edges.sms_queue.sms_message)."""

    alert: Alert
    phone: str = Field(pattern=E164_PATTERN.pattern)


class UnreadableSms(ValueError):
    """A queued message that is not an SMS delivery: it can never be sent, whatever the retries."""


class SmsRefused(RuntimeError):
    """SNS refused the publish (throttled, the spend limit reached, a number it will not text): SQS retries it."""


def masked(phone: str) -> str:
    """Enough of a number to match a complaint to a send (country code and last two digits), not to text it."""
    return f"{phone[:3]}{'*' * max(0, len(phone) - 5)}{phone[-2:]}" if len(phone) > 5 else "*" * len(phone)


def send_queued(body: str) -> dict[str, Any]:
    """Publishes one queued SMS delivery; raises when it cannot (the record then fails alone)."""
    try:
        sms = QueuedSms.model_validate_json(body)
    except ValidationError as error:
        # The error would quote the input, phone number included: only where it failed goes to the log.
        places = sorted({".".join(str(part) for part in e["loc"]) or "body" for e in error.errors()})
        raise UnreadableSms(f"Not an SMS delivery: {', '.join(places)}") from None
    try:
        message_id = sns.publish_to_phone(sms.phone, sms.alert)
    except ClientError as error:
        # SNS's message may quote the number: its error code is what the log keeps.
        raise SmsRefused(f"SNS refused the SMS of alert {sms.alert.id}: {error.response['Error']['Code']}") from None
    logger.info("SMS sent", extra={"alert_id": sms.alert.id, "phone": masked(sms.phone), "message_id": message_id})
    metrics.add_metric(name="AlertsSmsSent", unit="Count", value=1)
    return {"alert_id": sms.alert.id, "message_id": message_id}
