"""SMS goes through one function: the alert raisers queue each SMS delivery (goalpost.services.delivery), and the
sms-sender worker publishes it to the phone, Transactional, with the sender ID and the maximum price set for the
deployment, reporting a message it cannot send as a partial-batch failure. Over moto, through the handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.domain.alerts import Alert, AlertType, Severity
from goalpost.domain.preferences import SMS_CHANNEL
from goalpost.services.sms import masked
from goalpost.settings import get_settings, reset_settings
from infra.local.aws import ACCOUNT_ID, REGION, LocalAws
from infra.local.event_sources import sqs_event
from tests.handlers.conftest import Api, registry
from tests.handlers.test_alert_delivery import close_at, sent

PHONE = "+14155550100"


def an_alert(alert_id: str = "alert-1") -> Alert:
    return Alert(
        id=alert_id,
        user_id="alice",
        alert_type=AlertType.POSITION_CLOSED,
        title="AAPL closed",
        message="Your AAPL position closed at 101.",
        severity=Severity.INFO,
        created_at=datetime(2026, 11, 20, 14, 0, tzinfo=UTC),
        channels=["in_app", "event"],
    )


def queued() -> list[dict[str, Any]]:
    """Every message waiting in the SMS queue (left visible: receiving with no visibility timeout)."""
    sqs = goalpost_aws.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=get_settings().sms_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
    ).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def send_batch(bodies: list[str]) -> Any:
    messages = [{"MessageId": f"m-{n}", "ReceiptHandle": f"r-{n}", "Body": body} for n, body in enumerate(bodies)]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:test-{declaration.SMS_QUEUE.key}"
    return registry.invoke(declaration.SMS_SENDER, sqs_event(arn, messages))


def sms_body(alert: Alert, phone: str = PHONE) -> str:
    from goalpost.edges.sms_queue import sms_message

    return sms_message(alert, phone)


def test_delivery_queues_the_sms_instead_of_publishing_it(aws: LocalAws, publishes: Any) -> None:
    from goalpost.services.delivery import send

    send(an_alert(), SMS_CHANNEL, PHONE)
    assert sent(publishes, SMS_CHANNEL) == []
    (message,) = queued()
    assert message["phone"] == PHONE
    assert Alert.model_validate(message["alert"]) == an_alert()


def test_the_sender_publishes_a_transactional_sms_to_the_phone(aws: LocalAws, publishes: Any) -> None:
    assert send_batch([sms_body(an_alert())]) == {"batchItemFailures": []}
    (sms,) = sent(publishes, SMS_CHANNEL)
    assert sms.phone_number == PHONE
    assert sms.topic is None
    assert sms.message.startswith("AAPL closed: Your AAPL position closed")
    assert sms.attributes["AWS.SNS.SMS.SMSType"] == "Transactional"
    assert sms.attributes["alert_id"] == "alert-1"
    assert "AWS.SNS.SMS.SenderID" not in sms.attributes
    assert "AWS.SNS.SMS.MaxPrice" not in sms.attributes


def test_the_sender_id_and_max_price_come_from_the_settings(
    aws: LocalAws, publishes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(declaration.SMS_SENDER_ID_ENV, "Goalpost")
    monkeypatch.setenv(declaration.SMS_MAX_PRICE_ENV, "0.25")
    reset_settings()
    try:
        send_batch([sms_body(an_alert())])
    finally:
        monkeypatch.undo()
        reset_settings()
    (sms,) = sent(publishes, SMS_CHANNEL)
    assert sms.attributes["AWS.SNS.SMS.SenderID"] == "Goalpost"
    assert sms.attributes["AWS.SNS.SMS.MaxPrice"] == "0.25"


REFUSED_SETTINGS = [
    (declaration.SMS_SENDER_ID_ENV, "has spaces"),
    (declaration.SMS_SENDER_ID_ENV, "x" * 12),
    (declaration.SMS_SENDER_ID_ENV, "12345"),  # no letter
    (declaration.SMS_MAX_PRICE_ENV, "-1"),
    (declaration.SMS_MAX_PRICE_ENV, "cheap"),
]


@pytest.mark.parametrize(("name", "value"), REFUSED_SETTINGS)
def test_sender_settings_that_aws_would_refuse_are_refused_when_read(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    reset_settings()
    try:
        with pytest.raises(ValueError, match=name):
            get_settings()
    finally:
        monkeypatch.undo()
        reset_settings()


def test_a_message_it_cannot_send_fails_alone(aws: LocalAws, publishes: Any) -> None:
    bad = [
        "not json",
        json.dumps({"alert": an_alert().model_dump(mode="json")}),  # no phone
        json.dumps({"alert": an_alert().model_dump(mode="json"), "phone": "0612345678"}),  # not E.164
    ]
    result = send_batch([bad[0], sms_body(an_alert("good")), *bad[1:]])
    assert result == {"batchItemFailures": [{"itemIdentifier": f"m-{n}"} for n in (0, 2, 3)]}
    (sms,) = sent(publishes, SMS_CHANNEL)
    assert sms.attributes["alert_id"] == "good"


def test_a_repeat_carries_the_same_alert_id(aws: LocalAws, publishes: Any) -> None:
    """At least once: a delivery queued twice (a raiser that died before recording it) is two SMS that the
    subscriber tells apart by the ``alert_id`` attribute."""
    send_batch([sms_body(an_alert("twice"))])
    send_batch([sms_body(an_alert("twice"))])
    assert [p.attributes["alert_id"] for p in sent(publishes, SMS_CHANNEL)] == ["twice", "twice"]


def test_the_sender_never_logs_the_whole_phone_number(
    aws: LocalAws, publishes: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from goalpost.observability import logger

    level = logger.log_level
    logger.setLevel("INFO")
    try:
        send_batch([sms_body(an_alert()), json.dumps({"alert": an_alert().model_dump(mode="json"), "phone": "+1"})])
    finally:
        logger.setLevel(level)
    # Each record as the JSON log line carries it: the message, the extra keys and the exception.
    logged = " ".join(f"{record.getMessage()} {record.__dict__} {record.exc_text}" for record in caplog.records)
    assert "SMS sent" in logged
    assert "Not an SMS delivery: phone" in logged
    assert PHONE not in logged
    assert masked(PHONE) in logged  # enough of it to match a complaint to a send
    assert masked(PHONE) == "+14*******00"


def test_a_raised_alert_is_queued_sent_and_recorded_before_the_request_answers(api: Api, publishes: Any) -> None:
    """The local event source mapping: the raiser's request answers once its SMS is published."""
    api.patch("/alerts/preferences", {"phone": PHONE, "sms_enabled": True, "quiet_hours_start": None})
    close_at(api, datetime.now(UTC))
    (sms,) = sent(publishes, SMS_CHANNEL)
    assert sms.phone_number == PHONE
    assert sms.attributes["AWS.SNS.SMS.SMSType"] == "Transactional"
    assert queued() == []
    # Recorded sent once queued: the delivery job has nothing left to send.
    assert api.run_job("deliver_alerts", {"now": datetime.now(UTC).isoformat()})["sent"] == 0
    assert len(sent(publishes, SMS_CHANNEL)) == 1
