"""Progress entries, milestones, funding links and the lifecycle routes, through the handlers over moto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from goalpost.data import goals as goal_store
from goalpost.data import keys
from goalpost.domain.funding import MAX_LINKS_PER_GOAL
from tests.handlers.conftest import Api
from tests.handlers.test_goals_api import stored_items

TODAY = datetime.now(UTC).date()
SAVINGS = {"name": "Emergency Fund", "type": "savings", "target_amount": 10000, "current_amount": 1000}


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def new_goal(api: Api, **fields: Any) -> str:
    reply = api.post("/goals", {**SAVINGS, **fields})
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


def entries_of(goal_id: str, user: str = "alice") -> list[dict[str, Any]]:
    return [
        i
        for i in stored_items("test-data", keys.goal_children_pk(user, goal_id))
        if i["sk"]["S"].startswith("PROGRESS#")
    ]


def alert_types(api: Api) -> list[str]:
    return sorted(a["alert_type"] for a in api.get("/alerts").body)


# ---------------------------------------------------------------- progress


def test_value_sets_and_contribution_adds(api: Api) -> None:
    goal_id = new_goal(api)
    entry = api.post(f"/goals/{goal_id}/progress", {"value": 2000, "notes": "bonus"})
    assert entry.status == 201
    assert entry.body["value_at_period"] == 2000
    assert entry.body["contribution_amount"] == 1000
    assert entry.body["source"] == "manual"
    assert entry.body["period_date"] == TODAY.isoformat()
    assert entry.body["progress_percent"] == 20.0
    assert entry.body["notes"] == "bonus"
    added = api.post(f"/goals/{goal_id}/progress", {"contribution_amount": -250.5}).body
    assert added["value_at_period"] == 1749.5
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == 1749.5


def test_a_back_dated_entry_never_overrides_a_newer_one(api: Api) -> None:
    goal_id = new_goal(api)
    api.post(f"/goals/{goal_id}/progress", {"value": 3000, "period_date": days_ago(5)})
    older = api.post(f"/goals/{goal_id}/progress", {"contribution_amount": 100, "period_date": days_ago(20)})
    assert older.status == 201
    assert older.body["value_at_period"] == 1100  # the amount it was created with, plus the contribution
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == 3000
    dated = api.post(f"/goals/{goal_id}/progress", {"value": 500, "period_date": days_ago(10) + "T08:00:00Z"})
    assert dated.body["period_date"] == days_ago(10)
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == 3000
    history = api.get(f"/goals/{goal_id}/progress/history").body
    assert [e["period_date"] for e in history] == [days_ago(5), days_ago(10), days_ago(20)]
    assert api.get(f"/goals/{goal_id}/progress").body["days_elapsed"] == 20


def test_bad_progress_is_rejected_and_stores_nothing(api: Api) -> None:
    goal_id = new_goal(api)
    for body in (
        {},
        {"value": 1, "contribution_amount": 1},
        {"value": -1},
        {"value": 1, "period_date": (TODAY + timedelta(days=1)).isoformat()},
        {"value": 1, "user_id": "bob"},
        {"value": "lots"},
        {"contribution_amount": 1, "notes": "x" * 1001},
    ):
        assert api.post(f"/goals/{goal_id}/progress", body).status == 422, body
    below_zero = api.post(f"/goals/{goal_id}/progress", {"contribution_amount": -1000.01})
    assert below_zero.status == 400
    assert entries_of(goal_id) == []
    assert api.get(f"/goals/{goal_id}").body["current_amount"] == 1000


def test_history_pages_newest_first(api: Api) -> None:
    goal_id = new_goal(api)
    for n in range(5):
        api.post(f"/goals/{goal_id}/progress", {"value": 1000 + n, "period_date": days_ago(10 - n)})
    first = api.get(f"/goals/{goal_id}/progress/history", query={"limit": 3})
    assert [e["value_at_period"] for e in first.body] == [1004, 1003, 1002]
    rest = api.get(
        f"/goals/{goal_id}/progress/history", query={"limit": 3, "next_token": first.headers["x-next-token"]}
    )
    assert [e["value_at_period"] for e in rest.body] == [1001, 1000]
    assert "x-next-token" not in rest.headers


def test_summary_follows_the_spec_formulas(api: Api) -> None:
    deadline = (TODAY + timedelta(days=304)).isoformat()
    goal_id = new_goal(api, current_amount=0, deadline=deadline)
    for days, value in ((60, 1000), (30, 2000), (0, 3000)):
        api.post(f"/goals/{goal_id}/progress", {"value": value, "period_date": days_ago(days)})
    summary = api.get(f"/goals/{goal_id}/progress").body
    assert summary["current_amount"] == 3000
    assert summary["percent_complete"] == 30.0
    assert summary["tracking_status"] == "on_track"  # r2: by pace (30 % done, 16 % of the time gone)
    assert summary["days_elapsed"] == 60
    assert summary["days_remaining"] == 304
    assert summary["current_monthly_pace"] == 1014.67  # 1000 per 30 days, per 30.44 days
    assert summary["required_monthly_contribution"] == 700.92  # 7000 / (304 / 30.44)
    assert summary["on_track"] is True  # 30 % done, 60/364 of the time gone
    assert summary["projected_completion_date"] == (TODAY + timedelta(days=210)).isoformat()  # 7000/1000*30
    assert summary["projected_final_value"] == 13133.33  # 3000 + 1000/30 * 304
    assert set(summary) == {
        "goal_id", "current_amount", "target_amount", "percent_complete", "status", "tracking_status", "deadline",
        "on_track", "days_elapsed", "days_remaining", "required_monthly_contribution", "current_monthly_pace",
        "projected_completion_date", "projected_final_value",
    }  # fmt: skip


def test_a_debt_goal_has_a_working_summary(api: Api) -> None:
    goal_id = new_goal(api, type="debt", target_amount=0, current_amount=8500)
    api.post(f"/goals/{goal_id}/progress", {"value": 8000, "period_date": days_ago(30)})
    api.post(f"/goals/{goal_id}/progress", {"contribution_amount": -1000})
    summary = api.get(f"/goals/{goal_id}/progress")
    assert summary.status == 200
    assert summary.body["current_amount"] == 7000
    assert summary.body["percent_complete"] == 17.65
    assert summary.body["current_monthly_pace"] == 1014.67  # positive: moving toward 0
    assert summary.body["projected_completion_date"] is not None
    assert summary.body["required_monthly_contribution"] == 0  # no deadline
    assert summary.body["projected_final_value"] is None


def test_final_goals_take_no_more_progress(api: Api) -> None:
    goal_id = new_goal(api)
    api.post(f"/goals/{goal_id}/complete")
    assert api.post(f"/goals/{goal_id}/progress", {"value": 5}).status == 409
    assert api.patch(f"/goals/{goal_id}", {"current_amount": 5}).status == 409
    assert api.patch(f"/goals/{goal_id}", {"name": "Done"}).status == 200


# ---------------------------------------------------------------- milestones


def test_milestones_are_reached_by_every_path_and_alert_once(api: Api, publishes: Any) -> None:
    goal_id = new_goal(api, current_amount=0, milestones=[{"amount": 2000, "description": "2k"}])
    added = api.post(f"/goals/{goal_id}/milestones", {"amount": 4000, "description": "4k", "target_date": "2099-01-01"})
    assert added.status == 201
    assert added.body["reached"] is False
    assert added.body["target_date"] == "2099-01-01"
    api.post(f"/goals/{goal_id}/progress", {"value": 2500})
    api.patch(f"/goals/{goal_id}", {"current_amount": 1000})  # falls back: reached stays reached
    api.patch(f"/goals/{goal_id}", {"current_amount": 4500})
    milestones = api.get(f"/goals/{goal_id}/milestones").body
    assert [(m["amount"], m["reached"], m["reached_date"]) for m in milestones] == [
        (2000, True, TODAY.isoformat()),
        (4000, True, TODAY.isoformat()),
    ]
    # 0 -> 2,500 of 10,000 in one step is also significant progress (r2), once this month
    assert alert_types(api) == ["milestone_25", "milestone_reached", "milestone_reached", "significant_progress"]
    assert sum(1 for p in publishes.all() if p.attributes["alert_type"] == "milestone_reached") == 2


def test_a_milestone_reached_when_added_is_marked_without_alert(api: Api) -> None:
    goal_id = new_goal(api, current_amount=5000)
    added = api.post(f"/goals/{goal_id}/milestones", {"amount": 3000, "description": "3k"}).body
    assert (added["reached"], added["reached_date"]) == (True, TODAY.isoformat())
    assert alert_types(api) == []


def test_milestone_progress_and_direction(api: Api) -> None:
    goal_id = new_goal(
        api,
        type="debt_payoff",
        target_amount=0,
        current_amount=9000,
        milestones=[{"amount": a, "description": str(a)} for a in (3000, 6000, 8000)],
    )
    assert [m["amount"] for m in api.get(f"/goals/{goal_id}/milestones").body] == [8000, 6000, 3000]
    api.post(f"/goals/{goal_id}/progress", {"value": 7000})
    report = api.get(f"/goals/{goal_id}/milestones/progress").body
    assert report["total_milestones"] == 3
    assert report["reached_count"] == 1
    assert report["percent_complete"] == 33.33
    assert report["next_milestone"]["amount"] == 6000
    empty = api.get(f"/goals/{new_goal(api)}/milestones/progress").body
    assert (empty["total_milestones"], empty["percent_complete"], empty["next_milestone"]) == (0, 0, None)


def test_a_goal_holds_at_most_40_milestones(api: Api) -> None:
    goal_id = new_goal(api, milestones=[{"amount": n, "description": "m"} for n in range(40)])
    assert api.post(f"/goals/{goal_id}/milestones", {"amount": 1, "description": "one more"}).status == 400
    assert api.post(f"/goals/{goal_id}/milestones", {"amount": -1, "description": "x"}).status == 422


# ---------------------------------------------------------------- funding


def test_funding_links_and_the_100_percent_rule(api: Api) -> None:
    goal_id = new_goal(api)
    link = api.post(
        f"/goals/{goal_id}/funding", {"account_id": "savings_001", "account_name": "HYS", "allocation_percent": 60}
    )
    assert link.status == 201
    assert link.body == {"account_id": "savings_001", "account_name": "HYS", "allocation_percent": 60}
    assert api.post(f"/goals/{goal_id}/funding", {"account_id": "checking", "allocation_percent": 40.5}).status == 400
    over = api.post(f"/goals/{goal_id}/funding", {"account_id": "checking", "allocation_percent": 41})
    assert over.body == {"detail": "Total allocation would exceed 100%"}
    assert api.post(f"/goals/{goal_id}/funding", {"account_id": "checking", "allocation_percent": 40}).status == 201
    assert api.post(f"/goals/{goal_id}/funding", {"account_id": "checking", "allocation_percent": 1}).status == 409
    assert api.patch(f"/goals/{goal_id}/funding/checking", {"allocation_percent": 41}).status == 400
    assert api.patch(f"/goals/{goal_id}/funding/checking", {"allocation_percent": 30}).body["allocation_percent"] == 30
    assert api.patch(f"/goals/{goal_id}/funding/nope", {"allocation_percent": 1}).status == 404
    assert api.delete(f"/goals/{goal_id}/funding/nope").status == 404
    assert api.delete(f"/goals/{goal_id}/funding/savings_001").status == 204
    assert api.get(f"/goals/{goal_id}/funding").body == [
        {"account_id": "checking", "account_name": None, "allocation_percent": 30}
    ]
    assert goal_store.get("test-data", "alice", goal_id).allocation_total == 30  # type: ignore[union-attr]
    # An account may fund several goals.
    assert (
        api.post(f"/goals/{new_goal(api)}/funding", {"account_id": "checking", "allocation_percent": 100}).status == 201
    )


def test_bad_funding_is_422(api: Api) -> None:
    goal_id = new_goal(api)
    for body in (
        {"account_id": "a", "allocation_percent": 0},
        {"account_id": "a", "allocation_percent": 100.01},
        {"account_id": "a b", "allocation_percent": 5},
        {"account_id": "", "allocation_percent": 5},
        {"allocation_percent": 5},
        {"account_id": "a", "allocation_percent": 5, "user_id": "bob"},
    ):
        assert api.post(f"/goals/{goal_id}/funding", body).status == 422, body
    assert api.post("/goals/missing/funding", {"account_id": "a", "allocation_percent": 5}).status == 404


def test_concurrent_links_never_pass_100(api: Api) -> None:
    goal_id = new_goal(api)

    def link(n: int) -> int:
        return api.post(f"/goals/{goal_id}/funding", {"account_id": f"acct-{n}", "allocation_percent": 10}).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(link, range(20)))
    assert sorted(statuses) == [201] * 10 + [400] * 10
    assert sum(s["allocation_percent"] for s in api.get(f"/goals/{goal_id}/funding").body) == 100


def test_at_most_25_funding_sources_also_under_concurrent_links(api: Api) -> None:
    goal_id = new_goal(api)

    def link(n: int) -> int:
        return api.post(f"/goals/{goal_id}/funding", {"account_id": f"acct-{n}", "allocation_percent": 1}).status

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(link, range(MAX_LINKS_PER_GOAL + 5)))
    assert sorted(statuses) == [201] * MAX_LINKS_PER_GOAL + [400] * 5
    past = api.post(f"/goals/{goal_id}/funding", {"account_id": "one-more", "allocation_percent": 1})
    assert (past.status, past.body) == (400, {"detail": f"A goal has at most {MAX_LINKS_PER_GOAL} funding sources"})
    assert len(api.get(f"/goals/{goal_id}/funding", query={"limit": 100}).body) == MAX_LINKS_PER_GOAL
    # An update changes no count; an unlink frees a place.
    assert api.patch(f"/goals/{goal_id}/funding/acct-0", {"allocation_percent": 2}).status == 200
    assert api.delete(f"/goals/{goal_id}/funding/acct-0").status == 204
    assert api.post(f"/goals/{goal_id}/funding", {"account_id": "one-more", "allocation_percent": 1}).status == 201
    # Goal updates never write the count back.
    assert api.patch(f"/goals/{goal_id}", {"name": "renamed"}).status == 200
    assert api.post(f"/goals/{goal_id}/funding", {"account_id": "and-another", "allocation_percent": 1}).status == 400


def test_a_goal_update_never_puts_back_a_stale_allocation_total(api: Api) -> None:
    goal_id = new_goal(api)

    def work(n: int) -> int:
        if n % 4 == 0:
            return api.patch(f"/goals/{goal_id}", {"name": f"name {n}"}).status
        return api.post(f"/goals/{goal_id}/funding", {"account_id": f"a{n}", "allocation_percent": 5}).status

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sorted(pool.map(work, range(20))) == [200] * 5 + [201] * 15
    assert goal_store.get("test-data", "alice", goal_id).allocation_total == 75  # type: ignore[union-attr]


# ---------------------------------------------------------------- lifecycle and deletion


def test_lifecycle_routes(api: Api) -> None:
    goal_id = new_goal(api)
    assert api.post(f"/goals/{goal_id}/pause").body["status"] == "paused"
    assert api.post(f"/goals/{goal_id}/pause").status == 200  # already there: nothing changes
    assert api.post(f"/goals/{goal_id}/complete").status == 409  # paused goals resume first
    assert api.post(f"/goals/{goal_id}/resume").body["status"] == "active"
    completed = api.post(f"/goals/{goal_id}/complete").body
    assert completed["status"] == "completed"
    assert completed["completed_at"] is not None
    for action in ("pause", "resume", "abandon"):
        assert api.post(f"/goals/{goal_id}/{action}").status == 409
    abandoned = new_goal(api)
    assert api.post(f"/goals/{abandoned}/abandon").body["status"] == "abandoned"
    assert api.post(f"/goals/{abandoned}/complete").status == 409
    assert api.post("/goals/missing/pause").status == 404


def test_another_users_goal_is_404_everywhere(api: Api) -> None:
    goal_id = new_goal(api)
    api.post(f"/goals/{goal_id}/funding", {"account_id": "a", "allocation_percent": 5})
    for method, path, body in (
        ("GET", "/progress", None),
        ("POST", "/progress", {"value": 1}),
        ("GET", "/progress/history", None),
        ("POST", "/milestones", {"amount": 1, "description": "m"}),
        ("GET", "/milestones", None),
        ("GET", "/milestones/progress", None),
        ("POST", "/funding", {"account_id": "b", "allocation_percent": 5}),
        ("GET", "/funding", None),
        ("PATCH", "/funding/a", {"allocation_percent": 1}),
        ("DELETE", "/funding/a", None),
        ("POST", "/pause", None),
        ("POST", "/complete", None),
    ):
        assert api.call(method, f"/goals/{goal_id}{path}", body=body, user="mallory").status == 404, path


def test_goals_per_user_are_capped_also_under_concurrency(api: Api, monkeypatch: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from goalpost.data import goals as goal_data

    monkeypatch.setattr(goal_data, "MAX_GOALS_PER_USER", 5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: api.post("/goals", {**SAVINGS, "name": f"g{n}"}).status, range(8)))
    assert sorted(statuses) == [201] * 5 + [400] * 3
    assert len(api.get("/goals").body) == 5
    first = api.get("/goals").body[0]["id"]
    assert api.delete(f"/goals/{first}").status == 204  # a delete frees a place
    assert api.post("/goals", SAVINGS).status == 201
    assert api.post("/goals", SAVINGS).status == 400
