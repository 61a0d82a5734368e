"""The r2 goal alerts over HTTP: a goal that follows the portfolio (``auto:portfolio``) through the end-of-day
job, ``significant_progress`` on that automatic step, and the month-end ``suggested_adjustment``, each once
under a rerun of the same evening."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Client
from tests.e2e.test_trading_goals_flow import end_of_day

pytestmark = pytest.mark.e2e

PER_MONTH = re.compile(r"\$\d{1,3}(,\d{3})*\.\d\d/month")


def alerts(http: Client, token: str, alert_type: str) -> list[dict[str, Any]]:
    reply = http.request("GET", f"/alerts?type={alert_type}&limit=100", token=token)
    assert reply.status == 200, reply.text
    return list(reply.json)


def test_a_goal_follows_the_portfolio_and_month_end_suggests_the_way_back(http: Client) -> None:
    token = http.token("goal-alerts-r2")
    http.request("PUT", "/portfolio/cash", {"cash_balance": 12000}, token=token)
    now = datetime.now(UTC)
    first_after_next = (now.replace(day=1) + timedelta(days=62)).replace(day=1)
    month_end = (first_after_next - timedelta(days=1)).replace(hour=23, minute=59, second=0, microsecond=0)
    deadline = (month_end + timedelta(days=20)).isoformat()  # most of the time gone by the month's end
    body = {"name": "Net worth", "type": "net_worth_target", "target_amount": 100000, "deadline": deadline}
    worth = http.request("POST", "/goals", {**body, "tags": ["auto:portfolio"]}, token=token)
    assert worth.status == 201, worth.text
    goal_id = worth.json["id"]

    end_of_day(http, month_end)
    end_of_day(http, month_end + timedelta(seconds=30))  # a rerun of that evening

    goal = http.request("GET", f"/goals/{goal_id}", token=token).json
    assert goal["current_amount"] == http.request("GET", "/portfolio/current", token=token).json["total_value"]
    entries = http.request("GET", f"/goals/{goal_id}/progress/history", token=token).json
    assert [(e["source"], e["value_at_period"]) for e in entries] == [("calculated", 12000)]
    [step] = alerts(http, token, "significant_progress")  # 0 -> 12 % of the way in one step
    assert step["action_url"] == f"/app/goals/{goal_id}"
    assert "$12,000.00 of $100,000.00" in step["message"]

    [suggested] = alerts(http, token, "suggested_adjustment")  # 12 % done, far more of the time gone
    assert suggested["goal_id"] == goal_id
    assert suggested["action_url"] == f"/app/goals/{goal_id}"
    assert PER_MONTH.search(suggested["message"]), suggested["message"]
    assert "to reach Net worth by " in suggested["message"]


def test_a_budget_sync_releases_its_alerts_under_the_preferences_as_they_stand(http: Client) -> None:
    """Issue 25: the sync reads the preferences with its goals (one Query of an index); each change of them
    over HTTP, even just before a sync, is what its alerts go out under."""
    token = http.token("budget-sync-preferences")
    goal = http.request("POST", "/goals", {"name": "Rainy", "type": "savings", "target_amount": 1000}, token=token)
    assert goal.status == 201, goal.text
    now = datetime.now(UTC)

    def sync(savings: int) -> None:
        body = {"period_year": now.year, "period_month": now.month, "category_totals": {"savings": savings}}
        reply = http.request("POST", "/goals/sync-from-budget", body, token=token)
        assert reply.status == 200, reply.text
        assert len(reply.json["updated"]) == 1

    def unread() -> set[str]:
        reply = http.request("GET", "/alerts?unread=true&limit=100", token=token)
        return {alert["alert_type"] for alert in reply.json}

    sync(300)  # no preferences stored: the defaults, in-app on
    assert "milestone_25" in unread()
    assert http.request("PATCH", "/alerts/preferences", {"in_app_enabled": False}, token=token).status == 200
    sync(600)  # right after the change
    assert "milestone_50" not in unread()
    listed = http.request("GET", "/alerts?type=milestone_50", token=token).json
    assert [a["delivered_at"] is not None for a in listed] == [True]  # stored and released all the same
    assert http.request("PATCH", "/alerts/preferences", {"in_app_enabled": True}, token=token).status == 200
    sync(800)
    assert "milestone_75" in unread()
