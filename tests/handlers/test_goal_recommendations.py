"""GET /goals/recommendations: the latest budget's surplus split across the goals that have a deadline."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from goalpost.domain.templates import add_months
from tests.handlers.conftest import Api

TODAY = datetime.now(UTC).date()


def budget(**figures: Any) -> dict[str, Any]:
    return {"period_year": TODAY.year, "period_month": TODAY.month, **figures}


def goal(api: Api, name: str, target: int, months: int | None, user: str = "alice", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "type": "savings", "target_amount": target, **fields}
    if months is not None:
        body["deadline"] = add_months(TODAY, months).isoformat()
    reply = api.post("/goals", body, user=user)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def needs(api: Api, goal_id: str) -> float:
    return float(api.get(f"/goals/{goal_id}/progress").body["required_monthly_contribution"])


def test_without_a_budget_snapshot_it_is_400_naming_it(api: Api) -> None:
    goal(api, "Car", 12000, 12)
    reply = api.get("/goals/recommendations")
    assert reply.status == 400
    assert "budget snapshot" in reply.body["detail"]
    assert api.get("/goals/recommendations", user=None).status == 401


def test_a_short_surplus_is_split_by_need_and_all_of_it_given(api: Api) -> None:
    car = goal(api, "Car", 12000, 12)
    fund = goal(api, "Fund", 27000, 24, type="emergency_fund")
    goal(api, "Someday", 5000, None)  # no deadline: not planned
    goal(api, "Card", 0, 6, type="debt", current_amount=3000)  # decreasing: not planned
    paused = goal(api, "Paused", 6000, 6)
    api.post(f"/goals/{paused['id']}/pause")
    api.post("/goals/sync-from-budget", budget(total_income=5000, monthly_expenses=4000))  # surplus 1,000

    reply = api.get("/goals/recommendations")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["monthly_surplus"], body["allocated"], body["unallocated"]) == (1000, 1000, 0)
    shown = {g["name"]: g for g in body["goals"]}
    assert set(shown) == {"Car", "Fund"}
    car_need, fund_need = needs(api, car["id"]), needs(api, fund["id"])
    assert shown["Car"]["goal_id"] == car["id"]
    assert shown["Car"]["required_monthly_contribution"] == car_need
    assert shown["Fund"]["required_monthly_contribution"] == fund_need
    for name, need in (("Car", car_need), ("Fund", fund_need)):
        assert shown[name]["recommended_monthly"] == pytest.approx(1000 * need / (car_need + fund_need), abs=0.01)
        assert shown[name]["on_track_with_recommendation"] is False
    total = sum(Decimal(str(g["recommended_monthly"])) for g in body["goals"])
    assert total == 1000


def test_a_surplus_that_covers_every_need_leaves_the_rest_unallocated(api: Api) -> None:
    car = goal(api, "Car", 1200, 12)
    api.post("/goals/sync-from-budget", budget(surplus=1500))
    body = api.get("/goals/recommendations").body
    need = needs(api, car["id"])
    assert body["goals"] == [
        {
            "goal_id": car["id"],
            "name": "Car",
            "required_monthly_contribution": need,
            "recommended_monthly": need,
            "on_track_with_recommendation": True,
        }
    ]
    assert (body["monthly_surplus"], body["allocated"]) == (1500, need)
    assert body["unallocated"] == pytest.approx(1500 - need, abs=0.001)


def test_no_surplus_recommends_nothing_and_others_goals_are_not_seen(api: Api) -> None:
    goal(api, "Car", 1200, 12)
    goal(api, "Bob's", 1200, 12, user="bob")
    api.post("/goals/sync-from-budget", budget(total_income=3000, monthly_expenses=3400))
    body = api.get("/goals/recommendations").body
    assert (body["monthly_surplus"], body["allocated"], body["unallocated"]) == (-400, 0, -400)
    assert [(g["name"], g["recommended_monthly"]) for g in body["goals"]] == [("Car", 0)]
    assert api.get("/goals/recommendations", user="bob").status == 400  # bob has no budget


def test_a_snapshot_without_a_surplus_is_400(api: Api) -> None:
    api.post("/goals/sync-from-budget", budget(monthly_expenses=3400))
    reply = api.get("/goals/recommendations")
    assert reply.status == 400
    assert "surplus" in reply.body["detail"]
