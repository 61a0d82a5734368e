"""Limits on what one request may ask for, and the inputs the contract fuzzer found answered wrongly."""

from __future__ import annotations

import json

import pytest

from goalpost.edges.api import MAX_BODY_BYTES
from tests.handlers.conftest import Api

SAVINGS = {"name": "Fund", "type": "savings", "target_amount": 1000}


def test_a_body_over_the_limit_is_413_and_stores_nothing(api: Api) -> None:
    padded = {**SAVINGS, "description": "x" * 900}
    body = json.dumps({**padded, "tags": ["t"] * (MAX_BODY_BYTES // 4)})
    assert len(body) > MAX_BODY_BYTES
    reply = api.call("POST", "/goals", raw_body=body)
    assert (reply.status, reply.body) == (413, {"detail": "The request body is over 64 KiB"})
    # Multi-byte characters count as the bytes they are.
    wide = json.dumps({**SAVINGS, "description": "€" * (MAX_BODY_BYTES // 3 + 1)}, ensure_ascii=False)
    assert len(wide) < MAX_BODY_BYTES < len(wide.encode())
    assert api.call("POST", "/goals", raw_body=wide).status == 413
    assert api.get("/goals").body == []


@pytest.mark.parametrize("limit", [0, 101, -1, "many"])
def test_page_sizes_are_1_to_100(api: Api, limit: object) -> None:
    for path in ("/goals", "/alerts", "/positions", "/portfolio/snapshots"):
        assert api.get(path, query={"limit": limit}).status == 422, path


@pytest.mark.parametrize("symbol", ["BTC USDT", "btc#usdt", "é", "A" * 21])
def test_a_malformed_symbol_filter_is_422_not_500(api: Api, symbol: str) -> None:
    """Found by the contract fuzzer: the symbol filter was checked after validation and raised."""
    assert api.get("/positions", query={"symbol": symbol}).status == 422


@pytest.mark.parametrize("value", ["0.5", "1700000000", "yesterday"])
def test_time_filters_take_iso_8601_only(api: Api, value: str) -> None:
    """Found by the contract fuzzer: ``to=0.5`` was read as half a second after 1970."""
    for name in ("from", "to"):
        assert api.get("/portfolio/snapshots", query={name: value}).status == 422, name


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/goals/record-profit", {"profit": "-4.058806602663366e-265"}),
        ("/goals/record-profit", {"profit": "1." + "1" * 40}),
        ("/goals/targets", {"monthly_income_target": "5000.000000000000000000000000000001"}),
    ],
)
def test_numbers_dynamodb_cannot_hold_are_422_not_500(api: Api, path: str, query: dict[str, str]) -> None:
    """Found by the thorough fuzzing run: a profit of -4e-265 passed the range check and failed in DynamoDB
    (38 significant digits, exponents down to -130)."""
    method = "PUT" if path.endswith("targets") else "POST"
    assert api.call(method, path, query=query).status == 422


def test_at_most_40_milestones_a_goal(api: Api) -> None:
    from goalpost.domain.goals import MAX_MILESTONES

    many = [{"amount": n + 1, "description": f"m{n}"} for n in range(MAX_MILESTONES + 1)]
    assert api.post("/goals", {**SAVINGS, "target_amount": 10_000, "milestones": many}).status == 422
    goal_id = api.post("/goals", {**SAVINGS, "target_amount": 10_000, "milestones": many[:-1]}).body["id"]
    refused = api.post(f"/goals/{goal_id}/milestones", {"amount": 5000, "description": "one more"})
    assert (refused.status, refused.body) == (400, {"detail": f"A goal has at most {MAX_MILESTONES} milestones"})
    assert len(api.get(f"/goals/{goal_id}/milestones").body) == MAX_MILESTONES
