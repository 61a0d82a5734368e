"""Webhooks: the URL validated (deployed and local), subscribed to the user's alerts topic for the webhook
channel only, and alerts delivered there under the email rules, once per alert and channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from goalpost import aws as goalpost_aws
from goalpost.settings import reset_settings
from infra.local.aws import LOCAL_SERVER_ENV
from tests.handlers.conftest import Api
from tests.handlers.test_alert_delivery import TOKYO_EVENING, TOKYO_MORNING, close_at, deliver, sent

HOOK = "https://hooks.example.com/goalpost?token=abc"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API as deployed: not the local server."""
    monkeypatch.setenv(LOCAL_SERVER_ENV, "false")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def subscriptions(protocol: str) -> list[dict[str, Any]]:
    sns = goalpost_aws.client("sns")
    return [s for s in sns.list_subscriptions()["Subscriptions"] if s["Protocol"] == protocol]


def filter_policy(subscription: dict[str, Any]) -> Any:
    attributes = goalpost_aws.client("sns").get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    return json.loads(attributes["Attributes"]["FilterPolicy"])


REFUSED_WHEN_DEPLOYED = [
    "http://hooks.example.com/x",  # not https
    "http://127.0.0.1:8080/hook",  # loopback http is the local server's only
    "https://user:secret@hooks.example.com/x",  # credentials
    "https://token@hooks.example.com/x",
    "https://10.0.0.5/x",  # private
    "https://192.168.1.1/x",
    "https://172.16.0.1/x",
    "https://169.254.169.254/latest/meta-data",  # link-local (the instance metadata service)
    "https://127.0.0.1/x",
    "https://127.1/x",  # shortened IPv4 literal
    "https://0x7f000001/x",  # hexadecimal IPv4 literal
    "https://2130706433/x",  # one-number IPv4 literal
    "https://[::1]/x",
    "https://[fe80::1]/x",
    "https://[::ffff:10.0.0.1]/x",  # IPv4-mapped IPv6
    "https://[fd00::1]/x",  # unique local IPv6
    "https://0.0.0.0/x",
    "https://localhost/x",
    "https://hooks.example.com/" + "a" * 2000,  # over 2,000 characters
    "ftp://hooks.example.com/x",
    "https:///x",  # no host
    "https://hooks.example.com/a b",
    "https://hooks.example.com/caf\u00e9",  # not ASCII
    "not a url",
    "",
]


@pytest.mark.parametrize("url", REFUSED_WHEN_DEPLOYED)
def test_a_deployed_webhook_url_is_validated(api: Api, deployed: None, url: str) -> None:
    reply = api.patch("/alerts/preferences", {"webhook_url": url})
    assert reply.status == 422, reply.body
    assert api.get("/alerts/preferences").body["webhook_url"] is None  # nothing changed
    assert subscriptions("https") == subscriptions("http") == []


def test_a_deployed_webhook_takes_a_public_https_url(api: Api, deployed: None) -> None:
    for url in (HOOK, "https://8.8.8.8:8443/hook", "https://hooks.example.com/" + "a" * 1970):
        reply = api.patch("/alerts/preferences", {"webhook_url": url})
        assert reply.status == 200, (url, reply.body)
        assert reply.body["webhook_url"] == url


def test_the_local_server_also_takes_loopback_http_only(api: Api) -> None:
    assert api.patch("/alerts/preferences", {"webhook_url": "http://127.0.0.1:8123/hook"}).status == 200
    assert api.patch("/alerts/preferences", {"webhook_url": "http://localhost:8123/hook"}).status == 200
    for url in ("http://hooks.example.com/x", "http://10.0.0.5/x", "http://u:p@127.0.0.1/x"):
        assert api.patch("/alerts/preferences", {"webhook_url": url}).status == 422, url


def test_a_webhook_is_subscribed_for_its_channel_and_replaced_or_removed(api: Api) -> None:
    prefs = api.get("/alerts/preferences").body
    assert (prefs["webhook_url"], prefs["webhook_enabled"]) == (None, True)
    api.patch("/alerts/preferences", {"email": "alice@example.com"})
    assert api.patch("/alerts/preferences", {"webhook_url": HOOK}).status == 200
    (hook,) = subscriptions("https")
    (email,) = subscriptions("email")
    assert hook["Endpoint"] == HOOK
    assert hook["TopicArn"] == email["TopicArn"]  # the user's own topic, shared with email
    assert filter_policy(hook) == {"channel": ["webhook"]}
    assert filter_policy(email) == {"channel": ["email"]}
    api.patch("/alerts/preferences", {"webhook_url": "https://other.example.com/hook"})
    assert [s["Endpoint"] for s in subscriptions("https")] == ["https://other.example.com/hook"]
    assert api.patch("/alerts/preferences", {"webhook_url": None}).body["webhook_url"] is None
    assert subscriptions("https") == []
    assert len(subscriptions("email")) == 1
    assert api.patch("/alerts/preferences", {"webhook_enabled": None}).status == 422


