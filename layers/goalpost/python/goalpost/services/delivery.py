"""Email, SMS and webhook deliveries: decided when an alert is raised (after its publish to the shared topic), sent at
once or deferred past the user's quiet hours, and the deferred ones sent by the deliver_alerts job. An SMS is
"sent" once it is on the SMS queue: the SMS sender publishes it (goalpost.services.sms), SQS retrying it."""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from goalpost import declaration
from goalpost.data import alerts as alert_store
from goalpost.data import deliveries as delivery_store
from goalpost.data import keys
from goalpost.data import preferences as preference_store
from goalpost.data.codec import Item
from goalpost.data.deliveries import Plan
from goalpost.data.preferences import PreferenceRead
from goalpost.data.transactions import TRANSACTION_LIMIT
from goalpost.domain.alerts import EVENT_CHANNEL, IN_APP_CHANNEL, Alert
from goalpost.domain.clock import iso, parse_iso, utc_now
from goalpost.domain.errors import ConcurrentModification
from goalpost.domain.preferences import (
    EMAIL_CHANNEL,
    SMS_CHANNEL,
    WEBHOOK_CHANNEL,
    Preferences,
    plan_delivery,
    zone,
)
from goalpost.edges import sms_queue, sns
from goalpost.observability import logger, metrics
from goalpost.settings import get_settings

LEASE = timedelta(minutes=2)


def _table() -> str:
    return get_settings().data_table_name


def user_topic_name(user_id: str) -> str:
    """The user's own alerts topic, for email and webhooks (a hash: topic names allow only letters, digits, - and _)."""
    return f"{declaration.USER_TOPIC_PREFIX}{hashlib.sha256(user_id.encode()).hexdigest()[:24]}"


def _target(prefs: Preferences, meta: dict[str, Any], channel: str) -> str | None:
    """Where a channel's message is published: the user's own topic for email and webhooks (each subscription
    filtered to its channel), else the phone number."""
    if channel in (EMAIL_CHANNEL, WEBHOOK_CHANNEL):
        return meta.get("email_topic_arn")
    return prefs.phone


def send(alert: Alert, channel: str, target: str) -> None:
    """Email and webhooks go to the user's own topic; an SMS is queued for the SMS sender, the only function that
    may publish to a phone number (goalpost.services.sms). Either way the delivery is out of this function's
    hands once this returns: its caller records it sent."""
    if channel == SMS_CHANNEL:
        sms_queue.queue_sms(alert, target)
        metrics.add_metric(name="AlertsSmsQueued", unit="Count", value=1)
        return
    sns.publish_to_topic(target, alert, channel)
    metrics.add_metric(name=f"Alerts{channel.capitalize()}Sent", unit="Count", value=1)


# How often a release writes its plan again after a lost race (a concurrent reservation, a delivery recorded by
# an earlier release of the same alert, a transaction conflict) before leaving its alerts to the delivery job.
PLAN_ATTEMPTS = 8


@dataclass
class _Recipient:
    """One user's preferences and delivery counters as this release knows them: what it read, moved on by
    every reservation it made since."""

    user_id: str
    prefs: Preferences
    meta: Item
    # With preferences read from an index (which may lag): the condition that they still stand, written with the
    # plans (``preference_store.unchanged_since``).
    guard: dict[str, Any] | None = None

    def reserved(self, day: str, count: int, now: datetime) -> None:
        self.meta = _after_sends(self.meta, day, count, now)

    def reread(self) -> None:
        self.prefs, self.meta = preference_store.get(_table(), self.user_id)
        if self.guard is not None:
            # Read from the table now; the index lacked or lagged them: the plans' write puts them (back) in it.
            self.guard = preference_store.indexed(_table(), self.user_id)


def _after_sends(meta: Item, day: str, count: int, now: datetime) -> Item:
    """The counters once ``count`` more slots of ``day`` are taken at ``now``."""
    if not count:
        return meta
    same_day = meta.get("sent_day") == day
    sent = int(meta.get("sent_count", 0)) if same_day else 0
    return {**meta, "sent_day": day, "sent_count": sent + count, "last_sent_at": iso(now)}


@dataclass
class _Planned:
    """One alert of a release: the deliveries it records (leased to this run when sent now), if any."""

    alert: Alert
    deliveries: list[Item] = field(default_factory=list)


