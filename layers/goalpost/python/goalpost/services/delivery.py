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


def deliver(alerts: list[Alert], now: datetime) -> None:
    """What the preferences ask beyond in-app, for freshly stored alerts: one read of the preferences per
    user, a conditional slot reservation per alert (daily cap, minimum gap), then a publish now or a deferred
    delivery. Failures are logged: the alert itself is stored and on the shared topic already."""
    by_user: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_user.setdefault(alert.user_id, []).append(alert)
    for user_id, pending in by_user.items():
        try:
            _deliver_user(user_id, pending, now)
        except Exception:
            logger.exception("Email/SMS delivery failed", extra={"user": user_id})
            metrics.add_metric(name="AlertDeliveryFailures", unit="Count", value=1)


def _deliver_user(user_id: str, alerts: list[Alert], now: datetime) -> None:
    prefs, meta = preference_store.get(_table(), user_id)
    sent_day = meta.get("sent_day")
    sent_today = int(meta.get("sent_count", 0))
    last = meta.get("last_sent_at")
    day = now.astimezone(zone(prefs.timezone)).date().isoformat()
    for alert in alerts:
        plan = plan_delivery(
            prefs, alert.alert_type, now, sent_today if sent_day == day else 0, parse_iso(last) if last else None
        )
        if not plan.channels:
            continue
        gap_start = now - prefs.min_gap
        if not preference_store.reserve_slot(_table(), user_id, day, prefs.max_alerts_per_day, now, gap_start):
            continue  # another alert took the slot meanwhile: this one stays in-app only
        sent_day, sent_today, last = day, sent_today + 1, now.isoformat()
        targets = [(channel, _target(prefs, meta, channel)) for channel in plan.channels]
        if plan.at is None:
            for channel, target in targets:
                if target:
                    send(alert, channel, target)
        else:
            preference_store.defer(
                _table(),
                [preference_store.delivery_item(alert, c, t, plan.at) for c, t in targets if t],
            )
            metrics.add_metric(name="AlertDeliveriesDeferred", unit="Count", value=1)


def run_deliveries(now: datetime | None = None) -> dict[str, Any]:
    """The deliver_alerts job: every deferred delivery due by now, each claimed with a lease before it is sent
    and deleted after, so retries and concurrent runs send each exactly once; and the alerts whose publish
    to the shared topic failed, published again."""
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
            preference_store.done(_table(), item, run_id)
            sent += 1
    republished = 0
    settings = get_settings()
    for item in preference_store.outbox(_table()):
        alert = alert_store.to_alert(item)
        sns.publish_to_topic(settings.alerts_topic_arn, alert, EVENT_CHANNEL)
        alert_store.mark_delivered(_table(), alert, moment, [IN_APP_CHANNEL, EVENT_CHANNEL])
        republished += 1
    return {"sent": sent, "claimed_elsewhere": skipped, "republished": republished}
