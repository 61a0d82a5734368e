"""Issue 22 (r2): editing and deleting a milestone, through the handlers over moto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from infra.local.aws import dynamodb_requests
from tests.handlers.conftest import Api
from tests.handlers.test_goal_tracking import TODAY, alert_types, new_goal


def milestone_of(api: Api, goal_id: str, amount: int, description: str = "m", user: str = "alice") -> str:
    reply = api.post(f"/goals/{goal_id}/milestones", {"amount": amount, "description": description}, user=user)
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


def test_patch_changes_the_fields_sent_and_only_those(api: Api) -> None:
    goal_id = new_goal(api)  # at 1000 of 10000
    milestone_id = milestone_of(api, goal_id, 4000, "four")
    path = f"/goals/{goal_id}/milestones/{milestone_id}"
    reply = api.patch(path, {"description": "four grand", "target_date": "2099-02-03"})
    assert reply.status == 200, reply.body
    assert reply.body == {
        "id": milestone_id,
        "amount": 4000,
        "description": "four grand",
        "target_date": "2099-02-03",
        "reached": False,
        "reached_date": None,
    }
    cleared = api.patch(path, {"target_date": None}).body
    assert (cleared["target_date"], cleared["description"]) == (None, "four grand")
    assert api.get(f"/goals/{goal_id}/milestones").body == [cleared]


def test_a_new_amount_is_checked_at_once_and_its_alert_comes_once(api: Api, publishes: Any) -> None:
    goal_id = new_goal(api)  # at 1000
    milestone_id = milestone_of(api, goal_id, 4000)
    path = f"/goals/{goal_id}/milestones/{milestone_id}"
    lowered = api.patch(path, {"amount": 500}).body  # already there: marked at once, as on add
    assert (lowered["amount"], lowered["reached"], lowered["reached_date"]) == (500, True, TODAY.isoformat())
    raised = api.patch(path, {"amount": 3000}).body  # no longer there
    assert (raised["reached"], raised["reached_date"]) == (False, None)
    api.post(f"/goals/{goal_id}/progress", {"value": 3500})  # reached by the amount: the alert
    again = api.patch(path, {"amount": 6000}).body
    assert again["reached"] is False
    api.post(f"/goals/{goal_id}/progress", {"value": 6500})  # reached again: no second alert
    assert api.get(f"/goals/{goal_id}/milestones").body[0]["reached"] is True
    assert alert_types(api).count("milestone_reached") == 1
    assert sum(1 for p in publishes.all() if p.attributes["alert_type"] == "milestone_reached") == 1


def test_a_decreasing_goals_milestone_is_checked_going_down(api: Api) -> None:
    goal_id = new_goal(api, type="debt_payoff", target_amount=0, current_amount=9000)
    milestone_id = milestone_of(api, goal_id, 5000)
    edited = api.patch(f"/goals/{goal_id}/milestones/{milestone_id}", {"amount": 9500}).body
    assert edited["reached"] is True


def test_delete_removes_the_milestone(api: Api) -> None:
    goal_id = new_goal(api)
    keep = milestone_of(api, goal_id, 2000)
    gone = milestone_of(api, goal_id, 3000)
    reply = api.delete(f"/goals/{goal_id}/milestones/{gone}")
    assert reply.status == 204
    assert reply.body == ""
    assert [m["id"] for m in api.get(f"/goals/{goal_id}/milestones").body] == [keep]
    assert api.get(f"/goals/{goal_id}/milestones/progress").body["total_milestones"] == 1
    assert api.delete(f"/goals/{goal_id}/milestones/{gone}").status == 404
    assert api.patch(f"/goals/{goal_id}/milestones/{gone}", {"description": "x"}).status == 404


def test_another_goals_or_users_milestone_is_404_and_untouched(api: Api) -> None:
    mine = new_goal(api)
    milestone_id = milestone_of(api, mine, 2000, "mine")
    other_goal = new_goal(api)
    theirs = api.post("/goals", {"name": "B", "type": "savings", "target_amount": 10}, user="bob").body["id"]
    for goal_id, user in ((other_goal, "alice"), (mine, "bob"), (theirs, "bob"), ("nope", "alice")):
        path = f"/goals/{goal_id}/milestones/{milestone_id}"
        assert api.patch(path, {"description": "hacked"}, user=user).status == 404
        assert api.delete(path, user=user).status == 404
    assert [m["description"] for m in api.get(f"/goals/{mine}/milestones").body] == ["mine"]


@pytest.mark.parametrize(
    "body",
    [
        {"amount": -1},
        {"amount": "lots"},
        {"amount": 1e13},
        {"amount": None},
        {"description": ""},
        {"description": None},
        {"description": "x" * 501},
        {"target_date": "soon"},
        {"reached": True},
        {"id": "other"},
        [],
    ],
)
def test_bad_edits_are_422_and_change_nothing(api: Api, body: Any) -> None:
    goal_id = new_goal(api)
    milestone_id = milestone_of(api, goal_id, 2000)
    before = api.get(f"/goals/{goal_id}").body
    reply = api.patch(f"/goals/{goal_id}/milestones/{milestone_id}", body)
    assert reply.status == 422, reply.body
    assert api.get(f"/goals/{goal_id}").body == before


def test_concurrent_edits_and_deletes_lose_nothing(api: Api) -> None:
    goal_id = new_goal(api)
    ids = [milestone_of(api, goal_id, 2000 + n) for n in range(8)]

    def edit(index: int) -> int:
        path = f"/goals/{goal_id}/milestones/{ids[index]}"
        if index % 2:
            return api.delete(path).status
        return api.patch(path, {"description": f"edited {index}"}).status

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(edit, range(8)))
    assert set(statuses) <= {200, 204}, statuses
    left = api.get(f"/goals/{goal_id}/milestones").body
    assert sorted(m["description"] for m in left) == [f"edited {n}" for n in range(0, 8, 2)]


@pytest.mark.parametrize("milestones", [5, 39])
def test_edit_and_delete_cost_two_requests_whatever_the_number(api: Api, milestones: int) -> None:
    goal_id = new_goal(api, milestones=[{"amount": 5000 + n, "description": "m"} for n in range(milestones)])
    milestone_id = api.get(f"/goals/{goal_id}/milestones").body[0]["id"]
    path = f"/goals/{goal_id}/milestones/{milestone_id}"
    with dynamodb_requests() as edited:
        assert api.patch(path, {"amount": 500}).status == 200
    with dynamodb_requests() as deleted:
        assert api.delete(path).status == 204
    assert sum(edited.values()) == 2, edited  # the goal with the preferences; the conditional write
    assert sum(deleted.values()) == 2, deleted