def _plan(
    recipient: _Recipient, alerts: Sequence[Alert], now: datetime, run_id: str, recorded: set[tuple[str, str]]
) -> tuple[list[_Planned], str]:
    """Email and SMS for each alert in turn, as its owner's preferences ask: each one's plan sees the slots
    the ones before it take (so the daily cap and the minimum gap hold within a release as between releases).
    A delivery in ``recorded`` exists already (an earlier release of the alert stored it): not planned again.
    Returns the plans and the user's local day."""
    prefs, meta = recipient.prefs, recipient.meta
    day = now.astimezone(zone(prefs.timezone)).date().isoformat()
    planned = []
    for alert in alerts:
        last = meta.get("last_sent_at")
        sent_today = int(meta.get("sent_count", 0)) if meta.get("sent_day") == day else 0
        plan = plan_delivery(prefs, alert.alert_type, now, sent_today, parse_iso(last) if last else None)
        targets = [
            (channel, target)
            for channel in plan.channels
            if (target := _target(prefs, recipient.meta, channel)) and (alert.id, channel) not in recorded
        ]
        lease = (run_id, now + LEASE) if plan.at is None else None
        deliveries = [delivery_store.delivery_item(alert, c, t, plan.at or now, lease=lease) for c, t in targets]
        planned.append(_Planned(alert, deliveries))
        if deliveries:
            meta = _after_sends(meta, day, 1, now)
    return planned, day


def release(
    alerts: Sequence[Alert],
    now: datetime,
    *,
    preferences: Mapping[str, PreferenceRead] | None = None,
    one_by_one: bool = False,
    as_read: Mapping[str, dict[str, Any]] | None = None,
) -> int:
    """Releases stored alerts from the outbox: each is published to the shared topic; then its email and SMS
    are planned (sent now or deferred past quiet hours, within the daily cap and the minimum gap), and it
    leaves the outbox in the very write that stores that plan. If anything fails (or the function dies) on the
    way, the alerts not yet out of the outbox stay in it and the delivery job releases them again: at least
    once, never lost; a repeat carries the same ``alert_id``.

    The alerts of one request are released together: one read of each owner's preferences (none when the
    caller read them, ``preferences`` by user id), the publishes, then one write for all of them (a
    transaction of up to 100 items: the slots they take, their deliveries, their delivered marks), then the
    email/SMS sends and one write recording them sent. A function that dies half way through may so repeat
    the messages of every alert of its release. ``one_by_one`` releases each alert on its own instead (the
    jobs: one crash repeats the messages of one alert at most). ``as_read``, by user id: for ``preferences``
    read from an index, the condition that they still stand (``preference_store.unchanged_since``), written with
    the plans; refused, the preferences are read again and the plans made anew. Returns how many alerts left the
    outbox."""
    by_user: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_user.setdefault(alert.user_id, []).append(alert)
    released = 0
    for user_id, theirs in by_user.items():
        with _turn(user_id):
            try:
                known = (preferences or {}).get(user_id) or preference_store.get(_table(), user_id)
            except Exception:
                _failed(theirs, "Reading the preferences failed")
                continue
            recipient = _Recipient(user_id, *known, guard=(as_read or {}).get(user_id))
            for group in [[alert] for alert in theirs] if one_by_one else [theirs]:
                released += _release_group(recipient, group, now)
    return released


# The monitor closes several positions at once in threads. Their releases for one user take turns (a lock per
# stripe of users), so each one plans from the counters the previous one left: none loses a race to its own
# process (and a run makes the same writes whatever the threads' timing). Across processes the conditional
# writes keep the cap and the gap, as ever.
_RELEASE_LOCKS = [threading.Lock() for _ in range(64)]


def _turn(user_id: str) -> threading.Lock:
    return _RELEASE_LOCKS[keys.shard_of(user_id, len(_RELEASE_LOCKS))]


def _failed(alerts: Sequence[Alert], message: str) -> None:
    logger.exception(message, extra={"alert_ids": [alert.id for alert in alerts], "left_in": "outbox"})
    metrics.add_metric(name="AlertPublishFailures", unit="Count", value=len(alerts))


def _release_group(recipient: _Recipient, alerts: Sequence[Alert], now: datetime) -> int:
    settings = get_settings()
    published = []
    for alert in alerts:
        try:
            sns.publish_to_topic(settings.alerts_topic_arn, alert, EVENT_CHANNEL)
        except Exception:
            _failed([alert], "Alert publish failed")
        else:
            published.append(alert)
    if not published:
        return 0
    progress = _Progress(run_id=uuid.uuid4().hex)
    try:
        _store_plans(recipient, published, now, progress)
    except Exception:
        _failed(published[progress.released :], "Alert release failed")
    if progress.released:
        metrics.add_metric(name="AlertsPublished", unit="Count", value=progress.released)
    _send_now(progress.to_send, progress.run_id, now)  # what was planned before a failure still goes
    return progress.released


@dataclass
class _Progress:
    """How far a release got: the alerts out of the outbox (the first ``released``), and the deliveries to
    send now, leased to ``run_id``."""

    run_id: str
    released: int = 0
    to_send: list[Item] = field(default_factory=list)


