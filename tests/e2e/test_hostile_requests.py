"""Hostile requests over HTTP, where they really enter: through the local gateway, as raw bytes.

The first tests replay what an independent probe found (one 40-byte body froze the whole server; deep nesting
and long integers were 500s; invalid UTF-8 was stored as U+FFFD). The last one extends the contract fuzzing with
those values: for every operation with a JSON body in the served document, every property is sent each hostile
value of its type, and each must be a 422 naming that property (never a 5xx, never accepted)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.e2e.conftest import Client

HUGE_EXPONENT = "1E+1000000000"
MANY_DIGITS = "9" * 5000
DEEP = "[" * 5000 + "]" * 5000

# Hostile JSON literals by the JSON Schema type of the property they are sent as.
HOSTILE: dict[str, list[str]] = {
    "integer": ["true", '"1"', "1.5", HUGE_EXPONENT, MANY_DIGITS],
    "number": ["true", '"1"', HUGE_EXPONENT, MANY_DIGITS, "1E-1000000000"],
    "string": ["5", "true", '"\\ud800"'],
    "boolean": ["1", '"true"'],
    "array": ['"x"', DEEP],
    "object": ['"x"', "1", DEEP],
}


def body_with(name: str, literal: str) -> bytes:
    return json.dumps({name: "__HOLE__"}).replace('"__HOLE__"', literal).encode()


def test_a_huge_exponent_is_refused_while_the_server_keeps_answering(http: Client) -> None:
    """``{"max_alerts_per_day": 1E+1000000000}`` never returned, and /health stalled meanwhile."""
    token = http.token("hostile-exponent")
    replies: list[Any] = []
    sender = threading.Thread(
        target=lambda: replies.append(
            http.request(
                "PATCH", "/alerts/preferences", raw=body_with("max_alerts_per_day", HUGE_EXPONENT), token=token
            )
        )
    )
    sender.start()
    assert http.request("GET", "/health").status == 200
    sender.join(timeout=60)
    (reply,) = replies
    assert reply.status == 422
    assert reply.json["detail"][0]["loc"] == ["body", "max_alerts_per_day"]
    assert http.request("GET", "/alerts/preferences", token=token).json["max_alerts_per_day"] == 5


@pytest.mark.parametrize("path", ["/goals", "/goals/sync-from-budget", "/positions"])
def test_deep_nesting_and_long_integers_are_422_over_http(http: Client, path: str) -> None:
    token = http.token("hostile-nesting")
    deep = http.request("POST", path, raw=("[" * 965 + "]" * 965).join(['{"tags": ', "}"]).encode(), token=token)
    assert (deep.status, deep.json["detail"][0]["type"]) == (422, "json_too_deep")
    digits = http.request("POST", path, raw=body_with("period_year", "1" * 4301), token=token)
    assert digits.status == 422
    assert ["body", "period_year"] in [error["loc"] for error in digits.json["detail"]]


def test_invalid_utf8_is_refused_not_replaced(http: Client) -> None:
    token = http.token("hostile-utf8")
    reply = http.request(
        "POST", "/goals", raw=b'{"name": "caf\xe9", "type": "savings", "target_amount": 100}', token=token
    )
    assert (reply.status, reply.json["detail"]) == (422, "The request body is not valid UTF-8 text")
    assert http.request("GET", "/goals", token=token).json == []


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _json_type(document: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """The one JSON type a property takes (its non-null branch), or None when it takes several."""
    schema = _resolve(document, schema)
    branches = [_resolve(document, b) for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
    kinds = {b.get("type", "string" if "enum" in b else None) for b in branches}
    return kinds.pop() if len(kinds) == 1 else None


def _body_properties(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(method, path, property, JSON type) of every property of every documented JSON request body."""
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            schema = _resolve(document, content["schema"])
            for name, field in schema.get("properties", {}).items():
                kind = _json_type(document, field)
                if kind is not None:
                    found.append((method.upper(), path.replace("{", "").replace("}", ""), name, kind))
    return found


def test_every_body_property_refuses_every_hostile_value_of_its_type(http: Client) -> None:
    token = http.token("hostile-fuzz")
    document = http.request("GET", "/openapi.json").json
    properties = _body_properties(document)
    assert len({(m, p) for m, p, _, _ in properties}) >= 13  # every route that takes a JSON body
    failures = []
    for method, path, name, kind in properties:
        for literal in HOSTILE[kind]:
            reply = http.request(method, path, raw=body_with(name, literal), token=token)
            locs = [error.get("loc") for error in reply.json["detail"]] if reply.status == 422 else []
            if ["body", name] not in locs and not (literal == DEEP and reply.status == 422):
                failures.append(f"{method} {path} {name}={literal[:20]}: {reply.status} {reply.text[:200]}")
    assert failures == []
    # Nothing was created by any of them.
    assert http.request("GET", "/goals", token=token).json == []
    assert http.request("GET", "/positions", token=token).json == []