def test_an_endpoint_sns_refuses_is_422_and_changes_nothing(api: Api) -> None:
    from botocore.client import BaseClient

    api.patch("/alerts/preferences", {"webhook_url": HOOK})
    original = BaseClient._make_api_call

    def refusing(client: BaseClient, operation: str, params: Any) -> Any:
        if operation == "Subscribe":
            raise ClientError({"Error": {"Code": "InvalidParameter", "Message": "Invalid endpoint"}}, operation)
        return original(client, operation, params)

    BaseClient._make_api_call = refusing  # type: ignore[method-assign]
    try:
        reply = api.patch("/alerts/preferences", {"webhook_url": "https://other.example.com/hook"})
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
    assert reply.status == 422, reply.body
    assert api.get("/alerts/preferences").body["webhook_url"] == HOOK
    assert [s["Endpoint"] for s in subscriptions("https")] == [HOOK]


def test_alerts_go_to_the_webhook_with_its_channel(api: Api, publishes: Any) -> None:
    api.patch("/alerts/preferences", {"webhook_url": HOOK, "quiet_hours_start": None})
    position_id = close_at(api, datetime.now(UTC))
    (hook,) = sent(publishes, "webhook")
    assert hook.topic == subscriptions("https")[0]["TopicArn"]
    assert json.loads(hook.message)["action_url"] == f"/app/positions/{position_id}"
    assert hook.attributes["alert_type"] == "position_closed"
    assert sent(publishes, "email") == []
    api.patch("/alerts/preferences", {"webhook_enabled": False})
    close_at(api, datetime.now(UTC), symbol="MSFT")
    assert len(sent(publishes, "webhook")) == 1
    assert len(sent(publishes, "event")) == 2


def test_webhooks_keep_the_quiet_hours_and_go_once_under_concurrent_runs(api: Api, publishes: Any) -> None:
    api.patch("/alerts/preferences", {"webhook_url": HOOK, "email": "alice@example.com", "timezone": "Asia/Tokyo"})
    close_at(api, TOKYO_EVENING)
    assert sent(publishes, "webhook") == sent(publishes, "email") == []  # deferred past the quiet hours
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda _: deliver(api, TOKYO_MORNING + timedelta(minutes=1)), range(3)))
    assert sum(run["sent"] for run in runs) == 2  # the email and the webhook, each once
    deliver(api, TOKYO_MORNING + timedelta(minutes=6))
    assert len(sent(publishes, "webhook")) == len(sent(publishes, "email")) == 1


def test_a_retried_release_sends_the_webhook_once(api: Api, publishes: Any) -> None:
    from goalpost.data import alerts as alert_store
    from goalpost.domain.alerts import AlertType, NewAlert
    from goalpost.services import alerts as alert_service
    from goalpost.services.delivery import release

    api.patch("/alerts/preferences", {"webhook_url": HOOK, "quiet_hours_start": None, "min_hours_between_alerts": 0})
    now = datetime.now(UTC)
    write = alert_service.prepare("alice", NewAlert(AlertType.OFF_TRACK, title="t", message="m", goal_id="g"), now)
    assert alert_store.store("test-data", write)
    assert release([write.alert], now) == 1
    assert release([write.alert], now) == 1
    assert deliver(api, now + timedelta(minutes=5))["sent"] == 0
    assert len(sent(publishes, "event")) == 2  # the event again, with the same alert_id
    assert len(sent(publishes, "webhook")) == 1


def test_the_daily_cap_counts_an_alert_once_across_email_and_webhook(api: Api, publishes: Any) -> None:
    api.patch(
        "/alerts/preferences",
        {
            "webhook_url": HOOK,
            "email": "alice@example.com",
            "quiet_hours_start": None,
            "max_alerts_per_day": 1,
            "min_hours_between_alerts": 0,
        },
    )
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    close_at(api, now, symbol="A")
    close_at(api, now + timedelta(minutes=1), symbol="B")
    assert len(sent(publishes, "webhook")) == len(sent(publishes, "email")) == 1
