"""Alert preferences and email/SMS delivery through the handlers, over moto: quiet hours across midnight in
a non-UTC zone, the daily cap and minimum gap, and concurrent delivery runs sending each delivery once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost import aws as goalpost_aws
from tests.handlers.conftest import Api

TOKYO_EVENING = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo: inside 22:00-08:00
TOKYO_MORNING = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo: the quiet hours end


def close_at(api: Api, when: datetime, symbol: str = "AAPL") -> str:
    """Raises one position_closed alert at ``when`` (the close's time is the alert's)."""
    opened = api.post(
        "/positions",
        {"symbol": symbol, "quantity": 1, "entry_price": 100, "entry_time": (when - timedelta(hours=1)).isoformat()},
    ).body
    closed = api.post(f"/positions/{opened['id']}/close", {"exit_price": 101, "exit_time": when.isoformat()})
    assert closed.status == 200, closed.body
    return str(opened["id"])


def sent(publishes: Any, channel: str) -> list[Any]:
    return [p for p in publishes.all() if p.attributes.get("channel") == channel]


def deliver(api: Api, when: datetime) -> dict[str, Any]:
    return dict(api.run_job("deliver_alerts", {"time": when.strftime("%Y-%m-%dT%H:%M:%SZ")}))


def test_preferences_have_the_spec_defaults_and_validate(api: Api) -> None:
    prefs = api.get("/alerts/preferences").body
    assert prefs == {
        "enabled_alerts": [
            "off_track", "milestone_50", "goal_completed", "deadline_approaching", "update_reminder",
            "goal_achieved", "goal_at_risk", "goal_behind", "position_closed", "milestone_reached",
        ],
        "email": None, "phone": None, "email_enabled": True, "sms_enabled": False, "in_app_enabled": True,
        "webhook_url": None, "webhook_enabled": True,
        "quiet_hours_start": "22:00", "quiet_hours_end": "08:00", "timezone": "UTC",
        "max_alerts_per_day": 5, "min_hours_between_alerts": 4,
    }  # fmt: skip
    for body in (
        {"email": "not-an-address"},
        {"phone": "0612345678"},
        {"timezone": "Mars/Olympus"},
        {"quiet_hours_start": "25:00"},
        {"max_alerts_per_day": -1},
        {"enabled_alerts": ["nonsense"]},
        {"sms_enabled": None},
        {"user_id": "bob"},
    ):
        assert api.patch("/alerts/preferences", body).status == 422, body
    changed = api.patch(
        "/alerts/preferences", {"quiet_hours_start": None, "quiet_hours_end": None, "timezone": "Europe/Paris"}
    ).body
    assert (changed["quiet_hours_start"], changed["timezone"]) == (None, "Europe/Paris")
    assert api.get("/alerts/preferences", user="bob").body["timezone"] == "UTC"


def test_setting_an_email_creates_and_subscribes_the_users_topic(api: Api) -> None:
    api.patch("/alerts/preferences", {"email": "alice@example.com"})
    sns = goalpost_aws.client("sns")
    subscriptions = sns.list_subscriptions()["Subscriptions"]
    mine = [s for s in subscriptions if s["Endpoint"] == "alice@example.com"]
    assert len(mine) == 1
    assert mine[0]["Protocol"] == "email"
    assert ":goalpost-alerts-" in mine[0]["TopicArn"]
    api.patch("/alerts/preferences", {"email": "alice@work.example"})
    endpoints = {s["Endpoint"] for s in sns.list_subscriptions()["Subscriptions"]}
    assert "alice@work.example" in endpoints


def test_email_and_sms_go_out_at_once_outside_quiet_hours(api: Api, publishes: Any) -> None:
    api.patch(
        "/alerts/preferences",
        {"email": "alice@example.com", "phone": "+14155550100", "sms_enabled": True, "quiet_hours_start": None},
    )
    position_id = close_at(api, datetime.now(UTC))
    (event,) = sent(publishes, "event")
    (email,) = sent(publishes, "email")
    (sms,) = sent(publishes, "sms")
    assert ":goalpost-alerts-" in email.topic
    assert sms.phone_number == "+14155550100"
    assert position_id in email.message
    assert event.attributes["alert_type"] == email.attributes["alert_type"] == "position_closed"


def test_quiet_hours_across_midnight_in_tokyo_defer_and_deliver_once(api: Api, publishes: Any) -> None:
    api.patch("/alerts/preferences", {"email": "alice@example.com", "timezone": "Asia/Tokyo"})
    close_at(api, TOKYO_EVENING)
    assert len(sent(publishes, "event")) == 1  # the shared topic gets it at once
    assert sent(publishes, "email") == []  # deferred, not dropped
    assert deliver(api, TOKYO_MORNING - timedelta(minutes=5))["sent"] == 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: deliver(api, TOKYO_MORNING + timedelta(minutes=1)), range(2)))
    assert sum(run["sent"] for run in runs) == 1
    assert deliver(api, TOKYO_MORNING + timedelta(minutes=6))["sent"] == 0  # and never again
    assert len(sent(publishes, "email")) == 1


def test_the_daily_cap_and_the_gap_leave_the_surplus_in_app(api: Api, publishes: Any) -> None:
    api.patch(
        "/alerts/preferences",
        {
            "email": "alice@example.com",
            "quiet_hours_start": None,
            "max_alerts_per_day": 2,
            "min_hours_between_alerts": 0,
        },
    )
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for n in range(3):
        close_at(api, now + timedelta(minutes=n), symbol=f"S{n}")
    assert len(sent(publishes, "email")) == 2
    assert len(api.get("/alerts").body) == 3  # every alert in-app
    close_at(api, now + timedelta(days=1), symbol="NEXT")  # a new day: a new allowance
    assert len(sent(publishes, "email")) == 3
    api.patch("/alerts/preferences", {"min_hours_between_alerts": 4})
    close_at(api, now + timedelta(days=1, hours=1), symbol="SOON")  # an hour after the last: too soon
    assert len(sent(publishes, "email")) == 3


def reserve_slot(table: str, user_id: str, day: str, cap: int, now: datetime, gap_start: datetime) -> bool:
    """One slot taken with the release's own conditional update (``deliveries.slot_update``), whichever day the
    stored count is of: whether the cap and the minimum gap let it through."""
    from goalpost.data import deliveries as delivery_store
    from goalpost.data.transactions import Transaction, TransactionRefused

    for same_day in (False, True):
        update = delivery_store.slot_update(
            table, user_id, day=day, count=1, cap=cap, now=now, gap_start=gap_start, same_day=same_day
        )
        try:
            Transaction().add(update, role="reservation").write()
            return True
        except TransactionRefused:
            pass
    return False


def test_alerts_raised_at_once_reserve_in_any_order_without_a_minimum_gap(api: Api) -> None:
    """Found by the crash tests: two positions closed at once deliver in threads; when the later-stamped alert
    reserved its slot first, the earlier one failed the gap check and lost its email and SMS."""
    table = "test-data"
    first, second = (
        datetime(2026, 3, 2, 12, 0, 0, 480000, tzinfo=UTC),
        datetime(2026, 3, 2, 12, 0, 0, 690000, tzinfo=UTC),
    )
    assert reserve_slot(table, "alice", "2026-03-02", 10, second, second)
    assert reserve_slot(table, "alice", "2026-03-02", 10, first, first)
    # With a gap, the second within it is held back, whichever order they come in.
    hour = timedelta(hours=1)
    assert reserve_slot(table, "bob", "2026-03-02", 10, second, second - hour)
    assert not reserve_slot(table, "bob", "2026-03-02", 10, first, first - hour)
    # The daily cap still holds without a gap.
    assert reserve_slot(table, "carol", "2026-03-02", 1, first, first)
    assert not reserve_slot(table, "carol", "2026-03-02", 1, second, second)


# ---------------------------------------------------------------- a request's alerts, released together


def milestone_goal(api: Api, count: int) -> str:
    """A savings goal of 1000 with ``count`` milestones from 100 up."""
    body = {
        "name": "Steps",
        "type": "savings",
        "target_amount": 1000,
        "milestones": [{"amount": 100 * (n + 1), "description": f"step {n}"} for n in range(count)],
    }
    reply = api.post("/goals", body)
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


def emailed(api: Api, **prefs: Any) -> None:
    api.patch("/alerts/preferences", {"email": "alice@example.com", "quiet_hours_start": None, **prefs})


def test_one_request_releases_its_alerts_together_within_the_cap(api: Api, publishes: Any) -> None:
    """Eight alerts from one progress entry (five milestones, the 25 % and 50 % marks, significant progress):
    each published to the shared topic, all out of the outbox, and emails for the enabled ones only up to the
    daily cap, in three DynamoDB requests (the goal and the preferences, the change, the plans and marks) and
    one recording the sends."""
    from infra.local.aws import dynamodb_requests

    emailed(api, max_alerts_per_day=3, min_hours_between_alerts=0)
    goal_id = milestone_goal(api, 5)
    with dynamodb_requests() as counted:
        reply = api.post(f"/goals/{goal_id}/progress", {"value": 600})
    assert reply.status == 201, reply.body
    assert counted == {"BatchGetItem": 1, "TransactWriteItems": 3}, counted
    alerts = api.get("/alerts").body
    assert len(alerts) == 8
    assert all(a["delivered_at"] is not None and a["channels"] == ["in_app", "event"] for a in alerts)
    assert sorted(p.attributes["alert_id"] for p in sent(publishes, "event")) == sorted(a["id"] for a in alerts)
    emails = sent(publishes, "email")
    assert len(emails) == 3  # six enabled (five milestone_reached, milestone_50), three allowed today
    assert {p.attributes["alert_type"] for p in emails} <= {"milestone_reached", "milestone_50"}
    assert deliver(api, datetime.now(UTC) + timedelta(minutes=5))["sent"] == 0  # recorded as sent: never again


def test_alerts_released_together_keep_the_minimum_gap(api: Api, publishes: Any) -> None:
    emailed(api, max_alerts_per_day=10, min_hours_between_alerts=4)
    goal_id = milestone_goal(api, 3)
    api.post(f"/goals/{goal_id}/progress", {"value": 400})
    assert len(sent(publishes, "event")) == 5  # three milestones, the 25 % mark and significant progress
    assert len(sent(publishes, "email")) == 1  # the others are too soon after it: in-app only


def test_a_second_release_of_the_same_alert_sends_nothing_twice(api: Api, publishes: Any) -> None:
    """A release retried (the job's outbox pass, or two at once) publishes the event again, with the same
    alert_id, but finds the deliveries the first one recorded and sends no email twice."""
    from goalpost.data import alerts as alert_store
    from goalpost.domain.alerts import AlertType, NewAlert
    from goalpost.services import alerts as alert_service
    from goalpost.services.delivery import release

    emailed(api, min_hours_between_alerts=0)
    now = datetime.now(UTC)
    write = alert_service.prepare("alice", NewAlert(AlertType.OFF_TRACK, title="t", message="m", goal_id="g"), now)
    assert alert_store.store("test-data", write)
    assert release([write.alert], now) == 1
    assert release([write.alert], now) == 1
    assert len(sent(publishes, "event")) == 2
    assert len(sent(publishes, "email")) == 1
    assert api.get("/alerts").body[0]["delivered_at"] is not None


def test_a_release_that_fails_before_its_plans_leaves_every_alert_to_the_delivery_job(api: Api, publishes: Any) -> None:
    """The write that stores the plans and marks fails: the request still succeeds, every alert stays in the
    outbox, and the delivery job releases each of them (events again, with the same ids; each email once)."""
    from botocore.client import BaseClient

    emailed(api, max_alerts_per_day=10, min_hours_between_alerts=0)
    goal_id = milestone_goal(api, 2)
    original = BaseClient._make_api_call
    transactions = {"seen": 0}

    def failing(client: BaseClient, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":
            transactions["seen"] += 1
            if transactions["seen"] == 2:  # the first is the change itself
                raise RuntimeError("the plans' write fails")
        return original(client, operation, params)

    BaseClient._make_api_call = failing  # type: ignore[method-assign]
    try:
        reply = api.post(f"/goals/{goal_id}/progress", {"value": 300})
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
    assert reply.status == 201, reply.body
    alerts = api.get("/alerts").body
    assert len(alerts) == 4  # two milestones, the 25 % mark and significant progress
    assert all(a["delivered_at"] is None for a in alerts)
    assert sent(publishes, "email") == []
    report = deliver(api, datetime.now(UTC))
    assert (report["republished"], report["release_failures"]) == (4, 0)
    assert all(a["delivered_at"] is not None for a in api.get("/alerts").body)
    assert len(sent(publishes, "event")) == 8
    assert len(sent(publishes, "email")) == 2  # the two milestone_reached ones (the others are not enabled)
    deliver(api, datetime.now(UTC) + timedelta(minutes=5))
    assert len(sent(publishes, "email")) == 2


# ---------------------------------------------------------------- a close's email, planned in the close's transaction


def test_a_close_whose_slot_was_taken_after_its_read_still_closes_within_the_cap(
    api: Api, publishes: Any, monkeypatch: Any
) -> None:
    """The close plans its email from the counters it read with the position, and reserves the slot in its own
    transaction. Another release taking the last slot in between refuses that reservation: the close is
    written without it, and its alert released as any other (which finds the cap reached)."""
    from goalpost.data import trading as trading_store

    emailed(api, max_alerts_per_day=1, min_hours_between_alerts=0)
    now = datetime.now(UTC)
    opened = api.post("/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 100}).body
    read_income = trading_store.read_income

    def read_then_lose_the_slot(*args: Any, **kwargs: Any) -> Any:
        found = read_income(*args, **kwargs)
        assert reserve_slot("test-data", "alice", now.date().isoformat(), 1, now, now)  # UTC: the default zone
        return found

    monkeypatch.setattr(trading_store, "read_income", read_then_lose_the_slot)
    closed = api.post(f"/positions/{opened['id']}/close", {"exit_price": 101})
    assert closed.status == 200, closed.body
    assert closed.body["status"] == "CLOSED"
    assert sent(publishes, "email") == []  # the cap (1) was taken by the other release
    (alert,) = api.get("/alerts").body
    assert alert["delivered_at"] is not None  # out of the outbox all the same


def test_a_close_whose_event_publish_fails_emails_once_and_leaves_the_event_to_the_delivery_job(
    api: Api, publishes: Any, monkeypatch: Any
) -> None:
    """The email was planned and leased in the close's transaction: it is sent and recorded even though the
    publish to the shared topic failed; the alert stays in the outbox, and the delivery job publishes the event
    and sends no second email."""
    from goalpost.edges import sns

    emailed(api, min_hours_between_alerts=0)
    publish = sns.publish_to_topic

    def no_events(topic: str, alert: Any, channel: str) -> None:
        if channel == "event":
            raise RuntimeError("the shared topic is down")
        publish(topic, alert, channel)

    monkeypatch.setattr(sns, "publish_to_topic", no_events)
    close_at(api, datetime.now(UTC))
    assert (len(sent(publishes, "event")), len(sent(publishes, "email"))) == (0, 1)
    assert api.get("/alerts").body[0]["delivered_at"] is None
    monkeypatch.setattr(sns, "publish_to_topic", publish)
    report = deliver(api, datetime.now(UTC) + timedelta(minutes=5))
    assert (report["sent"], report["republished"], report["release_failures"]) == (0, 1, 0)
    assert (len(sent(publishes, "event")), len(sent(publishes, "email"))) == (1, 1)
    assert api.get("/alerts").body[0]["delivered_at"] is not None