def _store_plans(recipient: _Recipient, alerts: Sequence[Alert], now: datetime, progress: _Progress) -> None:
    """Writes each alert's plan and takes it out of the outbox, in as few requests as fit (one up to 100
    items): per transaction, one conditional reservation of the slots its alerts take, their deliveries (each
    only if not recorded before) and their delivered marks. A lost race is written again from what it says: a
    delivery recorded before is left out, a reservation beaten by another one reads the counters again."""
    table = _table()
    recorded: set[tuple[str, str]] = set()
    counted_already: set[str] = set()
    retries = 0
    while progress.released < len(alerts):
        pending = alerts[progress.released :]
        planned, day = _plan(recipient, pending, now, progress.run_id, recorded)
        chunk, reservation = _next_transaction(recipient, planned, day, now, table)
        plans = [_marks(recipient.prefs, p, counted_already) for p in chunk]
        lost = delivery_store.write_plans(table, reservation, plans, now, guard=recipient.guard)
        if lost is not None:
            retries += 1
            if retries >= PLAN_ATTEMPTS:
                raise ConcurrentModification("The release lost every race to store its plans")
            if lost.reservation or lost.preferences:
                recipient.reread()  # another release took slots meanwhile, or the preferences changed
            recorded |= lost.recorded
            counted_already |= lost.counted_already
            time.sleep(random.uniform(0, 0.01 * 2**retries))  # noqa: S311 (jitter spreads the retries)
            continue
        recipient.reserved(day, sum(1 for p in chunk if p.deliveries), now)
        recipient.guard = None  # the next chunk's write needs it no more: this one held
        deliveries = [d for p in chunk for d in p.deliveries]
        progress.to_send += [d for d in deliveries if "claimed_by" in d]
        progress.released += len(chunk)
        deferred = sum(1 for d in deliveries if "claimed_by" not in d)
        if deferred:
            metrics.add_metric(name="AlertDeliveriesDeferred", unit="Count", value=deferred)


def _marks(prefs: Preferences, planned: _Planned, counted_already: set[str]) -> Plan:
    """An alert's plan with its delivered mark: in-app and event; with in-app alerts off, event alone, and the
    alert leaves the unread index and counter (unless that was done before: read, or an earlier release)."""
    if prefs.in_app_enabled:
        return Plan(planned.alert, planned.deliveries, [IN_APP_CHANNEL, EVENT_CHANNEL])
    uncount = planned.alert.id not in counted_already
    return Plan(planned.alert, planned.deliveries, [EVENT_CHANNEL], uncount=uncount)


def _next_transaction(
    recipient: _Recipient, planned: list[_Planned], day: str, now: datetime, table: str
) -> tuple[list[_Planned], dict[str, Any] | None]:
    """The longest run of ``planned`` whose writes fit one transaction (the reservation of the slots they take,
    if any, each one's deliveries and delivered mark), and that reservation."""
    chunk: list[_Planned] = []
    # With in-app alerts off, one more item: the update of the unread counter.
    size = 0 if recipient.prefs.in_app_enabled else 1
    for item in planned:
        extra = len(item.deliveries) + 1 + (1 if item.deliveries and not any(p.deliveries for p in chunk) else 0)
        if chunk and size + extra > TRANSACTION_LIMIT:
            break
        chunk.append(item)
        size += extra
    if not any(p.deliveries for p in chunk):
        return chunk, None
    prefs = recipient.prefs
    reservation = delivery_store.slot_update(
        table,
        recipient.user_id,
        day=day,
        count=sum(1 for p in chunk if p.deliveries),
        cap=prefs.max_alerts_per_day,
        now=now,
        gap_start=now - prefs.min_gap,
        same_day=recipient.meta.get("sent_day") == day,
    )
    return chunk, reservation


def _sent(deliveries: Sequence[Item]) -> list[Item]:
    """Sends the deliveries due now, recorded and leased to this run before (so if the function dies, or a
    send fails, the delivery job sends them once the lease is over: at least once, never lost; subscribers
    tell a repeat by its ``alert_id`` attribute); returns the ones sent."""
    sent = []
    for item in deliveries:
        alert = Alert.model_validate(item["alert"])
        try:
            send(alert, str(item["channel"]), str(item["target"]))
        except Exception:
            logger.exception("Alert delivery failed; the delivery job sends it", extra={"alert_id": alert.id})
            continue
        sent.append(item)
    return sent


def _send_now(deliveries: list[Item], run_id: str, now: datetime) -> None:
    """Sends the deliveries due now (``_sent``), then records the sent ones in one write."""
    sent = _sent(deliveries)
    if sent:
        try:
            delivery_store.done_all(_table(), sent, run_id, now)
        except Exception:
            logger.exception("Recording sent deliveries failed; the delivery job may send them again")


