"""``in_app_enabled: false``: alerts raised meanwhile are stored and listed, but kept out of the unread count
(the dashboard's ``unread_alerts``) and out of ``GET /alerts?unread=true``, once, whatever the retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.handlers.conftest import Api
from tests.handlers.test_alert_delivery import close_at


def unread(api: Api) -> tuple[int, int]:
    """The dashboard's unread count and how many alerts the unread list holds."""
    return api.get("/goals/dashboard").body["unread_alerts"], len(api.get("/alerts", query={"unread": "true"}).body)


def test_alerts_raised_with_in_app_off_are_listed_but_not_unread(api: Api) -> None:
    api.patch("/alerts/preferences", {"in_app_enabled": False})
    hidden = close_at(api, datetime.now(UTC) - timedelta(minutes=5), symbol="OFF")
    assert [a["position_id"] for a in api.get("/alerts").body] == [hidden]  # stored and listed
    assert api.get("/alerts").body[0]["channels"] == ["event"]
    assert unread(api) == (0, 0)
    api.patch("/alerts/preferences", {"in_app_enabled": True})
    shown = close_at(api, datetime.now(UTC), symbol="ON")
    assert unread(api) == (1, 1)
    assert api.get("/alerts", query={"unread": "true"}).body[0]["position_id"] == shown
    hidden_alert = next(a for a in api.get("/alerts").body if a["position_id"] == hidden)
    read = api.patch(f"/alerts/{hidden_alert['id']}/read")
    assert read.status == 200
    assert read.body["read_at"] is not None
    assert unread(api) == (1, 1)  # reading an alert that was never counted uncounts nothing
    assert api.patch(f"/alerts/{hidden_alert['id']}/read").status == 200
    assert unread(api) == (1, 1)


def test_a_retried_release_with_in_app_off_uncounts_the_alert_once(api: Api) -> None:
    from goalpost.data import alerts as alert_store
    from goalpost.domain.alerts import AlertType, NewAlert
    from goalpost.services import alerts as alert_service
    from goalpost.services.delivery import release

    api.patch("/alerts/preferences", {"in_app_enabled": False})
    now = datetime.now(UTC)
    for goal_id in ("g1", "g2"):
        raised = NewAlert(AlertType.OFF_TRACK, title="t", message="m", goal_id=goal_id)
        write = alert_service.prepare("alice", raised, now)
        assert alert_store.store("test-data", write)
        assert release([write.alert], now) == 1
        assert release([write.alert], now) == 1
    assert unread(api) == (0, 0)
    assert len(api.get("/alerts").body) == 2


def test_in_app_off_costs_no_extra_request(api: Api) -> None:
    """The alert leaves the unread index and counter in the release's own write: a close costs as many requests
    with in-app alerts off as on; reading such an alert three at most."""
    from infra.local.aws import dynamodb_requests

    def close_cost(symbol: str) -> int:
        opened = api.post("/positions", {"symbol": symbol, "quantity": 1, "entry_price": 100}).body
        with dynamodb_requests() as counted:
            assert api.post(f"/positions/{opened['id']}/close", {"exit_price": 101}).status == 200
        return counted.total()

    close_cost("WARM")  # anything a first close creates
    on = close_cost("ON")
    api.patch("/alerts/preferences", {"in_app_enabled": False})
    assert close_cost("OFF") == on
    hidden = next(a for a in api.get("/alerts").body if a["channels"] == ["event"])
    with dynamodb_requests() as counted:
        assert api.patch(f"/alerts/{hidden['id']}/read").status == 200
    assert counted.total() <= 3, counted
