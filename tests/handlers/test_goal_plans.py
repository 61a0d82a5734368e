"""Templates, goals from templates, budget sync and the dashboard, through the goals handler over moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost.data import keys
from goalpost.domain.templates import add_months
from tests.handlers.conftest import Api
from tests.handlers.test_goal_tracking import days_ago, new_goal
from tests.handlers.test_goals_api import stored_items

NOW = datetime.now(UTC)
TODAY = NOW.date()
SPEC_TEMPLATES = {
    "emergency_fund_3_months",
    "emergency_fund_6_months",
    "debt_free",
    "house_down_payment",
    "retirement_target",
    "savings_rate_target",
}


def snapshot(**figures: Any) -> dict[str, Any]:
    return {"period_year": TODAY.year, "period_month": TODAY.month, **figures}


def test_templates_are_listed_and_described(api: Api) -> None:
    templates = api.get("/goals/templates").body
    assert {t["id"] for t in templates} == SPEC_TEMPLATES
    for template in templates:
        assert {"id", "name", "goal_type", "description", "parameters", "suggested_timeline_months", "tips"} <= set(
            template
        )
        assert template["tips"]
    house = api.get("/goals/templates/house_down_payment").body
    assert house["goal_type"] == "down_payment"
    assert house["parameters"][1] == {
        "name": "down_payment_percent",
        "label": "Down payment %",
        "type": "percent",
        "default": 20,
    }
    assert api.get("/goals/templates/nope").status == 404
    assert api.get("/goals/templates", user=None).status == 401


def test_targets_follow_each_template_rule(api: Api) -> None:
    budget = {
        "monthly_expenses": 4500,
        "total_income": 6000,
        "debts": [{"id": "card", "balance": 1200.5}, {"id": "car", "name": "Car", "balance": 8000}],
    }

    def make(template_id: str, **extra: Any) -> dict[str, Any]:
        reply = api.post("/goals/from-template", {"template_id": template_id, "budget": budget, **extra})
        assert reply.status == 201, reply.body
        assert reply.body["template_id"] == template_id
        return dict(reply.body)

    three = make("emergency_fund_3_months")
    assert (three["type"], three["target_amount"], three["current_amount"]) == ("emergency_fund", 13500, 0)
    assert three["deadline"] == f"{add_months(TODAY, 12)}T00:00:00+00:00"  # 12 calendar months
    assert make("emergency_fund_6_months")["target_amount"] == 27000
    debt_free = make("debt_free")
    assert (debt_free["target_amount"], debt_free["start_amount"], debt_free["current_amount"]) == (0, 9200.5, 9200.5)
    assert debt_free["deadline"] is None
    assert make("house_down_payment", parameters={"home_price": 400000})["target_amount"] == 80000
    assert (
        make("house_down_payment", parameters={"home_price": 400000, "down_payment_percent": 10})["target_amount"]
        == 40000
    )
    retirement = make("retirement_target", parameters={"target_income": 40000, "current_age": 40})
    assert retirement["target_amount"] == 1000000
    assert retirement["deadline"].startswith(str(TODAY.year + 25))
    assert make("savings_rate_target")["target_amount"] == 1200
    named = make("savings_rate_target", name="Save more", target_date="2099-01-31", parameters={"target_rate": 25})
    assert (named["name"], named["deadline"], named["target_amount"]) == (
        "Save more",
        "2099-01-31T00:00:00+00:00",
        1500,
    )


def test_missing_inputs_are_400_naming_them(api: Api) -> None:
    missing = api.post("/goals/from-template", {"template_id": "emergency_fund_3_months"})
    assert missing.status == 400
    assert "budget.monthly_expenses" in missing.body["detail"]
    house = api.post("/goals/from-template", {"template_id": "house_down_payment"})
    assert house.status == 400
    assert "parameters.home_price" in house.body["detail"]
    rate = api.post("/goals/from-template", {"template_id": "savings_rate_target", "budget": {"surplus": 5}})
    assert "budget.total_income" in rate.body["detail"]
    assert api.post("/goals/from-template", {"template_id": "nope"}).status == 404
    for body in (
        {"template_id": "house_down_payment", "parameters": {"home_price": 1, "colour": 2}},
        {"template_id": "house_down_payment", "parameters": {"home_price": 1, "down_payment_percent": 0}},
        {"template_id": "house_down_payment", "parameters": {"home_price": "big"}},
        {"template_id": "debt_free", "budget": {"debts": [{"id": "a", "balance": -1}]}},
        {"template_id": "debt_free", "budget": {}, "target_date": "2001-01-01"},
        {"template_id": "debt_free", "user_id": "bob"},
    ):
        assert api.post("/goals/from-template", body).status == 422, body
    assert api.get("/goals").body == []


def test_templates_use_the_latest_stored_snapshot(api: Api) -> None:
    previous = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    api.post(
        "/goals/sync-from-budget",
        {"period_year": previous.year, "period_month": previous.month, "monthly_expenses": 1000},
    )
    api.post("/goals/sync-from-budget", snapshot(monthly_expenses=2000))
    goal = api.post("/goals/from-template", {"template_id": "emergency_fund_3_months"}).body
    assert goal["target_amount"] == 6000
    assert api.post("/goals/from-template", {"template_id": "emergency_fund_3_months"}, user="bob").status == 400


def test_sync_moves_the_goals_the_spec_names(api: Api, publishes: Any) -> None:
    savings = new_goal(api, current_amount=0, milestones=[{"amount": 1000, "description": "1k"}])
    rainy = new_goal(api, type="emergency_fund", current_amount=0, tags=["category:rainy"])
    card = new_goal(api, type="debt_payoff", target_amount=0, current_amount=3000, tags=["debt:card"])
    car = new_goal(api, type="debt_payoff", target_amount=0, current_amount=9000, tags=["debt:car"])
    free = new_goal(api, type="debt_free", target_amount=0, current_amount=12000)
    rate = new_goal(api, type="savings_rate", target_amount=20, current_amount=0)
    paused = new_goal(api, current_amount=0)
    api.post(f"/goals/{paused}/pause")
    untouched = new_goal(api, type="investment", current_amount=0)
    reply = api.post(
        "/goals/sync-from-budget",
        snapshot(
            total_income=5000,
            monthly_expenses=4000,
            surplus=1000,
            category_totals={"savings": 2500, "rainy": 700},
            debts=[{"id": "card", "balance": 1800}],
        ),
    )
    assert reply.status == 200
    updated = {e["goal_id"]: e for e in reply.body["updated"]}
    expected = {savings: 2500, rainy: 700, card: 1800, car: 0, free: 1800, rate: 20}
    assert {goal_id: e["value_at_period"] for goal_id, e in updated.items()} == expected
    assert {e["source"] for e in updated.values()} == {"budget_sync"}
    assert {e["period_date"] for e in updated.values()} == {TODAY.isoformat()}
    for goal_id, amount in expected.items():
        assert api.get(f"/goals/{goal_id}").body["current_amount"] == amount
    assert api.get(f"/goals/{paused}").body["current_amount"] == 0
    assert api.get(f"/goals/{untouched}").body["current_amount"] == 0
    assert api.get(f"/goals/{savings}").body["milestones"][0]["reached"] is True
    assert api.get(f"/goals/{car}/progress/history").body[0]["contribution_amount"] == -9000
    alerts = {(a["goal_id"], a["alert_type"]) for a in api.get("/alerts", query={"limit": 100}).body}
    assert (savings, "milestone_reached") in alerts
    assert (car, "goal_completed") in alerts
    # The same snapshot again changes nothing and records nothing.
    again = api.post("/goals/sync-from-budget", snapshot(
        total_income=5000, monthly_expenses=4000, surplus=1000, category_totals={"savings": 2500, "rainy": 700},
        debts=[{"id": "card", "balance": 1800}],
    ))  # fmt: skip
    assert again.body == {"updated": []}
    assert len(api.get(f"/goals/{savings}/progress/history").body) == 1


def test_sync_stores_one_snapshot_per_month_and_rejects_bad_ones(api: Api) -> None:
    assert api.post("/goals/sync-from-budget", snapshot(total_income=1)).status == 200
    assert api.post("/goals/sync-from-budget", snapshot(total_income=2)).status == 200
    budgets = [i for i in stored_items("test-data", keys.user_pk("alice")) if i["sk"]["S"].startswith("BUDGET#")]
    assert len(budgets) == 1
    assert budgets[0]["total_income"] == {"N": "2"}
    future = TODAY.replace(day=28) + timedelta(days=10)
    for body in (
        {"period_year": future.year, "period_month": future.month},
        snapshot(period_month=13),
        snapshot(total_income=-1),
        snapshot(debts=[{"id": "a", "balance": 1}, {"id": "a", "balance": 2}]),
        snapshot(category_totals={"savings": "x"}),
        snapshot(user_id="bob"),
        {"period_month": 1},
    ):
        assert api.post("/goals/sync-from-budget", body).status == 422, body


def test_an_older_snapshot_is_back_dated(api: Api) -> None:
    goal_id = new_goal(api, current_amount=0)
    api.post(f"/goals/{goal_id}/progress", {"value": 900})
    previous = TODAY.replace(day=1) - timedelta(days=1)
    synced = api.post(
        "/goals/sync-from-budget",
        {"period_year": previous.year, "period_month": previous.month, "category_totals": {"savings": 500}},
    ).body["updated"]
    assert [e["period_date"] for e in synced] == [previous.isoformat()]
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == 900  # the newer manual entry stands


def test_dashboard_has_every_goal_with_its_summary(api: Api) -> None:
    first = new_goal(api, deadline=(TODAY + timedelta(days=100)).isoformat())
    second = new_goal(api, type="debt", target_amount=0, current_amount=500)
    api.post(f"/goals/{first}/progress", {"value": 2600, "period_date": days_ago(1)})
    board = api.get("/goals/dashboard").body
    assert [g["id"] for g in board["goals"]] == [second, first]
    summary = board["goals"][1]["progress"]
    assert summary == api.get(f"/goals/{first}/progress").body
    assert board["goals"][1]["current_amount"] == 2600
    assert board["unread_alerts"] == 2  # milestone_25, and significant_progress (r2): 0 -> 2,600 in one step
    assert api.get("/goals/dashboard", user="bob").body == {"goals": [], "unread_alerts": 0}