# ---------------------------------------------------------------- a release planned before its alert is stored
@dataclass(frozen=True)
class Ahead:
    """An alert's email/SMS plan made before the alert is stored, from the preferences and counters its raiser
    read: its writes (``items``: the conditional reservation of its slot and its deliveries, those due now
    leased to ``run_id``) go in the alert's own transaction, so that its release after the commit is one
    write (the sends recorded with the delivered mark) where a release planned after costs two."""

    run_id: str
    prefs: Preferences
    deliveries: list[Item]
    items: list[dict[str, Any]]


def plan_ahead(alert: Alert, known: PreferenceRead, now: datetime) -> Ahead | None:
    """The plan of ``alert``'s email and SMS (see ``_plan``: quiet hours, the per-type toggles, the daily cap and
    the minimum gap), from ``known`` preferences and counters; None when it sends nothing (nothing to plan
    ahead: its release is the delivered mark alone). The reservation is conditional on the cap and the gap
    as stored when the transaction lands: a release that took a slot meanwhile refuses the transaction, and
    the raiser writes it again without the plan (``Ahead`` is then dropped, the alert released as ever)."""
    recipient = _Recipient(alert.user_id, *known)
    run_id = uuid.uuid4().hex
    planned, day = _plan(recipient, [alert], now, run_id, set())
    if not planned[0].deliveries:
        return None
    table = _table()
    _, reservation = _next_transaction(recipient, planned, day, now, table)
    puts = [delivery_store.delivery_put(table, delivery) for delivery in planned[0].deliveries]
    return Ahead(run_id, recipient.prefs, planned[0].deliveries, [*([reservation] if reservation else []), *puts])


def release_ahead(alert: Alert, ahead: Ahead, now: datetime) -> None:
    """Releases an alert stored with its plan (``plan_ahead``): publishes it to the shared topic, sends its
    deliveries due now, then one write records them sent and takes the alert out of the outbox. A failed
    publish leaves the alert in the outbox (the delivery job publishes it later and finds its deliveries
    recorded: nothing sent twice); a failed send is the delivery job's once its lease is over."""
    try:
        sns.publish_to_topic(get_settings().alerts_topic_arn, alert, EVENT_CHANNEL)
        published = True
    except Exception:
        _failed([alert], "Alert publish failed")
        published = False
    sent = _sent([delivery for delivery in ahead.deliveries if "claimed_by" in delivery])
    try:
        _record_released(alert, ahead, sent, now, published=published)
    except Exception:
        _failed([alert], "Recording the alert's release failed")
        return
    if published:
        metrics.add_metric(name="AlertsPublished", unit="Count", value=1)
    deferred = sum(1 for delivery in ahead.deliveries if "claimed_by" not in delivery)
    if deferred:
        metrics.add_metric(name="AlertDeliveriesDeferred", unit="Count", value=deferred)


def _record_released(alert: Alert, ahead: Ahead, sent: list[Item], now: datetime, *, published: bool) -> None:
    """The sends recorded and (once published) the delivered mark, in one write; a send whose lease was taken
    over is recorded on its own, an alert read meanwhile is not uncounted again."""
    counted_already: set[str] = set()
    for _ in range(PLAN_ATTEMPTS):
        plans = [_marks(ahead.prefs, _Planned(alert), counted_already)] if published else []
        if not plans and not sent:
            return
        lost = delivery_store.write_plans(_table(), None, plans, now, sent=sent, run_id=ahead.run_id)
        if lost is None:
            return
        if lost.done:
            for item in sent:
                delivery_store.done(_table(), item, ahead.run_id, now)
            sent = []
        counted_already |= lost.counted_already
    raise ConcurrentModification("The release lost every race to record its sends")


def run_deliveries(now: datetime | None = None) -> dict[str, Any]:
    """The deliver_alerts job: every delivery due by now (deferred, or left by a run that died), each claimed
    with a lease before it is sent and marked sent after, so retries and concurrent runs send each once; then
    every alert still in the outbox, released again."""
    moment = now or utc_now()
    run_id = uuid.uuid4().hex
    sent = skipped = 0
    for shard in range(keys.DELIVERY_SHARDS):
        for item in delivery_store.due(_table(), shard, moment):
            if not delivery_store.claim(_table(), item, run_id, moment, moment + LEASE):
                skipped += 1
                continue
            alert = Alert.model_validate(item["alert"])
            send(alert, str(item["channel"]), str(item["target"]))
            delivery_store.done(_table(), item, run_id, moment)
            sent += 1
    waiting = [alert_store.to_alert(item) for item in delivery_store.outbox(_table())]
    # One by one: a run that dies repeats the messages of one alert at most.
    released = release(waiting, moment, one_by_one=True)
    return {
        "sent": sent,
        "claimed_elsewhere": skipped,
        "republished": released,
        "release_failures": len(waiting) - released,
    }
