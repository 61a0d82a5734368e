"""The web app's alerts inbox in a real browser: a milestone reached over the API raises its alert, the inbox
shows it in words, its link lands on the goal's page, and marking it read sticks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.test_goals_flow import create_goal, goal_alerts, ok
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_a_milestone_alert_links_to_its_goal_and_is_marked_read(web: WebPage, server: Server) -> None:
    user = new_user("web-alerts")
    api = server.client
    token = api.token(user)
    goal = create_goal(api, token, name="House deposit", target_amount=10000)
    ok(
        api.request(
            "POST", f"/goals/{goal['id']}/milestones", {"amount": 4000, "description": "First 4k"}, token=token
        ),
        201,
    )
    ok(api.request("POST", f"/goals/{goal['id']}/progress", {"value": 4500}, token=token), 201)
    [alert] = goal_alerts(api, token, "milestone_reached", goal["id"])
    assert alert["action_url"] == f"/app/goals/{goal['id']}"

    page = sign_in(web, server, user, path="/app/alerts", heading="Alerts")
    item = page.get_by_role("article", name=alert["title"])
    expect(item).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(item).to_contain_text("Milestone reached")
    expect(item).to_contain_text("Unread")
    expect(item).to_contain_text(alert["message"])
    assert_accessible(page)
    screenshot(page, "alerts")

    item.get_by_role("link", name="View goal").click()
    page.wait_for_url(f"**/app/goals/{goal['id']}")
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_have_count(0)

    page.go_back()
    item = page.get_by_role("article", name=alert["title"])
    item.get_by_role("button", name="Mark as read").click()
    expect(item.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(item).to_contain_text("Read")
    [read] = goal_alerts(api, token, "milestone_reached", goal["id"])
    assert read["read_at"] is not None

    # Unread only: the alert read is not among them after a reload.
    page.reload()
    page.get_by_role("radio", name="Unread only").check()
    expect(page.get_by_role("article", name=alert["title"])).to_have_count(0, timeout=LOAD_TIMEOUT_MS)
    assert_accessible(page)
    assert not web.errors
