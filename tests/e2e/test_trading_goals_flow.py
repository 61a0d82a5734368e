"""Trading goals over HTTP: the original service's endpoints, and the end-of-day job run through
``/_local/jobs/end_of_day_goals`` at chosen moments (a month rollover, a rerun of the same day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e


def end_of_day(http: Client, when: datetime) -> dict:
    reply = http.request("POST", "/_local/jobs/end_of_day_goals", {"now": when.isoformat()})
    assert reply.status == 200, reply.text
    assert reply.json["worker"]["failed"] == 0
    return dict(reply.json)


def test_the_five_endpoints_answer_as_documented(http: Client) -> None:
    token = http.token("trader-docs")
    status = http.request("GET", "/goals/status", token=token).json
    assert set(status) == {"success", "goals", "timestamp"}
    assert [set(g) for g in status["goals"]] == [
        {"goal_type", "target_value", "current_value", "progress_percent", "status", "updated_at"}
    ] * 3
    targets = http.request(
        "PUT", "/goals/targets?monthly_return_target=6.0&monthly_income_target=2500.0&portfolio_value_target=60000.0",
        token=token,
    ).json  # fmt: skip
    assert targets == {
        "success": True,
        "updates": {"monthly_return_target": 6.0, "monthly_income_target": 2500.0, "portfolio_value_target": 60000.0},
        "message": "Goal targets updated successfully",
    }
    none = http.request("PUT", "/goals/targets", token=token)
    assert (none.status, none.json) == (400, {"detail": "At least one target must be provided"})
    assert http.request("PUT", "/goals/targets?monthly_return_target=51", token=token).status == 422
    profit = http.request("POST", "/goals/record-profit?profit=150.0", token=token).json
    assert profit == {"success": True, "profit_recorded": 150.0, "month_to_date": 150.0,
                      "message": "Profit recorded successfully"}  # fmt: skip
    snapshot = http.request("POST", "/goals/manual-snapshot", token=token).json
    assert (snapshot["success"], snapshot["message"]) == (True, "Manual goal snapshot completed")
    history = http.request("GET", "/goals/history/monthly_income?days=30", token=token).json
    assert (history["success"], history["goal_type"], history["days"]) == (True, "monthly_income", 30)
    assert history["history"][0]["actual_value"] == 150.0
    assert set(history["history"][0]) == {"date", "actual_value", "target_value", "variance_percent", "status"}
    assert http.request("GET", "/goals/history/yearly_income", token=token).status == 400
    assert http.request("GET", "/goals/history/monthly_income?days=400", token=token).status == 422
    log = http.request("GET", "/goals/targets/history", token=token).json
    assert log[0]["updates"]["monthly_income_target"] == 2500.0


def test_end_of_day_rolls_the_month_over_and_reruns_change_nothing(http: Client) -> None:
    token = http.token("trader-month")
    http.request("PUT", "/portfolio/cash", {"cash_balance": 10000}, token=token)
    first = datetime.now(UTC).replace(day=1, hour=23, minute=59, second=0, microsecond=0)
    last_of_previous = first - timedelta(days=1)
    end_of_day(http, last_of_previous)
    http.request("PUT", "/portfolio/cash", {"cash_balance": 10400}, token=token)
    end_of_day(http, first)  # the new month's first evaluation: start value 10,400, return 0
    http.request("PUT", "/portfolio/cash", {"cash_balance": 10920}, token=token)
    second = first + timedelta(days=1)
    end_of_day(http, second)
    end_of_day(http, second + timedelta(seconds=20))  # rerun: same rows, no second alert
    goals = {g["goal_type"]: g for g in http.request("GET", "/goals/status", token=token).json["goals"]}
    assert goals["monthly_return"]["current_value"] == 5.0  # (10920 - 10400) / 10400
    assert goals["monthly_return"]["status"] == "achieved"
    history = http.request("GET", "/goals/history/portfolio_value?days=365", token=token).json["history"]
    assert [row["date"] for row in history][:3] == [
        second.date().isoformat(), first.date().isoformat(), last_of_previous.date().isoformat()
    ]  # fmt: skip
    achieved = [
        a for a in http.request("GET", "/alerts?type=goal_achieved", token=token).json
        if a["goal_id"] == "trading-monthly_return"
    ]  # fmt: skip
    assert len(achieved) == 1
