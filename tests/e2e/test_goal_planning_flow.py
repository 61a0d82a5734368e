"""The planning routes over HTTP: the design's §10.1 flow (an emergency fund from the template, previewed,
then created), and the surplus split across goals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from goalpost.domain.templates import add_months
from tests.e2e.conftest import Client, HttpReply

_users = itertools.count()


def ok(reply: HttpReply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.text)
    return reply.json


def new_user(http: Client, name: str) -> str:
    return http.token(f"planning-{name}-{next(_users)}")


def test_the_emergency_fund_flow_needs_1125_a_month_for_24_months(http: Client) -> None:
    """Seed §10.1: expenses of $4,500; the 3-month fund is $13,500; the 6-month one $27,000; 24 months from
    now; "You'll need to save $1,125/month"; then the goal is created with tracking."""
    token = new_user(http, "emergency")
    today = datetime.now(UTC).date()
    budget = {"period_year": today.year, "period_month": today.month, "monthly_expenses": 4500, "total_income": 6000}
    ok(http.request("POST", "/goals/sync-from-budget", budget, token=token))
    templates = {t["id"]: t for t in ok(http.request("GET", "/goals/templates", token=token))}
    assert templates["emergency_fund_6_months"]["suggested_timeline_months"] == 24

    three = ok(http.request("POST", "/goals/preview", {"template_id": "emergency_fund_3_months"}, token=token))
    assert three["goal"]["target_amount"] == 13500
    target_date = add_months(today, 24)
    six = {"template_id": "emergency_fund_6_months", "target_date": target_date.isoformat()}
    preview = ok(http.request("POST", "/goals/preview", six, token=token))
    assert preview["goal"]["target_amount"] == 27000
    assert preview["months"] == 24
    assert preview["required_monthly_contribution"] == pytest.approx(1125, abs=1)
    assert preview["explanation"] == "Save $1,125 a month for 24 months to reach $27,000"
    assert ok(http.request("GET", "/goals", token=token)) == []  # a preview stores nothing

    goal = ok(http.request("POST", "/goals/from-template", six, token=token), 201)
    assert {k: goal[k] for k in preview["goal"] if k not in ("created_at", "updated_at")} == {
        k: v for k, v in preview["goal"].items() if k not in ("created_at", "updated_at")
    }
    progress = ok(http.request("GET", f"/goals/{goal['id']}/progress", token=token))
    assert (progress["target_amount"], progress["percent_complete"]) == (27000, 0)
    assert progress["required_monthly_contribution"] == pytest.approx(1125, abs=1)

    # The surplus (6,000 - 4,500) covers the 1,125 the fund needs; the rest stays unallocated.
    recommended = ok(http.request("GET", "/goals/recommendations", token=token))
    assert recommended["monthly_surplus"] == 1500
    [fund] = recommended["goals"]
    assert (fund["goal_id"], fund["on_track_with_recommendation"]) == (goal["id"], True)
    assert fund["recommended_monthly"] == progress["required_monthly_contribution"]
    assert recommended["allocated"] + recommended["unallocated"] == pytest.approx(1500, abs=0.001)


def test_previews_fail_as_creates_do_and_recommendations_need_a_budget(http: Client) -> None:
    token = new_user(http, "errors")
    for route, body in (
        ("/goals", {"name": "x", "type": "savings", "target_amount": 0}),
        ("/goals", {"name": "x", "type": "savings", "target_amount": 5, "deadline": "2001-01-01"}),
        ("/goals/from-template", {"template_id": "nope"}),
        ("/goals/from-template", {"template_id": "emergency_fund_6_months"}),  # no budget anywhere
    ):
        created = http.request("POST", route, body, token=token)
        previewed = http.request("POST", "/goals/preview", body, token=token)
        assert (previewed.status, previewed.json) == (created.status, created.json), body
        assert previewed.status in (400, 404, 422)
    assert http.request("POST", "/goals/preview", {"template_id": "debt_free"}).status == 401
    reply = http.request("GET", "/goals/recommendations", token=token)
    assert reply.status == 400
    assert "budget snapshot" in reply.json["detail"]
