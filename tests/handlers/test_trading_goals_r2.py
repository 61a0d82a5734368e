"""Trading goals, revision 2: the month's start value counts the 1st, status alerts once per period with
their figures and units, a target change raises them, record-profit honours Idempotency-Key, and the monthly
income goal moves at once with record-profit and every close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from goalpost.data import snapshots as snapshot_store
from goalpost.domain.charts import SLOT
from tests.handlers.conftest import Api
from tests.handlers.test_portfolio_api import open_position
from tests.handlers.test_trading_goals import alerts_of, goal_status, run_end_of_day

DATA, SNAPSHOTS = "test-data", "test-snapshots"
NOW = datetime.now(UTC)
MONTH_START = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def seed_snapshot(slot: datetime, total: int) -> None:
    snapshot = {"slot": slot, "total_value": Decimal(total), "cash_balance": Decimal(total), "investment_value": 0}
    snapshot["positions"] = []
    snapshot_store.put_snapshots(SNAPSHOTS, [snapshot_store.snapshot_item("alice", slot, snapshot)])


def income_alerts(api: Api, alert_type: str) -> list[dict[str, Any]]:
    return [a for a in alerts_of(api, alert_type) if a["goal_id"] == "trading-monthly_income"]


def test_the_months_return_counts_the_first_from_the_last_snapshot_before_it(api: Api) -> None:
    seed_snapshot(MONTH_START - 2 * SLOT, 9000)
    seed_snapshot(MONTH_START - SLOT, 10000)  # the last one at or before 00:00 on the 1st
    seed_snapshot(MONTH_START + SLOT, 10100)  # after it: not the start
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 10500})
    run_end_of_day(MONTH_START.replace(hour=23, minute=59))  # the month's first evaluation
    assert goal_status(api)["monthly_return"]["current_value"] == 5  # (10500 - 10000) / 10000


def test_without_a_snapshot_in_the_last_day_before_the_month_the_first_evaluation_is_the_start(api: Api) -> None:
    seed_snapshot(MONTH_START - timedelta(hours=24, minutes=5), 5000)  # more than 24 hours before
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 10500})
    run_end_of_day(MONTH_START.replace(hour=23, minute=59))
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 11025})
    run_end_of_day(MONTH_START.replace(hour=23, minute=59) + timedelta(days=1))
    assert goal_status(api)["monthly_return"]["current_value"] == 5  # (11025 - 10500) / 10500


def test_a_monthly_goals_status_alert_is_raised_once_a_month(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 1000})  # in the registry: the job evaluates alice
    first = MONTH_START.replace(hour=23, minute=59)
    for day, profit in enumerate((1800, -1000, 1000, -1000)):  # on track, behind, on track, behind
        api.post("/goals/record-profit", query={"profit": profit})
        run_end_of_day(first + timedelta(days=day))
    assert goal_status(api)["monthly_income"]["status"] == "behind"
    assert len(income_alerts(api, "goal_behind")) == 1  # not once a day


def test_the_alert_message_carries_the_figures_with_their_units(api: Api) -> None:
    goal_status(api)
    api.post("/goals/record-profit", query={"profit": 1450})
    [alert] = income_alerts(api, "goal_at_risk")
    assert "Monthly income: $1,450.00 of $2,000.00 (72.5%)" in alert["message"]


def test_a_target_change_that_moves_the_status_raises_its_alert(api: Api) -> None:
    api.post("/goals/record-profit", query={"profit": 1500})  # 75 %: at risk
    assert income_alerts(api, "goal_achieved") == []
    api.call("PUT", "/goals/targets", query={"monthly_income_target": 1500})
    income = goal_status(api)["monthly_income"]
    assert (income["current_value"], income["progress_percent"], income["status"]) == (1500, 100, "achieved")
    [achieved] = income_alerts(api, "goal_achieved")
    assert "Monthly income: $1,500.00 of $1,500.00 (100%)" in achieved["message"]
    api.call("PUT", "/goals/targets", query={"monthly_income_target": 1400})  # still achieved: no new alert
    assert len(income_alerts(api, "goal_achieved")) == 1


def test_record_profit_honours_idempotency_key(api: Api) -> None:
    headers = {"Idempotency-Key": "profit-1"}
    first = api.post("/goals/record-profit", query={"profit": 150}, headers=headers)
    again = api.post("/goals/record-profit", query={"profit": 150}, headers=headers)
    assert (again.status, again.body) == (first.status, first.body)
    assert first.body["month_to_date"] == 150
    assert goal_status(api)["monthly_income"]["current_value"] == 150
    other = api.post("/goals/record-profit", query={"profit": 99}, headers=headers)
    assert other.status == 422
    assert api.post("/goals/record-profit", query={"profit": 150}).body["month_to_date"] == 300


def test_record_profit_moves_the_monthly_income_goal_at_once(api: Api) -> None:
    goal_status(api)
    api.post("/goals/record-profit", query={"profit": 2100})
    income = goal_status(api)["monthly_income"]
    assert (income["current_value"], income["progress_percent"], income["status"]) == (2100, 105, "achieved")
    assert len(income_alerts(api, "goal_achieved")) == 1


def test_a_close_moves_the_monthly_income_goal_at_once_with_its_alert(api: Api) -> None:
    goal_status(api)
    position = open_position("alice", "AAPL", "10", "100")
    assert api.post(f"/positions/{position.id}/close", {"exit_price": 310}).status == 200  # +2100
    income = goal_status(api)["monthly_income"]
    assert (income["current_value"], income["status"]) == (2100, "achieved")
    [achieved] = income_alerts(api, "goal_achieved")
    assert "$2,100.00 of $2,000.00" in achieved["message"]
    assert api.call("DELETE", f"/positions/{position.id}").status == 204  # a mistaken entry: its P&L leaves
    assert goal_status(api)["monthly_income"]["current_value"] == 0


def test_a_close_by_a_user_who_never_looked_at_the_goals_creates_them(api: Api) -> None:
    position = open_position("alice", "AAPL", "10", "100")
    api.post(f"/positions/{position.id}/close", {"exit_price": 110})
    status = goal_status(api)
    assert status["monthly_income"]["current_value"] == 100
    assert status["portfolio_value"]["target_value"] == 50000


def test_a_failure_to_move_the_goal_does_not_fail_the_close_it_follows(api: Api, monkeypatch: Any) -> None:
    from goalpost.domain.errors import ConcurrentModification
    from goalpost.services import trading

    def contended(*_: Any, **__: Any) -> Decimal:
        raise ConcurrentModification("contended")

    monkeypatch.setattr(trading, "income_moved", contended)
    position = open_position("alice", "AAPL", "10", "100")
    assert api.post(f"/positions/{position.id}/close", {"exit_price": 110}).status == 200
    monkeypatch.undo()
    assert goal_status(api)["monthly_income"]["current_value"] == 100  # read as it stands all the same
