"""Raising, listing and reading alerts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from goalpost.data import alerts as alert_store
from goalpost.data.alerts import AlertWrite
from goalpost.data.preferences import PreferenceRead
from goalpost.domain.alerts import IN_APP_CHANNEL, Alert, AlertType, NewAlert
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import NotFound
from goalpost.domain.ids import new_id
from goalpost.settings import get_settings

if TYPE_CHECKING:  # the release is imported when an alert is released (cold start)
    from goalpost.services.delivery import Ahead


def prepare(user_id: str, raised: NewAlert, now: datetime) -> AlertWrite:
    """The writes for one new alert, to be stored on their own or inside another transaction."""
    alert = Alert(
        id=new_id(int(now.timestamp() * 1000)),
        user_id=user_id,
        alert_type=raised.alert_type,
        goal_id=raised.goal_id,
        position_id=raised.position_id,
        title=raised.title,
        message=raised.message,
        severity=raised.severity,
        created_at=now,
        channels=[IN_APP_CHANNEL],
        action_url=raised.action_url,
    )
    return AlertWrite(get_settings().data_table_name, alert, raised)


def publish(
    stored: list[Alert],
    now: datetime | None = None,
    *,
    preferences: Mapping[str, PreferenceRead] | None = None,
    one_by_one: bool = False,
    as_read: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Releases freshly stored alerts together (see ``services.delivery.release``): each goes to the shared
    topic (channel=event), its email and SMS are sent or deferred per the user's preferences (read once per
    user, not at all when the caller passes them, by user id), and only then does it leave the outbox, all
    of them in one write. A failure at any step leaves them in the outbox for the delivery job instead of
    failing the caller. ``one_by_one``: each alert released on its own (the jobs). ``as_read``: the condition
    that ``preferences`` read from an index still stand, by user id (``services.delivery.release``)."""
    from goalpost.services.delivery import release

    if stored:
        release(stored, now or utc_now(), preferences=preferences, one_by_one=one_by_one, as_read=as_read)


def planned_ahead(write: AlertWrite, preferences: PreferenceRead, now: datetime) -> tuple[AlertWrite, Ahead | None]:
    """``write`` with its email/SMS plan, to be stored in the alert's own transaction (``services.delivery.
    plan_ahead``), and that plan for ``release_planned`` (None, and ``write`` as it was, when it sends nothing)."""
    from goalpost.services.delivery import plan_ahead

    ahead = plan_ahead(write.alert, preferences, now)
    return (write, None) if ahead is None else (write.with_planned(ahead.items), ahead)


def release_planned(alert: Alert, ahead: Ahead, now: datetime) -> None:
    """Releases an alert stored with the plan ``planned_ahead`` gave (``services.delivery.release_ahead``)."""
    from goalpost.services.delivery import release_ahead

    release_ahead(alert, ahead, now)


def raise_alert(user_id: str, raised: NewAlert, now: datetime | None = None) -> Alert | None:
    """Stores and publishes one alert, exactly once: None when it had been raised before."""
    moment = now or utc_now()
    write = prepare(user_id, raised, moment)
    if not alert_store.store(get_settings().data_table_name, write):
        return None
    publish([write.alert], moment)
    return write.alert


def list_alerts(
    user_id: str, *, unread: bool | None, alert_type: AlertType | None, limit: int, next_token: str | None
) -> tuple[list[Alert], str | None]:
    return alert_store.list_page(
        get_settings().data_table_name,
        user_id,
        unread=unread,
        alert_type=alert_type,
        limit=limit,
        next_token=next_token,
    )


def mark_read(user_id: str, alert_id: str) -> Alert:
    """Marks an alert read; reading it again changes nothing and returns it as it is."""
    table = get_settings().data_table_name
    # The conditional write fails alike for a missing and an already-read alert; the read tells them apart.
    alert_store.mark_read(table, user_id, alert_id, utc_now())
    alert = alert_store.get(table, user_id, alert_id)
    if alert is None:
        raise NotFound("Alert not found")
    return alert


def unread_count(user_id: str) -> int:
    return alert_store.unread_count(get_settings().data_table_name, user_id)
