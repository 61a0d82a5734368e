"""Hostile request bodies, each found by an independent probe: none may hold a function, answer 500, or slip
past the schema in a looser type. Every refusal is a 422 naming the field, and changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from goalpost.edges.body import MAX_DEPTH
from tests.handlers.conftest import Api

SAVINGS = {"name": "Fund", "type": "savings", "target_amount": 1000}
POSITION = {"symbol": "AAPL", "quantity": 1, "entry_price": 100}
HUGE_EXPONENT = "1E+1000000000"  # an integer of a billion digits, once converted
MANY_DIGITS = "9" * 5000  # past Python's 4,300-digit limit for int()


def raw(fields: dict[str, Any], name: str, literal: str) -> str:
    """A JSON body with ``name`` set to ``literal`` exactly as written (json.dumps cannot write these)."""
    return json.dumps({**fields, name: "__HOLE__"}).replace('"__HOLE__"', literal)


def goal(api: Api) -> str:
    return str(api.post("/goals", SAVINGS).body["id"])


def field_error(reply: Any) -> tuple[int, list[Any]]:
    return reply.status, [error["loc"] for error in reply.body["detail"]] if reply.status == 422 else reply.body


# (method, path, fields, integer field): the four integer fields the probe named.
INTEGER_FIELDS = [
    ("PATCH", "/alerts/preferences", {}, "max_alerts_per_day"),
    ("POST", "/positions", POSITION, "leverage"),
    ("POST", "/positions", POSITION, "max_duration_minutes"),
    ("POST", "/goals", SAVINGS, "reminder_day"),
]


@pytest.mark.parametrize(("method", "path", "fields", "name"), INTEGER_FIELDS)
@pytest.mark.parametrize("literal", [HUGE_EXPONENT, "1e999999999999999999", MANY_DIGITS, "-" + MANY_DIGITS])
def test_a_huge_number_in_an_integer_field_is_422_at_once(
    api: Api, method: str, path: str, fields: dict[str, Any], name: str, literal: str
) -> None:
    """``1E+1000000000`` froze the whole local server: the integer field converted it before checking it."""
    reply = api.call(method, path, raw_body=raw(fields, name, literal))
    assert field_error(reply) == (422, [["body", name]])


@pytest.mark.parametrize(
    ("path", "fields", "name"),
    [
        ("/goals", SAVINGS, "target_amount"),
        ("/goals", SAVINGS, "current_amount"),
        ("/positions", POSITION, "quantity"),
        ("/positions", POSITION, "fees_paid"),
    ],
)
@pytest.mark.parametrize("literal", [HUGE_EXPONENT, MANY_DIGITS, "0." + "1" * 5000, "1E-1000000000"])
def test_a_huge_number_in_a_money_field_is_422(
    api: Api, path: str, fields: dict[str, Any], name: str, literal: str
) -> None:
    """A number past 4,300 digits was a ValueError nobody caught (500)."""
    assert field_error(api.post(path, raw_body=raw(fields, name, literal))) == (422, [["body", name]])
    assert api.get(path).body == []


def test_a_huge_number_deep_in_a_body_names_its_place(api: Api) -> None:
    milestones = '[{"amount": 10, "description": "a"}, {"amount": ' + MANY_DIGITS + ', "description": "b"}]'
    reply = api.post("/goals", raw_body=raw(SAVINGS, "milestones", milestones))
    assert field_error(reply) == (422, [["body", "milestones", 1, "amount"]])


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 965, 5000, 30_000])
def test_deep_nesting_is_422_not_a_recursion_error(api: Api, levels: int) -> None:
    """A body nested 965 levels (2 KB) raised RecursionError in the body parser."""
    goal_id = goal(api)
    nested = "[" * levels + "]" * levels
    for path, fields, name in [
        ("/goals", SAVINGS, "tags"),
        (f"/goals/{goal_id}/progress", {}, "notes"),
        ("/goals/sync-from-budget", {"period_year": 2026, "period_month": 11}, "category_totals"),
    ]:
        reply = api.post(path, raw_body=raw(fields, name, nested))
        assert reply.status == 422, (path, reply.body)
        assert reply.body["detail"][0]["type"] == "json_too_deep"
    assert [g["id"] for g in api.get("/goals").body] == [goal_id]
    assert api.get(f"/goals/{goal_id}/progress/history").body == []


def test_nesting_up_to_the_limit_is_read(api: Api) -> None:
    """The bound refuses only what no route takes: a budget's debts, 3 levels deep, are far inside it."""
    budget = {"period_year": 2026, "period_month": 11, "debts": [{"id": "car", "balance": 100}]}
    assert api.post("/goals/sync-from-budget", budget).status == 200


