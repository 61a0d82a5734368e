"""in_app_enabled over HTTP: an alert raised while it is off is listed but neither unread nor counted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import Client
from tests.e2e.test_alert_delivery_flow import close_position_at

pytestmark = pytest.mark.e2e


def test_in_app_off_keeps_alerts_out_of_the_unread_count_and_list(http: Client) -> None:
    token = http.token("in-app-off")
    assert http.request("PATCH", "/alerts/preferences", {"in_app_enabled": False}, token=token).status == 200
    close_position_at(http, token, datetime.now(UTC))
    assert len(http.request("GET", "/alerts", token=token).json) == 1
    assert http.request("GET", "/alerts?unread=true", token=token).json == []
    assert http.request("GET", "/goals/dashboard", token=token).json["unread_alerts"] == 0
    http.request("PATCH", "/alerts/preferences", {"in_app_enabled": True}, token=token)
    close_position_at(http, token, datetime.now(UTC))
    assert len(http.request("GET", "/alerts?unread=true", token=token).json) == 1
    assert http.request("GET", "/goals/dashboard", token=token).json["unread_alerts"] == 1
