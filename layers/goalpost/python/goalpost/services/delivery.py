"""Email and SMS deliveries: decided when an alert is raised (after its publish to the shared topic), sent at
once or deferred past the user's quiet hours, and the deferred ones sent by the deliver_alerts job."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from goalpost import declaration
from goalpost.data import alerts as alert_store
from goalpost.data import keys
from goalpost.data import preferences as preference_store
from goalpost.domain.alerts import EVENT_CHANNEL, IN_APP_CHANNEL, Alert
from goalpost.domain.clock import parse_iso, utc_now
from goalpost.domain.preferences import EMAIL_CHANNEL, SMS_CHANNEL, Preferences, plan_delivery, zone
from goalpost.edges import sns
from goalpost.observability import logger, metrics
from goalpost.settings import get_settings

LEASE = timedelta(minutes=2)


def _table() -> str:
    return get_settings().data_table_name


def user_topic_name(user_id: str) -> str:
    """The user's own email topic (a hash: topic names allow only letters, digits, - and _)."""
    return f"{declaration.USER_TOPIC_PREFIX}{hashlib.sha256(user_id.encode()).hexdigest()[:24]}"


def _target(prefs: Preferences, meta: dict[str, Any], channel: str) -> str | None:
    if channel == EMAIL_CHANNEL:
        return meta.get("email_topic_arn")
    return prefs.phone


def send(alert: Alert, channel: str, target: str) -> None:
    if channel == SMS_CHANNEL:
        sns.publish_to_phone(target, alert)
    else:
        sns.publish_to_topic(target, alert, channel)
    metrics.add_metric(name=f"Alerts{channel.capitalize()}Sent", unit="Count", value=1)


def release(alert: Alert, now: datetime) -> bool:
    """Publishes a stored alert to the shared topic, sends or defers its email and SMS, then takes it out of
    the outbox. If anything fails (or the function dies) on the way, the alert stays in the outbox and the
    delivery job releases it again: at least once, never lost; a repeat carries the same ``alert_id``."""
    settings = get_settings()
    try:
        sns.publish_to_topic(settings.alerts_topic_arn, alert, EVENT_CHANNEL)
        _deliver(alert, now)
        alert_store.mark_delivered(settings.data_table_name, alert, now, [IN_APP_CHANNEL, EVENT_CHANNEL])
    except Exception:
        logger.exception("Alert release failed; left in the outbox", extra={"alert_id": alert.id})
        metrics.add_metric(name="AlertPublishFailures", unit="Count", value=1)
        return False
    metrics.add_metric(name="AlertsPublished", unit="Count", value=1)
    return True


def _deliver(alert: Alert, now: datetime) -> None:
    """Email and SMS for one alert, as its owner's preferences ask: one read of them, a conditional slot
    reservation (daily cap, minimum gap), then a send now or a deferred delivery."""
    prefs, meta = preference_store.get(_table(), alert.user_id)
    last = meta.get("last_sent_at")
    day = now.astimezone(zone(prefs.timezone)).date().isoformat()
    sent_today = int(meta.get("sent_count", 0)) if meta.get("sent_day") == day else 0
    plan = plan_delivery(prefs, alert.alert_type, now, sent_today, parse_iso(last) if last else None)
    if not plan.channels:
        return
    gap_start = now - prefs.min_gap
    if not preference_store.reserve_slot(_table(), alert.user_id, day, prefs.max_alerts_per_day, now, gap_start):
        return  # another alert took the slot meanwhile: this one stays in-app only
    targets = [(channel, target) for channel in plan.channels if (target := _target(prefs, meta, channel))]
    if plan.at is None:
        _send_now(alert, targets, now)
    else:
        preference_store.defer(_table(), [preference_store.delivery_item(alert, c, t, plan.at) for c, t in targets])
        metrics.add_metric(name="AlertDeliveriesDeferred", unit="Count", value=1)


def _send_now(alert: Alert, targets: list[tuple[str, str]], now: datetime) -> None:
    """Each message goes into the outbox, leased to this run, before it is sent, and leaves it after: if the
    function dies in between, the delivery job sends it when the lease is over (at least once, never lost;
    subscribers tell a repeat by its ``alert_id`` attribute)."""
    run_id = uuid.uuid4().hex
    wanted = [preference_store.delivery_item(alert, c, t, now, lease=(run_id, now + LEASE)) for c, t in targets]
    # A retried release finds the ones recorded before (sent, or left to the delivery job) and skips them.
    for item in preference_store.defer(_table(), wanted):
        send(alert, str(item["channel"]), str(item["target"]))
        preference_store.done(_table(), item, run_id, now)


def run_deliveries(now: datetime | None = None) -> dict[str, Any]:
    """The deliver_alerts job: every delivery due by now (deferred, or left by a run that died), each claimed
    with a lease before it is sent and marked sent after, so retries and concurrent runs send each once; then
    every alert still in the outbox, released again."""
    moment = now or utc_now()
    run_id = uuid.uuid4().hex
    sent = skipped = 0
    for shard in range(keys.DELIVERY_SHARDS):
        for item in preference_store.due(_table(), shard, moment):
            if not preference_store.claim(_table(), item, run_id, moment, moment + LEASE):
                skipped += 1
                continue
            alert = Alert.model_validate(item["alert"])
            send(alert, str(item["channel"]), str(item["target"]))
            preference_store.done(_table(), item, run_id, moment)
            sent += 1
    released = [release(alert_store.to_alert(item), moment) for item in preference_store.outbox(_table())]
    return {
        "sent": sent,
        "claimed_elsewhere": skipped,
        "republished": sum(released),
        "release_failures": len(released) - sum(released),
    }