# Wrong JSON types, each once accepted in a looser reading.
@pytest.mark.parametrize(
    ("method", "path", "fields", "name", "literal"),
    [
        ("POST", "/positions", POSITION, "max_duration_minutes", "true"),  # was a position timing out in 1 min
        ("POST", "/positions", POSITION, "leverage", "false"),
        ("POST", "/positions", POSITION, "leverage", '"10"'),
        ("POST", "/positions", POSITION, "leverage", "10.5"),
        ("POST", "/positions", POSITION, "quantity", '"1"'),
        ("POST", "/positions", POSITION, "quantity", "true"),
        ("POST", "/positions", POSITION, "symbol", "7"),
        ("POST", "/goals", SAVINGS, "target_amount", '"100"'),  # was 201
        ("POST", "/goals", SAVINGS, "target_amount", "true"),
        ("POST", "/goals", SAVINGS, "name", "5"),
        ("POST", "/goals", SAVINGS, "tags", '"one"'),
        ("POST", "/goals", SAVINGS, "reminder_day", '"5"'),
        ("POST", "/goals", SAVINGS, "type", "1"),
        ("PATCH", "/alerts/preferences", {}, "sms_enabled", "1"),
        ("PATCH", "/alerts/preferences", {}, "email_enabled", '"true"'),
        ("PATCH", "/alerts/preferences", {}, "min_hours_between_alerts", '"2"'),
        ("PUT", "/portfolio/cash", {}, "cash_balance", '"100"'),
    ],
)
def test_a_wrong_json_type_is_422(
    api: Api, method: str, path: str, fields: dict[str, Any], name: str, literal: str
) -> None:
    assert field_error(api.call(method, path, raw_body=raw(fields, name, literal))) == (422, [["body", name]])


def test_json_types_that_are_right_still_work(api: Api) -> None:
    """Integers and numbers with fractions or exponents for money; text for enums and dates."""
    created = api.post("/goals", raw_body=raw({**SAVINGS, "deadline": "2099-01-31"}, "current_amount", "1.5E+2"))
    assert created.status == 201, created.body
    assert (created.body["current_amount"], created.body["type"]) == (150, "savings")
    position = api.post("/positions", {**POSITION, "side": "SHORT", "leverage": 3, "max_duration_minutes": 60})
    assert position.status == 201, position.body
    assert (position.body["side"], position.body["leverage"]) == ("SHORT", 3)


def test_negative_zero_is_stored_and_returned_as_zero(api: Api) -> None:
    created = api.post("/goals", raw_body=raw(SAVINGS, "current_amount", "-0.0"))
    assert created.status == 201, created.body
    assert json.dumps(created.body["current_amount"]) in ("0", "0.0")
    stored = api.get(f"/goals/{created.body['id']}").body["current_amount"]
    assert str(stored) in ("0", "0.0")
    cash = api.call("PUT", "/portfolio/cash", raw_body='{"cash_balance": -0}')
    assert cash.status == 200, cash.body
    assert str(api.get("/portfolio/cash").body["cash_balance"]) in ("0", "0.0")


def test_invalid_utf8_is_422_and_nothing_is_stored(api: Api) -> None:
    """Bytes that are not UTF-8 were stored as U+FFFD."""
    body = b'{"name": "caf\xe9", "type": "savings", "target_amount": 100}'
    reply = api.post("/goals", raw_body=body)
    assert (reply.status, reply.body) == (422, {"detail": "The request body is not valid UTF-8 text"})
    assert api.get("/goals").body == []


def test_a_lone_surrogate_escape_is_422(api: Api) -> None:
    """``\\ud800`` is valid JSON text but no Unicode: DynamoDB could not store it."""
    reply = api.post("/goals", raw_body=raw(SAVINGS, "name", '"a\\ud800b"'))
    assert field_error(reply) == (422, [["body", "name"]])
    paired = api.post("/goals", raw_body=raw(SAVINGS, "name", '"a\\ud83d\\ude00"'))
    assert (paired.status, paired.body["name"]) == (201, "a\U0001f600")


def test_numbers_at_the_bounds_keep_their_exact_value(api: Api) -> None:
    """The bounds refuse only what is costly: a 38-digit Decimal reaches the schema exactly."""
    precise = Decimal("123456789.12345678")
    created = api.post("/goals", raw_body=raw(SAVINGS, "target_amount", str(precise)))
    assert created.status == 201, created.body
    assert Decimal(str(created.body["target_amount"])) == precise
