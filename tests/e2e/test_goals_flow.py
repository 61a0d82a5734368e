"""Personal finance goals end to end, over real HTTP against one local server started for this module:
lifecycle, progress entries and summaries, milestones and their alerts, funding links (also under concurrent
requests), deletion, dashboard, templates, budget sync, isolation and idempotency."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from goalpost.domain.templates import add_months
from tests.e2e.conftest import Client, HttpReply, start_server, stop_server

pytestmark = pytest.mark.e2e

OVER_ALLOCATED = "Total allocation would exceed 100%"
SUMMARY_FIELDS = {
    "goal_id",
    "current_amount",
    "target_amount",
    "percent_complete",
    "status",
    "tracking_status",
    "deadline",
    "on_track",
    "days_elapsed",
    "days_remaining",
    "required_monthly_contribution",
    "current_monthly_pace",
    "projected_completion_date",
    "projected_final_value",
}
ENTRY_FIELDS = {
    "id",
    "goal_id",
    "period_date",
    "value_at_period",
    "contribution_amount",
    "progress_percent",
    "on_track",
    "source",
    "recorded_at",
    "notes",
}
MILESTONE_FIELDS = {"id", "amount", "description", "target_date", "reached", "reached_date"}
TEMPLATE_IDS = {
    "emergency_fund_3_months",
    "emergency_fund_6_months",
    "debt_free",
    "house_down_payment",
    "retirement_target",
    "savings_rate_target",
}
_users = itertools.count()


@pytest.fixture(scope="module")
def api() -> Iterator[Client]:
    running = start_server("--schedules", "off")
    yield running.client
    stop_server(running)


def today() -> date:
    return datetime.now(UTC).date()


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def new_user(api: Client, name: str) -> str:
    return api.token(f"flow-{name}-{next(_users)}")


def create_goal(api: Client, token: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Goal", "type": "savings", "target_amount": 10000, **fields}
    reply = api.request("POST", "/goals", body, token=token)
    assert reply.status == 201, reply.text
    return dict(reply.json)


def ok(reply: HttpReply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.text)
    return reply.json if reply.text else None


def goal_alerts(api: Client, token: str, alert_type: str, goal_id: str) -> list[dict[str, Any]]:
    alerts = ok(api.request("GET", f"/alerts?type={alert_type}&limit=100", token=token))
    return [alert for alert in alerts if alert.get("goal_id") == goal_id]


def walk(api: Client, token: str, path: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list route, page by page through X-Next-Token; also returns the number of pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    url = f"{path}?limit={limit}"
    while True:
        reply = api.request("GET", url, token=token)
        page = ok(reply)
        pages += 1
        assert len(page) <= limit
        items += page
        next_token = reply.headers.get("x-next-token")
        if not next_token:
            return items, pages
        url = f"{path}?limit={limit}&next_token={next_token}"


# --- lifecycle -------------------------------------------------------------------------------------------------


def test_lifecycle_routes_allow_and_forbid_moves(api: Client) -> None:
    token = new_user(api, "lifecycle")
    goal = create_goal(api, token, current_amount=2500)
    path = f"/goals/{goal['id']}"
    assert goal["status"] == "active"
    assert goal["completed_at"] is None

    paused = ok(api.request("POST", f"{path}/pause", token=token))
    assert paused["status"] == "paused"
    assert paused["id"] == goal["id"]
    conflict = api.request("POST", f"{path}/complete", token=token)  # paused -> completed is not a move
    assert conflict.status == 409
    assert isinstance(conflict.json["detail"], str)
    assert ok(api.request("POST", f"{path}/resume", token=token))["status"] == "active"

    completed = ok(api.request("POST", f"{path}/complete", token=token))
    assert completed["status"] == "completed"
    assert completed["completed_at"] is not None
    completed_at = datetime.fromisoformat(completed["completed_at"].replace("Z", "+00:00"))
    assert completed_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - completed_at) < timedelta(minutes=5)
    for action in ("resume", "pause", "abandon"):
        reply = api.request("POST", f"{path}/{action}", token=token)
        assert reply.status == 409, action
        assert "detail" in reply.json
    stored = ok(api.request("GET", path, token=token))
    assert stored["status"] == "completed"
    assert stored["completed_at"] == completed["completed_at"]

    abandoned_goal = create_goal(api, token)
    other = f"/goals/{abandoned_goal['id']}"
    abandoned = ok(api.request("POST", f"{other}/abandon", token=token))
    assert abandoned["status"] == "abandoned"
    assert abandoned["completed_at"] is None
    for action in ("complete", "resume", "pause"):
        assert api.request("POST", f"{other}/{action}", token=token).status == 409, action
    assert ok(api.request("GET", other, token=token))["status"] == "abandoned"

    paused_goal = create_goal(api, token)
    third = f"/goals/{paused_goal['id']}"
    ok(api.request("POST", f"{third}/pause", token=token))
    assert ok(api.request("POST", f"{third}/abandon", token=token))["status"] == "abandoned"

    for action in ("pause", "resume", "complete", "abandon"):
        assert api.request("POST", f"/goals/no-such-goal/{action}", token=token).status == 404


# --- a decreasing goal -------------------------------------------------------------------------------------------


def test_debt_goal_moves_down_toward_zero(api: Client) -> None:
    token = new_user(api, "debt")
    goal = create_goal(
        api, token, name="Credit card", type="debt", target_amount=0, current_amount=8500, deadline=day(365)
    )
    path = f"/goals/{goal['id']}"
    assert goal["type"] == "debt"
    assert goal["start_amount"] == 8500.0
    assert goal["current_amount"] == 8500.0
    assert goal["percent_complete"] == 0.0
    assert goal["tracking_status"] == "on_track"  # r2: by pace; nothing is expected of a new goal yet

    # Milestones of a decreasing goal are ordered downward and reached at or below their amount.
    for amount in (2000, 6000):
        ok(
            api.request("POST", f"{path}/milestones", {"amount": amount, "description": f"<= {amount}"}, token=token),
            201,
        )
    assert [m["amount"] for m in ok(api.request("GET", f"{path}/milestones", token=token))] == [6000.0, 2000.0]

    entry = ok(api.request("POST", f"{path}/progress", {"value": 7000, "period_date": day(-30)}, token=token), 201)
    assert entry["value_at_period"] == 7000.0
    assert entry["progress_percent"] == 17.65
    patched = ok(api.request("PATCH", path, {"current_amount": 5000}, token=token))
    assert patched["percent_complete"] == 41.18  # 3500 / 8500
    assert patched["tracking_status"] == "on_track"  # r2: by pace (41 % done, 30 of 395 days gone)
    assert patched["start_amount"] == 8500.0
    milestones = patched["milestones"]
    assert [(m["amount"], m["reached"]) for m in milestones] == [(6000.0, True), (2000.0, False)]
    assert milestones[0]["reached_date"] == today().isoformat()

    summary = ok(api.request("GET", f"{path}/progress", token=token))
    assert set(summary) >= SUMMARY_FIELDS
    assert summary["goal_id"] == goal["id"]
    assert summary["current_amount"] == 5000.0
    assert summary["target_amount"] == 0.0
    assert summary["percent_complete"] == 41.18
    assert summary["status"] == "active"
    assert summary["tracking_status"] == "on_track"  # r2: by pace, as on_track says
    assert summary["days_elapsed"] == 30  # the first entry is older than the goal
    assert summary["days_remaining"] == 365
    assert summary["on_track"] is True
    # Two points, 30 days apart, 2000 down: 2000 / 30 * 30.44 a month, positive because it is toward 0.
    assert summary["current_monthly_pace"] == pytest.approx(2029.33, abs=0.01)
    assert summary["required_monthly_contribution"] == pytest.approx(5000 / (365 / 30.44), abs=0.01)
    assert summary["projected_completion_date"] == day(75)
    assert summary["projected_final_value"] == 0.0

    # r2: by pace, and this goal is well ahead of it (was "at_risk" at 76.47 % by percent alone)
    expected = [(2000, 76.47, "on_track"), (1000, 88.24, "on_track"), (0, 100.0, "achieved")]
    for value, percent, tracking in expected:
        ok(api.request("POST", f"{path}/progress", {"value": value}, token=token), 201)
        current = ok(api.request("GET", path, token=token))
        assert (current["current_amount"], current["percent_complete"], current["tracking_status"]) == (
            float(value),
            percent,
            tracking,
        )
    assert current["status"] == "active"  # reaching the target does not complete the goal
    assert all(m["reached"] for m in current["milestones"])

    reached = ok(api.request("GET", f"{path}/progress", token=token))
    assert reached["percent_complete"] == 100.0
    assert reached["tracking_status"] == "achieved"
    assert reached["required_monthly_contribution"] == 0.0
    assert reached["projected_completion_date"] == today().isoformat()
    assert len(goal_alerts(api, token, "goal_completed", goal["id"])) == 1


# --- progress entries --------------------------------------------------------------------------------------------


def test_progress_entries_summary_and_history(api: Client) -> None:
    token = new_user(api, "progress")
    goal = create_goal(api, token, current_amount=1000, deadline=day(300))
    path = f"/goals/{goal['id']}"
    assert ok(api.request("GET", f"{path}/progress/history", token=token)) == []  # creating records none

    first = ok(api.request("POST", f"{path}/progress", {"value": 3000, "period_date": day(-20)}, token=token), 201)
    assert set(first) == ENTRY_FIELDS
    assert first["goal_id"] == goal["id"]
    assert first["period_date"] == day(-20)
    assert first["value_at_period"] == 3000.0
    assert first["contribution_amount"] == 2000.0
    assert first["progress_percent"] == 30.0
    assert first["source"] == "manual"
    assert first["notes"] is None
    assert isinstance(first["on_track"], bool)
    assert datetime.fromisoformat(first["recorded_at"].replace("Z", "+00:00")).utcoffset() == timedelta(0)

    second = ok(
        api.request("POST", f"{path}/progress", {"contribution_amount": 500, "period_date": day(-10)}, token=token),
        201,
    )
    assert (second["value_at_period"], second["contribution_amount"]) == (3500.0, 500.0)
    third = ok(api.request("POST", f"{path}/progress", {"contribution_amount": 1500}, token=token), 201)
    assert third["period_date"] == today().isoformat()
    assert third["value_at_period"] == 5000.0
    withdrawal = ok(
        api.request("POST", f"{path}/progress", {"contribution_amount": -1000, "notes": "car repair"}, token=token), 201
    )
    assert (withdrawal["value_at_period"], withdrawal["contribution_amount"]) == (4000.0, -1000.0)
    assert withdrawal["notes"] == "car repair"
    assert ok(api.request("GET", path, token=token))["current_amount"] == 4000.0

    # A back-dated entry joins the history but never overrides the amount of a newer one.
    late = ok(api.request("POST", f"{path}/progress", {"value": 3200, "period_date": day(-15)}, token=token), 201)
    assert late["period_date"] == day(-15)
    assert late["value_at_period"] == 3200.0
    stored = ok(api.request("GET", path, token=token))
    assert stored["current_amount"] == 4000.0
    assert stored["percent_complete"] == 40.0

    # Rejected inputs: 422 and nothing recorded.
    for bad in (
        {"value": 1, "contribution_amount": 1},
        {},
        {"notes": "nothing"},
        {"value": 1, "period_date": day(2)},
        {"contribution_amount": 1, "period_date": f"{day(2)}T12:00:00Z"},
        {"value": -1},
        {"value": "lots"},
        {"value": 1, "surprise": True},
    ):
        reply = api.request("POST", f"{path}/progress", bad, token=token)
        assert reply.status == 422, bad
        assert isinstance(reply.json["detail"], list), bad
    assert api.request("POST", "/goals/no-such-goal/progress", {"value": 1}, token=token).status == 404
    assert ok(api.request("GET", path, token=token))["current_amount"] == 4000.0

    # History: newest first (by the day described, then by recording), paginated.
    history = ok(api.request("GET", f"{path}/progress/history", token=token))
    assert [e["value_at_period"] for e in history] == [4000.0, 5000.0, 3500.0, 3200.0, 3000.0]
    assert [e["id"] for e in history][-1] == first["id"]
    assert all(e["source"] == "manual" for e in history)
    paged, pages = walk(api, token, f"{path}/progress/history", 2)
    assert pages == 3
    assert [e["id"] for e in paged] == [e["id"] for e in history]
    single = api.request("GET", f"{path}/progress/history?limit=5", token=token)
    assert len(single.json) == 5
    assert not single.headers.get("x-next-token")
    for limit in (0, 101, "x"):
        assert api.request("GET", f"{path}/progress/history?limit={limit}", token=token).status == 422

    # The summary: every field of the contract, with the figures these entries give.
    summary = ok(api.request("GET", f"{path}/progress", token=token))
    assert set(summary) >= SUMMARY_FIELDS
    assert summary["goal_id"] == goal["id"]
    assert (summary["current_amount"], summary["target_amount"]) == (4000.0, 10000.0)
    assert summary["percent_complete"] == 40.0
    assert summary["status"] == "active"
    assert summary["tracking_status"] == "on_track"  # r2: by pace (40 % done, 20 of 320 days gone)
    assert summary["deadline"].startswith(day(300))
    assert summary["days_elapsed"] == 20
    assert summary["days_remaining"] == 300
    assert summary["on_track"] is True  # 40 % of the way after 20 of 320 days
    points = [(-20, 3000.0), (-15, 3200.0), (-10, 3500.0), (0, 5000.0), (0, 4000.0)]
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    per_day = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    assert summary["current_monthly_pace"] == pytest.approx(per_day * 30.44, abs=0.01)
    assert summary["required_monthly_contribution"] == pytest.approx(6000 / (300 / 30.44), abs=0.01)
    assert summary["projected_completion_date"] == day(round(6000 / per_day))
    assert summary["projected_final_value"] == pytest.approx(4000 + per_day * 300, abs=0.02)


# --- milestones and the alerts they raise ------------------------------------------------------------------------


def test_milestones_are_reached_once_by_any_path_and_alert_once(api: Client) -> None:
    token = new_user(api, "milestones")
    goal = create_goal(api, token, target_amount=1000, current_amount=100)
    path = f"/goals/{goal['id']}"

    added = [
        ok(api.request("POST", f"{path}/milestones", {"amount": amount, "description": text}, token=token), 201)
        for amount, text in ((500, "Half way"), (900, "Almost"), (250, "A quarter"))
    ]
    assert all(set(m) == MILESTONE_FIELDS for m in added)
    assert all(not m["reached"] and m["reached_date"] is None for m in added)
    listed = ok(api.request("GET", f"{path}/milestones", token=token))
    assert [m["amount"] for m in listed] == [250.0, 500.0, 900.0]
    report = ok(api.request("GET", f"{path}/milestones/progress", token=token))
    assert report["goal_id"] == goal["id"]
    assert (report["total_milestones"], report["reached_count"], report["percent_complete"]) == (3, 0, 0.0)
    assert report["next_milestone"]["amount"] == 250.0
    assert api.request("POST", f"{path}/milestones", {"amount": "x", "description": "bad"}, token=token).status == 422

    # PATCH reaches the first one.
    patched = ok(api.request("PATCH", path, {"current_amount": 300}, token=token))
    assert [m["reached"] for m in patched["milestones"]] == [True, False, False]
    assert patched["milestones"][0]["reached_date"] == today().isoformat()
    # A contribution reaches the second.
    ok(api.request("POST", f"{path}/progress", {"contribution_amount": 250}, token=token), 201)
    report = ok(api.request("GET", f"{path}/milestones/progress", token=token))
    assert (report["reached_count"], report["percent_complete"]) == (2, 66.67)
    assert report["next_milestone"]["amount"] == 900.0
    # Falling back loses nothing; a value entry reaches the last.
    ok(api.request("POST", f"{path}/progress", {"value": 200}, token=token), 201)
    fallen = ok(api.request("GET", f"{path}/milestones", token=token))
    assert [m["reached"] for m in fallen] == [True, True, False]
    ok(api.request("POST", f"{path}/progress", {"value": 950}, token=token), 201)
    report = ok(api.request("GET", f"{path}/milestones/progress", token=token))
    assert (report["total_milestones"], report["reached_count"], report["percent_complete"]) == (3, 3, 100.0)
    assert report["next_milestone"] is None
    # The target, reached, left and reached again.
    for amount in (1000, 900, 1000, 300, 950):
        ok(api.request("PATCH", path, {"current_amount": amount}, token=token))
    final = ok(api.request("GET", f"{path}/milestones", token=token))
    assert all(m["reached"] and m["reached_date"] == today().isoformat() for m in final)

    reached_alerts = goal_alerts(api, token, "milestone_reached", goal["id"])
    assert len(reached_alerts) == 3
    for alert_type in ("milestone_25", "milestone_50", "milestone_75", "goal_completed"):
        found = goal_alerts(api, token, alert_type, goal["id"])
        assert len(found) == 1, alert_type
        assert found[0]["alert_type"] == alert_type
    everything = ok(api.request("GET", "/alerts?limit=100", token=token))
    assert Counter(a["alert_type"] for a in everything if a.get("goal_id") == goal["id"]) == {
        "milestone_reached": 3,
        "milestone_25": 1,
        "milestone_50": 1,
        "milestone_75": 1,
        "goal_completed": 1,
        "significant_progress": 1,  # r2: a step of 10 % of the way or more, once a month
    }

    # A milestone the amount has already got to is marked reached when added.
    already = ok(api.request("POST", f"{path}/milestones", {"amount": 100, "description": "Started"}, token=token), 201)
    assert already["reached"] is True
    assert already["reached_date"] == today().isoformat()
    assert ok(api.request("GET", f"{path}/milestones", token=token))[0]["id"] == already["id"]


# --- funding -----------------------------------------------------------------------------------------------------


def test_funding_links_and_their_limits(api: Client) -> None:
    token = new_user(api, "funding")
    goal = create_goal(api, token)
    path = f"/goals/{goal['id']}/funding"

    linked = ok(
        api.request(
            "POST", path, {"account_id": "acc-1", "account_name": "Checking", "allocation_percent": 60}, token=token
        ),
        201,
    )
    assert linked == {"account_id": "acc-1", "account_name": "Checking", "allocation_percent": 60.0}
    assert api.request("POST", path, {"account_id": "acc-1", "allocation_percent": 10}, token=token).status == 409
    over = api.request("POST", path, {"account_id": "acc-2", "allocation_percent": 50}, token=token)
    assert over.status == 400
    assert over.json == {"detail": OVER_ALLOCATED}
    ok(api.request("POST", path, {"account_id": "acc-2", "allocation_percent": 40}, token=token), 201)
    full = api.request("POST", path, {"account_id": "acc-3", "allocation_percent": 0.01}, token=token)
    assert (full.status, full.json["detail"]) == (400, OVER_ALLOCATED)
    for bad in ({"account_id": "acc-4", "allocation_percent": 0}, {"account_id": "acc-4", "allocation_percent": 101}):
        assert api.request("POST", path, bad, token=token).status == 422
    sources = ok(api.request("GET", path, token=token))
    assert sorted(s["account_id"] for s in sources) == ["acc-1", "acc-2"]
    assert sum(s["allocation_percent"] for s in sources) == 100.0

    updated = ok(api.request("PATCH", f"{path}/acc-1", {"allocation_percent": 50}, token=token))
    assert updated == {"account_id": "acc-1", "account_name": "Checking", "allocation_percent": 50.0}
    too_much = api.request("PATCH", f"{path}/acc-1", {"allocation_percent": 61}, token=token)
    assert (too_much.status, too_much.json) == (400, {"detail": OVER_ALLOCATED})
    ok(api.request("POST", path, {"account_id": "acc-3", "allocation_percent": 10}, token=token), 201)
    assert api.request("PATCH", f"{path}/nope", {"allocation_percent": 1}, token=token).status == 404
    assert api.request("DELETE", f"{path}/nope", token=token).status == 404
    assert api.request("DELETE", f"{path}/acc-2", token=token).status == 204
    assert api.request("DELETE", f"{path}/acc-2", token=token).status == 404
    sources = ok(api.request("GET", path, token=token))
    assert {s["account_id"]: s["allocation_percent"] for s in sources} == {"acc-1": 50.0, "acc-3": 10.0}
    ok(api.request("POST", path, {"account_id": "acc-2", "allocation_percent": 40}, token=token), 201)

    # An account may fund several goals.
    second = create_goal(api, token, name="Second")
    ok(
        api.request(
            "POST", f"/goals/{second['id']}/funding", {"account_id": "acc-1", "allocation_percent": 100}, token=token
        ),
        201,
    )
    assert (
        api.request(
            "POST", "/goals/no-such-goal/funding", {"account_id": "a", "allocation_percent": 1}, token=token
        ).status
        == 404
    )


def test_concurrent_links_never_pass_100_percent(api: Client) -> None:
    token = new_user(api, "race")
    goal = create_goal(api, token)
    path = f"/goals/{goal['id']}/funding"

    def link(n: int) -> tuple[str, HttpReply | OSError]:
        account = f"acct-{n:02d}"
        try:
            return account, api.request("POST", path, {"account_id": account, "allocation_percent": 10}, token=token)
        except OSError as error:  # e.g. a connection reset: recorded, so the assertion below says what happened
            return account, error

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(link, range(20)))
    answers = [(account, reply) for account, reply in results if isinstance(reply, HttpReply)]
    failures = [f"{account}: {reply!r}" for account, reply in results if not isinstance(reply, HttpReply)]
    assert not failures, f"requests got no HTTP answer: {failures}"
    statuses = Counter(reply.status for _, reply in answers)
    assert statuses == {201: 10, 400: 10}, [(reply.status, reply.text) for _, reply in answers]
    assert all(reply.json == {"detail": OVER_ALLOCATED} for _, reply in answers if reply.status == 400)
    sources = ok(api.request("GET", f"{path}?limit=100", token=token))
    assert len(sources) == 10
    assert sum(s["allocation_percent"] for s in sources) == 100.0
    assert {s["account_id"] for s in sources} == {account for account, reply in answers if reply.status == 201}


# --- deletion ----------------------------------------------------------------------------------------------------


def test_deleting_a_goal_takes_its_funding_and_progress(api: Client) -> None:
    token = new_user(api, "delete")
    goal = create_goal(api, token)
    path = f"/goals/{goal['id']}"
    ok(api.request("POST", f"{path}/funding", {"account_id": "shared", "allocation_percent": 100}, token=token), 201)
    ok(api.request("POST", f"{path}/progress", {"value": 500}, token=token), 201)
    ok(api.request("POST", f"{path}/milestones", {"amount": 5000, "description": "Half"}, token=token), 201)
    assert len(ok(api.request("GET", f"{path}/progress/history", token=token))) == 1

    assert api.request("DELETE", path, token=token).status == 204
    for sub in ("", "/progress", "/progress/history", "/funding", "/milestones", "/milestones/progress"):
        reply = api.request("GET", f"{path}{sub}", token=token)
        assert reply.status == 404, sub
        assert "detail" in reply.json
    assert api.request("POST", f"{path}/progress", {"value": 1}, token=token).status == 404
    assert (
        api.request("POST", f"{path}/funding", {"account_id": "x", "allocation_percent": 1}, token=token).status == 404
    )
    assert api.request("DELETE", path, token=token).status == 404

    other = create_goal(api, token, name="Other")
    ok(
        api.request(
            "POST", f"/goals/{other['id']}/funding", {"account_id": "shared", "allocation_percent": 100}, token=token
        ),
        201,
    )
    assert [s["account_id"] for s in ok(api.request("GET", f"/goals/{other['id']}/funding", token=token))] == ["shared"]


# --- dashboard ---------------------------------------------------------------------------------------------------


def test_dashboard_has_every_goal_with_its_summary_and_the_unread_count(api: Client) -> None:
    token = new_user(api, "dashboard")
    empty = ok(api.request("GET", "/goals/dashboard", token=token))
    assert empty == {"goals": [], "unread_alerts": 0}

    savings = create_goal(api, token, current_amount=1000)
    debt = create_goal(api, token, name="Loan", type="debt", target_amount=0, current_amount=4000)
    paused = create_goal(api, token, name="Later")
    ok(api.request("POST", f"/goals/{paused['id']}/pause", token=token))
    ok(api.request("PATCH", f"/goals/{savings['id']}", {"current_amount": 6000}, token=token))  # 25 % and 50 %

    board = ok(api.request("GET", "/goals/dashboard", token=token))
    by_id = {g["id"]: g for g in board["goals"]}
    assert set(by_id) == {savings["id"], debt["id"], paused["id"]}
    for goal_id, entry in by_id.items():
        assert set(entry["progress"]) >= SUMMARY_FIELDS
        assert entry["progress"]["goal_id"] == goal_id
        assert entry["progress"]["current_amount"] == entry["current_amount"]
        assert entry["progress"]["status"] == entry["status"]
        assert {"name", "type", "target_amount", "percent_complete", "milestones"} <= set(entry)
    assert by_id[savings["id"]]["progress"]["percent_complete"] == 60.0
    assert by_id[debt["id"]]["start_amount"] == 4000.0
    assert by_id[paused["id"]]["status"] == "paused"

    unread = ok(api.request("GET", "/alerts?unread=true", token=token))
    assert len(unread) == 3  # milestone_25, milestone_50 and significant_progress (r2: 50 % of the way at once)
    assert board["unread_alerts"] == len(unread)
    ok(api.request("PATCH", f"/alerts/{unread[0]['id']}/read", token=token))
    assert ok(api.request("GET", "/goals/dashboard", token=token))["unread_alerts"] == len(unread) - 1


# --- templates ---------------------------------------------------------------------------------------------------


def test_templates_catalogue(api: Client) -> None:
    token = new_user(api, "catalogue")
    templates = ok(api.request("GET", "/goals/templates", token=token))
    assert {t["id"] for t in templates} >= TEMPLATE_IDS
    for template in templates:
        assert {"id", "name", "goal_type", "description", "parameters", "tips"} <= set(template)
        for parameter in template["parameters"]:
            assert {"name", "label", "type"} <= set(parameter)
    house = ok(api.request("GET", "/goals/templates/house_down_payment", token=token))
    assert house["id"] == "house_down_payment"
    percent = next(p for p in house["parameters"] if p["name"] == "down_payment_percent")
    assert percent["default"] == 20
    for template_id in TEMPLATE_IDS:
        assert ok(api.request("GET", f"/goals/templates/{template_id}", token=token))["id"] == template_id
    missing = api.request("GET", "/goals/templates/no_such_template", token=token)
    assert missing.status == 404
    assert "detail" in missing.json
    assert api.request("GET", "/goals/templates").status == 401


def test_goals_from_templates_with_a_budget_the_stored_snapshot_and_parameters(api: Client) -> None:
    token = new_user(api, "templates")
    three = ok(
        api.request(
            "POST",
            "/goals/from-template",
            {"template_id": "emergency_fund_3_months", "budget": {"monthly_expenses": 2000}},
            token=token,
        ),
        201,
    )
    assert three["target_amount"] == 6000.0
    assert three["type"] == "emergency_fund"
    assert three["template_id"] == "emergency_fund_3_months"
    assert three["current_amount"] == 0.0
    suggested = ok(api.request("GET", "/goals/templates/emergency_fund_3_months", token=token))
    assert suggested["suggested_timeline_months"] is not None
    # Calendar months: 12 months on is the same day next year.
    assert three["deadline"].startswith(add_months(today(), suggested["suggested_timeline_months"]).isoformat())

    # No budget sent and none stored: 400 naming what is missing.
    for template_id, needed in (
        ("emergency_fund_6_months", "monthly_expenses"),
        ("debt_free", "debts"),
        ("savings_rate_target", "total_income"),
    ):
        reply = api.request("POST", "/goals/from-template", {"template_id": template_id}, token=token)
        assert reply.status == 400, template_id
        assert needed in reply.json["detail"], reply.json

    now = today()
    last_month = now.replace(day=1) - timedelta(days=1)
    older = {"period_year": last_month.year, "period_month": last_month.month, "monthly_expenses": 1000}
    ok(api.request("POST", "/goals/sync-from-budget", older, token=token))
    snapshot = {
        "period_year": now.year,
        "period_month": now.month,
        "total_income": 6000,
        "monthly_expenses": 2500,
        "surplus": 1000,
        "category_totals": {},
        "debts": [{"id": "card", "name": "Visa", "balance": 3000}, {"id": "car", "balance": 7000}],
    }
    ok(api.request("POST", "/goals/sync-from-budget", snapshot, token=token))
    six = ok(api.request("POST", "/goals/from-template", {"template_id": "emergency_fund_6_months"}, token=token), 201)
    assert six["target_amount"] == 15000.0  # the latest snapshot's 2500, not last month's 1000
    debt_free = ok(api.request("POST", "/goals/from-template", {"template_id": "debt_free"}, token=token), 201)
    assert debt_free["type"] == "debt_free"
    assert (debt_free["start_amount"], debt_free["current_amount"], debt_free["target_amount"]) == (
        10000.0,
        10000.0,
        0.0,
    )
    assert debt_free["percent_complete"] == 0.0
    rate = ok(api.request("POST", "/goals/from-template", {"template_id": "savings_rate_target"}, token=token), 201)
    assert rate["target_amount"] == 1200.0  # 6000 x 20 / 100
    # A budget sent with the request wins over the stored snapshot.
    sent = ok(
        api.request(
            "POST",
            "/goals/from-template",
            {"template_id": "emergency_fund_6_months", "budget": {"monthly_expenses": 100}},
            token=token,
        ),
        201,
    )
    assert sent["target_amount"] == 600.0

    house = ok(
        api.request(
            "POST",
            "/goals/from-template",
            {"template_id": "house_down_payment", "parameters": {"home_price": 400000}},
            token=token,
        ),
        201,
    )
    assert (house["type"], house["target_amount"]) == ("down_payment", 80000.0)
    ten = ok(
        api.request(
            "POST",
            "/goals/from-template",
            {
                "template_id": "house_down_payment",
                "parameters": {"home_price": 400000, "down_payment_percent": 10},
                "name": "Starter home",
                "target_date": day(400),
            },
            token=token,
        ),
        201,
    )
    assert (ten["target_amount"], ten["name"]) == (40000.0, "Starter home")
    assert ten["deadline"].startswith(day(400))
    no_price = api.request("POST", "/goals/from-template", {"template_id": "house_down_payment"}, token=token)
    assert no_price.status == 400
    assert "home_price" in no_price.json["detail"]
    retirement = ok(
        api.request(
            "POST",
            "/goals/from-template",
            {"template_id": "retirement_target", "parameters": {"target_income": 40000}},
            token=token,
        ),
        201,
    )
    assert retirement["target_amount"] == 1000000.0
    ids = {g["id"] for g in ok(api.request("GET", "/goals?limit=100", token=token))}
    assert {three["id"], six["id"], debt_free["id"], rate["id"], house["id"], ten["id"], retirement["id"]} <= ids


# --- budget sync -------------------------------------------------------------------------------------------------


def test_budget_sync_moves_the_goals_it_measures(api: Client) -> None:
    token = new_user(api, "sync")
    vacation = create_goal(api, token, name="Vacation", target_amount=5000, tags=["category:vacation"])
    ok(
        api.request("POST", f"/goals/{vacation['id']}/milestones", {"amount": 1000, "description": "1k"}, token=token),
        201,
    )
    plain = create_goal(api, token, name="Savings", target_amount=10000)
    emergency = create_goal(
        api, token, name="Emergency", type="emergency_fund", target_amount=9000, tags=["category:emergency"]
    )
    card = create_goal(
        api, token, name="Card", type="debt_payoff", target_amount=0, current_amount=3000, tags=["debt:card"]
    )
    loan = create_goal(
        api, token, name="Loan", type="debt_payoff", target_amount=0, current_amount=2000, tags=["debt:loan"]
    )
    debt_free = create_goal(api, token, name="Debt free", type="debt_free", target_amount=0, current_amount=12000)
    rate = create_goal(api, token, name="Rate", type="savings_rate", target_amount=30)
    paused = create_goal(api, token, name="Paused", target_amount=5000, tags=["category:vacation"])
    ok(api.request("POST", f"/goals/{paused['id']}/pause", token=token))
    custom = create_goal(api, token, name="Custom", type="custom", target_amount=100, current_amount=5)

    now = today()
    snapshot = {
        "period_year": now.year,
        "period_month": now.month,
        "total_income": 5000,
        "monthly_expenses": 4000,
        "surplus": 1000,
        "category_totals": {"vacation": 1200, "savings": 4000, "emergency": 2500},
        "debts": [{"id": "card", "name": "Visa", "balance": 1800}, {"id": "car", "balance": 6000}],
    }
    result = ok(api.request("POST", "/goals/sync-from-budget", snapshot, token=token))
    assert set(result) == {"updated"}
    expected = {
        vacation["id"]: 1200.0,
        plain["id"]: 4000.0,
        emergency["id"]: 2500.0,
        card["id"]: 1800.0,
        loan["id"]: 0.0,  # missing from the snapshot: paid off
        debt_free["id"]: 7800.0,
        rate["id"]: 20.0,  # 1000 / 5000 x 100
    }
    assert {e["goal_id"]: e["value_at_period"] for e in result["updated"]} == expected
    assert len(result["updated"]) == len(expected)
    for entry in result["updated"]:
        assert set(entry) == ENTRY_FIELDS
        assert entry["source"] == "budget_sync"
        assert entry["period_date"] == now.isoformat()
    for goal_id, amount in expected.items():
        assert ok(api.request("GET", f"/goals/{goal_id}", token=token))["current_amount"] == amount, goal_id
        history = ok(api.request("GET", f"/goals/{goal_id}/progress/history", token=token))
        assert [(e["source"], e["value_at_period"]) for e in history] == [("budget_sync", amount)]
    assert ok(api.request("GET", f"/goals/{loan['id']}", token=token))["percent_complete"] == 100.0
    # Budget sync is one more path that moves the amount: it reaches milestones and raises their alerts.
    milestone = ok(api.request("GET", f"/goals/{vacation['id']}/milestones", token=token))[0]
    assert (milestone["reached"], milestone["reached_date"]) == (True, now.isoformat())
    assert len(goal_alerts(api, token, "milestone_reached", vacation["id"])) == 1
    assert len(goal_alerts(api, token, "goal_completed", loan["id"])) == 1
    assert ok(api.request("GET", f"/goals/{card['id']}", token=token))["percent_complete"] == 40.0
    assert ok(api.request("GET", f"/goals/{paused['id']}", token=token))["current_amount"] == 0.0
    assert ok(api.request("GET", f"/goals/{custom['id']}", token=token))["current_amount"] == 5.0

    for bad in (
        {**snapshot, "period_month": 13},
        {**snapshot, "debts": [{"id": "x", "balance": -1}]},
        {"total_income": 1},
    ):
        assert api.request("POST", "/goals/sync-from-budget", bad, token=token).status == 422


# --- isolation ---------------------------------------------------------------------------------------------------


def test_another_users_goal_is_404_on_every_sub_route(api: Client) -> None:
    alice, bob = new_user(api, "alice"), new_user(api, "bob")
    goal = create_goal(api, alice, current_amount=100)
    path = f"/goals/{goal['id']}"
    ok(api.request("POST", f"{path}/funding", {"account_id": "acc-a", "allocation_percent": 30}, token=alice), 201)
    before = ok(api.request("GET", path, token=alice))

    attempts: list[tuple[str, str, Any]] = [
        ("GET", path, None),
        ("PATCH", path, {"name": "mine"}),
        ("GET", f"{path}/progress", None),
        ("POST", f"{path}/progress", {"value": 5000}),
        ("GET", f"{path}/progress/history", None),
        ("POST", f"{path}/milestones", {"amount": 50, "description": "x"}),
        ("GET", f"{path}/milestones", None),
        ("GET", f"{path}/milestones/progress", None),
        ("POST", f"{path}/funding", {"account_id": "acc-b", "allocation_percent": 10}),
        ("GET", f"{path}/funding", None),
        ("PATCH", f"{path}/funding/acc-a", {"allocation_percent": 99}),
        ("DELETE", f"{path}/funding/acc-a", None),
        ("POST", f"{path}/pause", None),
        ("POST", f"{path}/resume", None),
        ("POST", f"{path}/complete", None),
        ("POST", f"{path}/abandon", None),
        ("DELETE", path, None),
    ]
    for method, url, body in attempts:
        reply = api.request(method, url, body, token=bob)
        assert reply.status == 404, (method, url, reply.status)
        assert isinstance(reply.json["detail"], str)
        assert goal["id"] not in reply.text

    after = ok(api.request("GET", path, token=alice))
    assert after == before
    assert ok(api.request("GET", f"{path}/progress/history", token=alice)) == []
    assert ok(api.request("GET", f"{path}/milestones", token=alice)) == []
    assert ok(api.request("GET", f"{path}/funding", token=alice)) == [
        {"account_id": "acc-a", "account_name": None, "allocation_percent": 30.0}
    ]
    assert ok(api.request("GET", "/goals/dashboard", token=bob))["goals"] == []


def test_a_user_id_in_a_body_is_rejected(api: Client) -> None:
    token = new_user(api, "sneaky")
    goal = create_goal(api, token)
    path = f"/goals/{goal['id']}"
    now = today()
    for method, url, body in (
        ("POST", "/goals", {"name": "x", "type": "savings", "target_amount": 1, "user_id": "victim"}),
        ("PATCH", path, {"name": "x", "user_id": "victim"}),
        ("POST", f"{path}/progress", {"value": 1, "user_id": "victim"}),
        ("POST", f"{path}/milestones", {"amount": 1, "description": "x", "user_id": "victim"}),
        ("POST", f"{path}/funding", {"account_id": "a", "allocation_percent": 1, "user_id": "victim"}),
        ("PATCH", f"{path}/funding/a", {"allocation_percent": 1, "user_id": "victim"}),
        ("POST", "/goals/from-template", {"template_id": "retirement_target", "user_id": "victim"}),
        ("POST", "/goals/sync-from-budget", {"period_year": now.year, "period_month": now.month, "user_id": "victim"}),
    ):
        reply = api.request(method, url, body, token=token)
        assert reply.status == 422, (method, url, reply.status)
        assert isinstance(reply.json["detail"], list)
    assert ok(api.request("GET", f"{path}/progress/history", token=token)) == []
    assert ok(api.request("GET", f"{path}/funding", token=token)) == []
    assert ok(api.request("GET", f"{path}/milestones", token=token)) == []
    assert [g["id"] for g in ok(api.request("GET", "/goals", token=token))] == [goal["id"]]


# --- idempotency -------------------------------------------------------------------------------------------------


def test_idempotency_keys_on_funding_and_progress(api: Client) -> None:
    token = new_user(api, "idempotent")
    goal = create_goal(api, token, current_amount=1000)
    path = f"/goals/{goal['id']}"

    link = {"account_id": "acc-1", "account_name": "Checking", "allocation_percent": 25}
    key = {"Idempotency-Key": "fund-1"}
    first = ok(api.request("POST", f"{path}/funding", link, token=token, headers=key), 201)
    retry = ok(api.request("POST", f"{path}/funding", link, token=token, headers=key), 201)
    assert retry == first
    assert ok(api.request("GET", f"{path}/funding", token=token)) == [first]
    changed = api.request("POST", f"{path}/funding", {**link, "allocation_percent": 30}, token=token, headers=key)
    assert changed.status == 422
    # Without the key, the same body is a second link: 409.
    assert api.request("POST", f"{path}/funding", link, token=token).status == 409
    assert ok(api.request("GET", f"{path}/funding", token=token)) == [first]

    entry = {"contribution_amount": 250, "notes": "payday"}
    key = {"Idempotency-Key": "progress-1"}
    recorded = ok(api.request("POST", f"{path}/progress", entry, token=token, headers=key), 201)
    again = ok(api.request("POST", f"{path}/progress", entry, token=token, headers=key), 201)
    assert again == recorded
    history = ok(api.request("GET", f"{path}/progress/history", token=token))
    assert [e["id"] for e in history] == [recorded["id"]]
    assert ok(api.request("GET", path, token=token))["current_amount"] == 1250.0
    other = api.request("POST", f"{path}/progress", {**entry, "contribution_amount": 1}, token=token, headers=key)
    assert other.status == 422
    assert ok(api.request("GET", path, token=token))["current_amount"] == 1250.0
    assert len(ok(api.request("GET", f"{path}/progress/history", token=token))) == 1

    # Keys are per user: another user's request with the same key is its own.
    stranger = new_user(api, "stranger")
    theirs = create_goal(api, stranger, current_amount=10)
    mine = ok(
        api.request(
            "POST", f"/goals/{theirs['id']}/progress", entry, token=stranger, headers={"Idempotency-Key": "progress-1"}
        ),
        201,
    )
    assert mine["id"] != recorded["id"]
    assert mine["value_at_period"] == 260.0
