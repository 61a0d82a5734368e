"""POST /goals/preview: what a create would make and its monthly plan, storing nothing, failing as the create
fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost.data import keys
from goalpost.domain.templates import add_months
from tests.handlers.conftest import Api
from tests.handlers.test_goals_api import stored_items

TODAY = datetime.now(UTC).date()
EMERGENCY_FUND = {"template_id": "emergency_fund_6_months", "budget": {"monthly_expenses": 4500}}


def assert_nothing_stored(user: str = "alice") -> None:
    assert stored_items("test-data", keys.user_pk(user)) == []


def test_a_six_month_emergency_fund_needs_1125_a_month_for_24_months(api: Api) -> None:
    reply = api.post("/goals/preview", EMERGENCY_FUND)
    assert reply.status == 200, reply.body
    deadline = add_months(TODAY, 24)
    assert reply.body["required_monthly_contribution"] == 1125
    assert reply.body["months"] == 24
    assert reply.body["suggested_target_date"] == deadline.isoformat()
    assert reply.body["explanation"] == "Save $1,125 a month for 24 months to reach $27,000"
    goal = reply.body["goal"]
    assert "id" not in goal
    assert (goal["type"], goal["target_amount"], goal["current_amount"], goal["start_amount"]) == (
        "emergency_fund",
        27000,
        0,
        0,
    )
    assert (goal["template_id"], goal["status"], goal["percent_complete"]) == ("emergency_fund_6_months", "active", 0)
    assert goal["deadline"] == f"{deadline}T00:00:00+00:00"
    assert_nothing_stored()
    assert api.get("/goals").body == []


def test_the_body_of_post_goals_is_previewed_as_that_goal(api: Api) -> None:
    deadline = add_months(TODAY, 10)
    body = {"name": "Car", "type": "major_purchase", "target_amount": 12000, "current_amount": 2000}
    reply = api.post("/goals/preview", {**body, "deadline": deadline.isoformat(), "tags": ["car"]})
    assert reply.status == 200, reply.body
    assert reply.body["goal"]["name"] == "Car"
    assert reply.body["goal"]["tags"] == ["car"]
    assert reply.body["goal"]["percent_complete"] == pytest.approx(16.67)
    assert reply.body["months"] == 10
    assert reply.body["required_monthly_contribution"] == 1000
    assert reply.body["explanation"] == "Save $1,000 a month for 10 months to reach $12,000"
    debt = {"name": "Card", "type": "debt", "target_amount": 0, "current_amount": 3000}
    paid_down = api.post("/goals/preview", {**debt, "deadline": add_months(TODAY, 6).isoformat()}).body
    assert (paid_down["goal"]["start_amount"], paid_down["required_monthly_contribution"]) == (3000, 500)
    assert paid_down["explanation"] == "Pay down $500 a month for 6 months to reach $0"
    open_ended = api.post("/goals/preview", body).body
    assert (open_ended["months"], open_ended["suggested_target_date"]) == (None, None)
    assert open_ended["required_monthly_contribution"] == 0
    assert "target date" in open_ended["explanation"]
    assert_nothing_stored()


def test_a_template_without_a_budget_uses_the_stored_snapshot(api: Api) -> None:
    api.post(
        "/goals/sync-from-budget", {"period_year": TODAY.year, "period_month": TODAY.month, "monthly_expenses": 2000}
    )
    reply = api.post("/goals/preview", {"template_id": "emergency_fund_3_months"})
    assert reply.status == 200, reply.body
    assert reply.body["goal"]["target_amount"] == 6000
    assert reply.body["required_monthly_contribution"] == 500
    assert api.get("/goals").body == []


INVALID_GOALS: list[dict[str, Any]] = [
    {},
    {"name": "x"},
    {"name": "", "type": "savings", "target_amount": 10},
    {"name": "x", "type": "savings", "target_amount": 0},
    {"name": "x", "type": "savings", "target_amount": -5},
    {"name": "x", "type": "rocket", "target_amount": 5},
    {"name": "x", "type": "savings", "target_amount": 5, "deadline": "2001-01-01"},
    {"name": "x", "type": "savings", "target_amount": 5, "id": "mine"},
    {"name": "x", "type": "savings", "goal_type": "debt", "target_amount": 5},
    {"name": "x", "type": "savings", "target_amount": 100, "start_amount": 200},
    {"name": "x", "type": "debt", "target_amount": 100, "current_amount": 50},
]
INVALID_TEMPLATE_REQUESTS: list[dict[str, Any]] = [
    {"template_id": "nope"},
    {"template_id": ""},
    {"template_id": "emergency_fund_3_months"},
    {"template_id": "house_down_payment"},
    {"template_id": "house_down_payment", "parameters": {"home_price": 1, "colour": 2}},
    {"template_id": "house_down_payment", "parameters": {"home_price": "big"}},
    {"template_id": "debt_free", "budget": {"debts": [{"id": "a", "balance": -1}]}},
    {"template_id": "debt_free", "budget": {}, "target_date": "2001-01-01"},
    {"template_id": "retirement_target", "parameters": {"target_income": 1, "current_age": 70}},
]


@pytest.mark.parametrize(
    ("route", "body"),
    [("/goals", b) for b in INVALID_GOALS] + [("/goals/from-template", b) for b in INVALID_TEMPLATE_REQUESTS],
)
def test_invalid_input_gets_the_errors_of_the_create(api: Api, route: str, body: dict[str, Any]) -> None:
    created = api.post(route, body)
    previewed = api.post("/goals/preview", body)
    assert (previewed.status, previewed.body) == (created.status, created.body)
    assert 400 <= previewed.status < 500
    assert_nothing_stored()


@pytest.mark.parametrize("raw", ["[]", "null", '"text"', "{", "7"])
def test_a_body_that_is_not_an_object_is_refused_as_by_the_create(api: Api, raw: str) -> None:
    created = api.call("POST", "/goals", raw_body=raw)
    previewed = api.call("POST", "/goals/preview", raw_body=raw)
    assert previewed.status == created.status == 422
    assert_nothing_stored()


def test_a_deadline_today_needs_everything_now(api: Api) -> None:
    body = {"name": "x", "type": "savings", "target_amount": 300, "deadline": TODAY.isoformat()}
    reply = api.post("/goals/preview", body).body
    assert (reply["months"], reply["required_monthly_contribution"]) == (0, 300)
    assert reply["explanation"] == f"Save $300 by {TODAY.isoformat()} to reach $300"
    soon = api.post("/goals/preview", {**body, "deadline": (TODAY + timedelta(days=10)).isoformat()}).body
    assert soon["required_monthly_contribution"] == 300
    assert 0 < soon["months"] < 1


def test_preview_needs_a_caller(api: Api) -> None:
    assert api.post("/goals/preview", EMERGENCY_FUND, user=None).status == 401
