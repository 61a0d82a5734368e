"""Alert delivery over HTTP: preferences, an alert's path to the shared topic, the user's email topic and a
phone, quiet hours deferral and the deliver_alerts job run twice at once (one email)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e


def published(http: Client, user_id: str, channel: str) -> list[dict[str, Any]]:
    return [
        p
        for p in http.request("GET", "/_local/published").json
        if p["attributes"].get("user_id") == user_id and p["attributes"].get("channel") == channel
    ]


def close_position_at(http: Client, token: str, when: datetime) -> None:
    opened = http.request(
        "POST",
        "/positions",
        {"symbol": "NVDA", "quantity": 2, "entry_price": 500, "entry_time": (when - timedelta(hours=2)).isoformat()},
        token=token,
    ).json
    reply = http.request(
        "POST", f"/positions/{opened['id']}/close", {"exit_price": 510, "exit_time": when.isoformat()}, token=token
    )
    assert reply.status == 200, reply.text


def test_an_alert_reaches_the_topic_the_email_topic_and_the_phone(http: Client) -> None:
    token = http.token("delivery-now")
    prefs = http.request(
        "PATCH",
        "/alerts/preferences",
        {"email": "now@example.com", "phone": "+447700900123", "sms_enabled": True, "quiet_hours_start": None},
        token=token,
    )
    assert prefs.status == 200, prefs.text
    assert http.request("PATCH", "/alerts/preferences", {"phone": "12345"}, token=token).status == 422
    close_position_at(http, token, datetime.now(UTC))
    (event,) = published(http, "delivery-now", "event")
    (email,) = published(http, "delivery-now", "email")
    (sms,) = published(http, "delivery-now", "sms")
    assert event["topic"].endswith("-alerts")
    assert ":goalpost-alerts-" in email["topic"]
    assert sms["phone_number"] == "+447700900123"
    assert {event["attributes"]["alert_type"], email["attributes"]["alert_type"]} == {"position_closed"}
    (stored,) = http.request("GET", "/alerts", token=token).json
    assert stored["delivered_at"] is not None
    assert stored["channels"] == ["in_app", "event"]


def test_quiet_hours_in_new_york_defer_and_two_concurrent_runs_send_once(http: Client) -> None:
    token = http.token("delivery-quiet")
    http.request(
        "PATCH", "/alerts/preferences", {"email": "quiet@example.com", "timezone": "America/New_York"}, token=token
    )
    # 23:30 in New York (EST, UTC-5): inside 22:00-08:00, which ends at 13:00 UTC the next day.
    evening = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
    close_position_at(http, token, evening)
    assert len(published(http, "delivery-quiet", "event")) == 1
    assert published(http, "delivery-quiet", "email") == []
    early = http.request("POST", "/_local/jobs/deliver_alerts", {"now": "2026-11-20T12:55:00+00:00"}).json
    assert early["sent"] == 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(
            pool.map(
                lambda _: (
                    http.request("POST", "/_local/jobs/deliver_alerts", {"now": "2026-11-20T13:01:00+00:00"}).json
                ),
                range(2),
            )
        )
    assert sum(run["sent"] for run in runs) == 1
    assert len(published(http, "delivery-quiet", "email")) == 1
