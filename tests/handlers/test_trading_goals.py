"""Trading goals and the end-of-day job through the handlers, over moto: the original service's five
endpoints, month rollovers, reruns (same day, after a crash half way) and the personal goals' checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost import declaration
from goalpost.data import keys
from goalpost.data.client import client
from infra.local.event_sources import drain_queue
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry
from tests.handlers.test_portfolio_api import open_position

NOW = datetime.now(UTC)


def run_end_of_day(when: datetime) -> dict[str, Any]:
    summary = JobRunner(registry).run("end_of_day_goals", when)
    assert summary["worker"]["failed"] == 0, summary
    return dict(summary)


def goal_status(api: Api, user: str = "alice") -> dict[str, dict[str, Any]]:
    body = api.get("/goals/status", user=user).body
    assert body["success"] is True
    return {g["goal_type"]: g for g in body["goals"]}


def alerts_of(api: Api, alert_type: str, user: str = "alice") -> list[dict[str, Any]]:
    return [a for a in api.get("/alerts", query={"limit": 100}, user=user).body if a["alert_type"] == alert_type]


def test_status_creates_the_three_goals_with_default_targets(api: Api) -> None:
    body = api.get("/goals/status").body
    assert [g["goal_type"] for g in body["goals"]] == ["monthly_income", "monthly_return", "portfolio_value"]
    assert [g["target_value"] for g in body["goals"]] == [2000, 5, 50000]
    assert all((g["current_value"], g["status"]) == (0, "behind") for g in body["goals"])
    assert body["timestamp"]


def test_targets_are_validated_logged_and_applied(api: Api) -> None:
    assert api.call("PUT", "/goals/targets").body == {"detail": "At least one target must be provided"}
    assert api.call("PUT", "/goals/targets").status == 400
    for query in (
        {"monthly_return_target": 0.05},
        {"monthly_income_target": 1_000_001},
        {"portfolio_value_target": 99},
    ):
        assert api.call("PUT", "/goals/targets", query=query).status == 422, query
    reply = api.call("PUT", "/goals/targets", query={"monthly_return_target": 6.0, "portfolio_value_target": 60000})
    assert reply.body == {
        "success": True,
        "updates": {"monthly_return_target": 6.0, "portfolio_value_target": 60000},
        "message": "Goal targets updated successfully",
    }
    status = goal_status(api)
    assert (status["monthly_return"]["target_value"], status["portfolio_value"]["target_value"]) == (6, 60000)
    log = api.get("/goals/targets/history").body
    assert len(log) == 1
    assert log[0]["updates"] == {"monthly_return_target": 6.0, "portfolio_value_target": 60000}
    assert log[0]["adjustment_factor"] == 1.2  # (6/5 + 60000/50000) / 2
    assert log[0]["portfolio_value"] == 0
    assert log[0]["reason"]


def test_record_profit_accumulates_with_realized_pnl(api: Api) -> None:
    first = api.post("/goals/record-profit", query={"profit": 150.0}).body
    assert first == {"success": True, "profit_recorded": 150.0, "month_to_date": 150.0,
                     "message": "Profit recorded successfully"}  # fmt: skip
    position = open_position("alice", "AAPL", "10", "100")
    api.post(f"/positions/{position.id}/close", {"exit_price": 110})
    assert api.post("/goals/record-profit", query={"profit": -50}).body["month_to_date"] == 200  # 150 + 100 - 50
    assert api.post("/goals/record-profit").status == 422
    assert api.post("/goals/record-profit", query={"profit": "lots"}).status == 422


def test_history_days_and_types(api: Api) -> None:
    assert api.get("/goals/history/monthly_return", query={"days": 0}).status == 422
    assert api.get("/goals/history/monthly_return", query={"days": 366}).status == 422
    unknown = api.get("/goals/history/weekly_return")
    assert unknown.status == 400
    assert api.get("/goals/history/monthly_income").body == {
        "success": True, "goal_type": "monthly_income", "history": [], "days": 30,
    }  # fmt: skip


def test_end_of_day_evaluates_writes_one_row_a_day_and_alerts_once(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 40000})
    api.call("PUT", "/goals/targets", query={"monthly_income_target": 100})
    day_one = NOW.replace(day=1, hour=23, minute=59, second=0, microsecond=0)
    run_end_of_day(day_one)  # the month's first evaluation: its value is the month's start value
    api.post("/goals/record-profit", query={"profit": 120})
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 42200})
    day_two = day_one + timedelta(days=1)
    run_end_of_day(day_two)
    run_end_of_day(day_two + timedelta(seconds=30))  # a rerun of the same day
    status = goal_status(api)
    assert (status["monthly_return"]["current_value"], status["monthly_return"]["status"]) == (5.5, "achieved")
    assert (status["monthly_income"]["current_value"], status["monthly_income"]["status"]) == (120, "achieved")
    assert (status["portfolio_value"]["current_value"], status["portfolio_value"]["status"]) == (42200, "at_risk")
    history = api.get("/goals/history/portfolio_value", query={"days": 365}).body["history"]
    assert [row["date"] for row in history] == [day_two.date().isoformat(), day_one.date().isoformat()]
    assert history[0] == {
        "date": day_two.date().isoformat(),
        "actual_value": 42200,
        "target_value": 50000,
        "variance_percent": -15.6,
        "status": "at_risk",
    }
    assert len(alerts_of(api, "goal_achieved")) == 2
    assert len(alerts_of(api, "goal_at_risk")) == 1


def test_a_month_rolls_over_on_the_first(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 1000})
    last_day = NOW.replace(day=1, hour=23, minute=59, second=0, microsecond=0) - timedelta(days=1)
    run_end_of_day(last_day - timedelta(days=1))
    api.post("/goals/record-profit", query={"profit": 300})  # recorded in this (real) month
    client().update_item(  # ... and some in the month that ends: it must not follow into the new one
        TableName="test-data",
        Key={"pk": {"S": keys.user_pk("alice")}, "sk": {"S": keys.month_sk(last_day.strftime("%Y-%m"))}},
        UpdateExpression="ADD recorded_profit :p",
        ExpressionAttributeValues={":p": {"N": "77"}},
    )
    run_end_of_day(last_day)
    # r2: /goals/status shows this month's income as it stands; the evaluation of the month that ends
    # counted only that month's (its history row).
    [ended] = api.get("/goals/history/monthly_income", query={"days": 365}).body["history"][:1]
    assert (ended["date"], ended["actual_value"]) == (last_day.date().isoformat(), 77)
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 1100})
    first = last_day + timedelta(days=1)
    run_end_of_day(first)
    status = goal_status(api)
    assert status["monthly_income"]["current_value"] == 300  # the new month: only what it recorded
    assert status["monthly_return"]["current_value"] == 0  # its first evaluation sets its start value


def test_a_rerun_after_a_crash_half_way_finishes_without_duplicates(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from goalpost.services import end_of_day

    api.call("PUT", "/portfolio/cash", body={"cash_balance": 48000})
    api.post("/goals", {"name": "Trip", "type": "savings", "target_amount": 1000,
                        "deadline": (NOW + timedelta(days=5)).date().isoformat()})  # fmt: skip
    when = NOW.replace(hour=23, minute=59, second=0, microsecond=0)
    original = end_of_day.evaluate_personal_goals

    def crash(*args: Any) -> Any:
        raise RuntimeError("Lambda timed out")

    monkeypatch.setattr(end_of_day, "evaluate_personal_goals", crash)
    summary = JobRunner(registry, retry_after_seconds=0).run("end_of_day_goals", when)
    assert summary["worker"]["failed"] == 1  # the batch stays queued for a retry
    monkeypatch.setattr(end_of_day, "evaluate_personal_goals", original)
    # SQS delivers the batch again once its visibility timeout is over (0 here); the retry finishes the day.
    job = declaration.JOBS_BY_NAME["end_of_day_goals"]
    assert job.worker is not None
    assert job.queue is not None
    assert drain_queue(registry, job.worker, job.queue)["messages"] == 1
    history = api.get("/goals/history/portfolio_value").body["history"]
    assert len(history) == 1
    assert len(alerts_of(api, "deadline_imminent")) == 1
    assert len(alerts_of(api, "goal_at_risk")) == 0  # 96 %: on track, no status alert


def test_personal_goals_are_checked_each_evening(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 30000})
    worth = api.post("/goals", {"name": "Net 50k", "type": "portfolio_value", "target_amount": 50000}).body
    created = datetime.fromisoformat(worth["created_at"])
    late = api.post(
        "/goals",
        {"name": "Car", "type": "savings", "target_amount": 1000, "deadline": (NOW + timedelta(days=20)).isoformat()},
    ).body
    evening = NOW.replace(hour=23, minute=59, second=0, microsecond=0)
    run_end_of_day(evening)
    calculated = api.get(f"/goals/{worth['id']}/progress/history").body
    assert [(e["source"], e["value_at_period"]) for e in calculated] == [("calculated", 30000)]
    assert alerts_of(api, "deadline_approaching")[0]["goal_id"] == late["id"]
    run_end_of_day(evening + timedelta(days=1))  # the next day: falls behind the pace its deadline needs
    assert [a["goal_id"] for a in alerts_of(api, "off_track")] == [late["id"]]
    api.patch(f"/goals/{late['id']}", {"current_amount": 1000})
    run_end_of_day(evening + timedelta(days=2))
    assert [a["goal_id"] for a in alerts_of(api, "back_on_track")] == [late["id"]]  # reached: on track again
    run_end_of_day(evening + timedelta(days=2, seconds=30))  # a rerun of that evening raises nothing new
    assert len(alerts_of(api, "back_on_track")) == 1
    assert len(alerts_of(api, "deadline_approaching")) == 1  # once per goal and deadline
    assert created <= datetime.now(UTC)


def test_a_target_change_logs_the_portfolio_value_at_that_moment(api: Api) -> None:
    """Valued live, not as the last evaluation left it: no evaluation has run yet here."""
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 1234.5})
    api.call("PUT", "/goals/targets", query={"monthly_income_target": 2500})
    assert api.get("/goals/targets/history").body[0]["portfolio_value"] == 1234.5


def test_a_user_without_a_portfolio_is_evaluated_without_a_warning(api: Api, capfd: pytest.CaptureFixture[str]) -> None:
    """A user who simply has no portfolio yet has no month start value: a normal state, not a WARNING line on
    the console of every end of day."""
    assert api.post("/goals", {"name": "Fund", "type": "savings", "target_amount": 100}).status == 201
    capfd.readouterr()
    assert run_end_of_day(NOW.replace(day=2, hour=23, minute=59))["users"] == 1
    printed = capfd.readouterr()
    assert '"level":"WARNING"' not in (printed.out + printed.err).replace(" ", "")
