"""The goal screens in a real browser: the dashboard's goal card, then the goal page as a progress tracker,
recording progress through its form until a milestone is reached, whose alert in the inbox links back to it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_the_dashboard_card_leads_to_the_goal_page_where_progress_reaches_a_milestone(
    web: WebPage, server: Server
) -> None:
    user = new_user("goals")
    deadline = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    created = server.client.request(
        "POST",
        "/goals",
        {
            "name": "Emergency fund",
            "type": "emergency_fund",
            "target_amount": 10000,
            "current_amount": 1000,
            "deadline": deadline,
            "milestones": [
                {"amount": 2500, "description": "First quarter"},
                {"amount": 5000, "description": "Halfway"},
            ],
        },
        token=server.client.token(user),
    )
    assert created.status == 201, created.text
    goal_id = created.json["id"]

    page = sign_in(web, server, user)
    card = page.get_by_role("article", name="Emergency fund")
    expect(card).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(card.get_by_role("progressbar", name="Emergency fund progress")).to_have_attribute(
        "aria-valuetext", "10% complete"
    )
    expect(card.get_by_text("First quarter at $2,500.00")).to_be_visible()
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    expect(page.get_by_text("No portfolio yet.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_text(re.compile("No unread alerts"))).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert_accessible(page)
    screenshot(page, "dashboard")

    card.get_by_role("link", name="Emergency fund").click()
    expect(page.get_by_role("heading", level=1, name="Emergency fund")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert page.url == f"{server.client.base}/app/goals/{goal_id}"
    milestones = page.locator("section", has=page.get_by_role("heading", name="Milestones", exact=True))
    expect(milestones.get_by_text("0 of 2 reached.")).to_be_visible()

    # Two contributions: the first stays short of the first milestone, the second passes it.
    for amount, now in (("1000", "$2,000.00"), ("750", "$2,750.00")):
        page.get_by_label("Contribution").fill(amount)
        page.get_by_role("button", name="Record progress").click()
        expect(page.get_by_text(f"Recorded: the amount is now {now}.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)

    expect(milestones.get_by_text("1 of 2 reached.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(milestones.get_by_role("status")).to_have_text("Milestone reached: First quarter.")
    reached = milestones.get_by_role("listitem").filter(has_text="First quarter")
    expect(reached.get_by_text(re.compile(r"^Reached on "))).to_be_visible()
    expect(page.get_by_role("progressbar", name="Emergency fund progress")).to_have_attribute(
        "aria-valuetext", "27.5% complete"
    )

    chart = page.get_by_role("img", name="Emergency fund: amount over time")
    expect(chart).to_be_visible()
    # The amount's line has a marker per day with entries and one for today; the projection is dashed.
    assert chart.locator("path.chart-line").count() >= 2
    assert chart.locator("path.chart-line.dashed").count() >= 1
    assert chart.locator("circle").count() >= 2
    entries = page.get_by_role("region", name="Progress entries table")
    expect(entries.get_by_text("+$750.00")).to_be_visible()

    assert_accessible(page)
    screenshot(page, "goal")

    # The milestone reached through the form raised its alert: the inbox shows it, and its link opens the goal.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    alert = page.get_by_role("article").filter(has_text="First quarter").filter(has_text="Milestone reached")
    expect(alert).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    alert.get_by_role("link", name="View goal").click()
    page.wait_for_url(f"**/app/goals/{goal_id}")
    expect(page.get_by_role("heading", level=1, name="Emergency fund")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert not web.errors


def test_an_unknown_goal_says_so_with_a_way_back(web: WebPage, server: Server) -> None:
    page = sign_in(web, server, new_user("nogoal"), path="/app/goals/no-such-goal", heading="No such goal")
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    # The API's 404 for the goal shows in the console as a failed request; nothing else may.
    assert all("404" in error for error in web.errors), web.errors


def test_a_lifecycle_action_refused_by_the_api_shows_its_detail(web: WebPage, server: Server) -> None:
    user = new_user("lifecycle")
    token = server.client.token(user)
    goal = server.client.request(
        "POST", "/goals", {"name": "Sabbatical", "type": "savings", "target_amount": 8000}, token=token
    ).json
    page = sign_in(web, server, user, path=f"/app/goals/{goal['id']}", heading="Sabbatical")
    page.get_by_role("button", name="Pause goal").click()
    expect(page.get_by_role("status").filter(has_text="The goal is now paused.")).to_be_visible()
    page.get_by_role("button", name="Resume goal").click()
    expect(page.get_by_role("status").filter(has_text="The goal is now active.")).to_be_visible()

    # Completed in another tab: this page still offers Pause, which the API refuses.
    completed = server.client.request("POST", f"/goals/{goal['id']}/complete", token=token)
    assert completed.status == 200, completed.text
    page.get_by_role("button", name="Pause goal").click()
    refusal = server.client.request("POST", f"/goals/{goal['id']}/pause", token=token)
    assert refusal.status == 409
    expect(page.get_by_role("alert")).to_have_text(refusal.json["detail"])
    expect(page.get_by_text("This goal is completed: its status can no longer change.")).to_be_visible()
    assert_accessible(page)
    assert all("409" in error for error in web.errors), web.errors


def test_milestones_are_added_edited_and_deleted_on_the_goal_page(web: WebPage, server: Server) -> None:
    user = new_user("milestones")
    token = server.client.token(user)
    goal = server.client.request(
        "POST",
        "/goals",
        {"name": "Car", "type": "major_purchase", "target_amount": 20000, "current_amount": 6000},
        token=token,
    ).json
    page = sign_in(web, server, user, path=f"/app/goals/{goal['id']}", heading="Car")
    milestones = page.locator("section", has=page.get_by_role("heading", name="Milestones", exact=True))
    expect(milestones.get_by_text(re.compile("No milestones yet"))).to_be_visible()

    milestones.get_by_label("Milestone amount").fill("10000")
    milestones.get_by_label("Description").fill("Halfway")
    milestones.get_by_role("button", name="Add milestone").click()
    # The only milestone (while it is edited, its text is in the form's fields).
    item = milestones.get_by_role("listitem").first
    expect(item.get_by_text("Not reached yet")).to_be_visible(timeout=LOAD_TIMEOUT_MS)

    # Lowered to below the goal's amount, the milestone is reached at once.
    item.get_by_role("button", name="Edit milestone Halfway").click()
    amount = item.get_by_label("Milestone amount")
    expect(amount).to_be_focused()
    amount.fill("5000")
    item.get_by_role("button", name="Save milestone").click()
    expect(item.get_by_text(re.compile(r"^Reached on "))).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(milestones.get_by_role("status")).to_have_text("Milestone reached: Halfway.")

    item.get_by_role("button", name="Delete milestone Halfway").click()
    milestones.get_by_role("button", name="Yes, delete").click()
    expect(milestones.get_by_text(re.compile("No milestones yet"))).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    listed = server.client.request("GET", f"/goals/{goal['id']}/milestones", token=token)
    assert listed.json == []
    assert not web.errors
