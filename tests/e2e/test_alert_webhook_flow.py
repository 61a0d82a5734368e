"""A webhook over HTTP: a listener on loopback set as the user's webhook_url receives the subscription
confirmation, then the SNS message of an alert (the local server's SNS delivers to HTTP subscriptions as SNS
does), with the webhook channel."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.e2e.conftest import Client
from tests.e2e.test_alert_delivery_flow import close_position_at, published

pytestmark = pytest.mark.e2e


class Listener:
    """A tiny HTTP server on 127.0.0.1 that keeps every POST it receives."""

    def __init__(self) -> None:
        received: queue.Queue[tuple[dict[str, str], Any]] = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.put((dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    started = Listener()
    yield started
    started.close()


def test_a_loopback_webhook_receives_the_alert_as_an_sns_message(http: Client, listener: Listener) -> None:
    token = http.token("webhook-listener")
    reply = http.request(
        "PATCH", "/alerts/preferences", {"webhook_url": listener.url, "quiet_hours_start": None}, token=token
    )
    assert reply.status == 200, reply.text
    assert reply.json["webhook_url"] == listener.url
    refused = http.request("PATCH", "/alerts/preferences", {"webhook_url": "http://example.com/x"}, token=token)
    assert refused.status == 422
    # SNS first asks the endpoint to confirm the subscription.
    headers, confirmation = listener.received.get(timeout=10)
    assert headers["x-amz-sns-message-type"] == confirmation["Type"] == "SubscriptionConfirmation"
    assert "SubscribeURL" in confirmation
    close_position_at(http, token, datetime.now(UTC))
    headers, message = listener.received.get(timeout=10)
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert message["Type"] == "Notification"
    assert message["MessageAttributes"]["channel"]["Value"] == "webhook"
    alert = json.loads(message["Message"])
    (stored,) = http.request("GET", "/alerts", token=token).json
    assert alert["id"] == stored["id"]
    assert alert["alert_type"] == "position_closed"
    assert alert["action_url"] == stored["action_url"] == f"/app/positions/{stored['position_id']}"
    assert len(published(http, "webhook-listener", "webhook")) == 1
    assert listener.received.empty()  # only the webhook's message: not the shared topic's, not email's
    http.request("PATCH", "/alerts/preferences", {"webhook_url": None}, token=token)
    close_position_at(http, token, datetime.now(UTC))
    with pytest.raises(queue.Empty):
        listener.received.get(timeout=1)
