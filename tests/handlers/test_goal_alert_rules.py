"""The r2 goal alerts through the handlers, over moto: ``significant_progress`` on every path that moves a goal,
the end-of-day ``suggested_adjustment`` at month end, and goals that follow the portfolio (``auto:portfolio``),
each once under reruns and concurrent runs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost.services import end_of_day
from tests.handlers.conftest import Api
from tests.handlers.test_portfolio_accounts import BINANCE, synced
from tests.handlers.test_trading_goals import alerts_of, run_end_of_day

NOW = datetime.now(UTC)


def month_end_after(moment: datetime) -> datetime:
    """23:59 on the last day of the month after ``moment``'s."""
    first_after_next = (moment.replace(day=1) + timedelta(days=62)).replace(day=1)
    return (first_after_next - timedelta(days=1)).replace(hour=23, minute=59, second=0, microsecond=0)


def new_goal(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": "Emergency Fund", "type": "savings", "target_amount": 10000, **fields}
    reply = api.post("/goals", body)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def test_one_change_of_a_tenth_of_the_way_is_significant_progress_once_a_month(api: Api) -> None:
    goal = new_goal(api)
    api.patch(f"/goals/{goal['id']}", {"current_amount": 500})  # 5 %: not significant
    assert alerts_of(api, "significant_progress") == []
    api.post(f"/goals/{goal['id']}/progress", {"contribution_amount": 1000})  # 10 % in one step
    [alert] = alerts_of(api, "significant_progress")
    assert alert["goal_id"] == goal["id"]
    assert alert["action_url"] == f"/app/goals/{goal['id']}"
    assert "$1,000.00" in alert["message"]
    assert "$1,500.00 of $10,000.00" in alert["message"]
    api.patch(f"/goals/{goal['id']}", {"current_amount": 4000})  # again this month: no second alert
    assert len(alerts_of(api, "significant_progress")) == 1


def test_budget_sync_raises_significant_progress(api: Api) -> None:
    debt = new_goal(api, name="Card", type="debt_payoff", target_amount=0, current_amount=3000, tags=["debt:card"])
    today = datetime.now(UTC)
    budget = {"period_year": today.year, "period_month": today.month, "debts": [{"id": "card", "balance": 2500}]}
    assert api.post("/goals/sync-from-budget", budget).status == 200  # 500 of 3,000 paid down: 16.7 %
    assert [a["goal_id"] for a in alerts_of(api, "significant_progress")] == [debt["id"]]


def test_month_end_suggests_both_ways_back_once(api: Api) -> None:
    behind = new_goal(api, current_amount=0, deadline=(NOW + timedelta(days=300)).isoformat())
    new_goal(api, name="Fine", current_amount=9900, deadline=(NOW + timedelta(days=300)).isoformat())
    new_goal(api, name="No deadline", current_amount=0)
    month_end = month_end_after(NOW)
    run_end_of_day(month_end - timedelta(days=1))  # not the month's last day
    assert alerts_of(api, "suggested_adjustment") == []
    run_end_of_day(month_end)
    run_end_of_day(month_end + timedelta(seconds=30))  # a rerun of that evening
    with ThreadPoolExecutor(max_workers=2) as pool:  # and two concurrent runs
        list(pool.map(lambda _: end_of_day.evaluate_user("alice", month_end + timedelta(seconds=40)), range(2)))
    [alert] = alerts_of(api, "suggested_adjustment")
    assert alert["goal_id"] == behind["id"]
    assert alert["action_url"] == f"/app/goals/{behind['id']}"
    assert "/month to reach Emergency Fund by " in alert["message"]
    assert "never" in alert["message"]  # no pace yet


def history(api: Api, goal: dict[str, Any]) -> list[tuple[str, float]]:
    entries = api.get(f"/goals/{goal['id']}/progress/history").body
    return [(e["source"], e["value_at_period"]) for e in entries]


def test_auto_portfolio_goals_follow_the_portfolio_once_per_run(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 30000})
    worth = new_goal(
        api,
        name="Net 50k",
        type="net_worth",
        target_amount=50000,
        tags=["auto:portfolio"],
        milestones=[{"amount": 25000, "description": "Half way"}],
    )
    typed = new_goal(api, name="Typed", type="investment", target_amount=50000)
    evening = NOW.replace(hour=23, minute=59, second=0, microsecond=0)
    run_end_of_day(evening)
    assert history(api, worth) == [("calculated", 30000)]
    assert api.get(f"/goals/{worth['id']}").body["current_amount"] == api.get("/portfolio/current").body["total_value"]
    assert history(api, typed) == []
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 31000})
    run_end_of_day(evening)  # a retry of the same run, after the value moved: no second entry
    assert history(api, worth) == [("calculated", 30000)]
    run_end_of_day(evening + timedelta(days=1))
    assert history(api, worth) == [("calculated", 31000), ("calculated", 30000)]
    run_end_of_day(evening + timedelta(days=2))  # unchanged: no entry
    assert len(history(api, worth)) == 2
    assert [a["goal_id"] for a in alerts_of(api, "milestone_reached")] == [worth["id"]]
    assert [a["goal_id"] for a in alerts_of(api, "significant_progress")] == [worth["id"]]


def test_an_auto_portfolio_goal_counts_the_connected_accounts_cash(api: Api) -> None:
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 40000})
    synced("alice", BINANCE)
    worth = new_goal(api, name="Net", type="investment_target", target_amount=90000, tags=["auto:portfolio"])
    run_end_of_day(NOW.replace(hour=23, minute=59, second=0, microsecond=0))
    live = api.get("/portfolio/current").body["total_value"]
    assert live == 41000.1
    assert api.get(f"/goals/{worth['id']}").body["current_amount"] == live


def test_the_most_one_evening_can_raise_for_a_goal_fits_its_transaction(api: Api) -> None:
    """40 milestones, 25/50/75 %, significant progress, deadline_imminent, off_track and suggested_adjustment:
    47 alerts (95 items with their guards and the unread counter), the goal and its calculated entry: 97 of
    the 100 a transaction holds (99 on a 28 February that is also the goal's reminder day)."""
    month_end = month_end_after(NOW)
    milestones = [{"amount": 1000 * (n + 1), "description": f"m{n}"} for n in range(40)]
    deadline = (month_end + timedelta(days=2)).isoformat()
    goal = new_goal(
        api, type="net_worth", target_amount=100000, deadline=deadline, tags=["auto:portfolio"], milestones=milestones
    )
    run_end_of_day(NOW.replace(hour=23, minute=59, second=0, microsecond=0))  # on track: the first look
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 80000})
    run_end_of_day(month_end)
    raised = [a["alert_type"] for a in api.get("/alerts", query={"limit": 100}).body if a["goal_id"] == goal["id"]]
    assert len(raised) == 47, sorted(raised)
    assert {"significant_progress", "deadline_imminent", "off_track", "suggested_adjustment"} <= set(raised)
