"""Every documented operation but the public ones answers 401 without a valid token (the gateway's JWT
check, as API Gateway's authorizer does), generated from the OpenAPI document so new routes are covered."""

from __future__ import annotations

import re

import pytest

from goalpost.edges.docs import openapi_document
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
PUBLIC = {("GET", "/health")}


def test_every_operation_needs_a_valid_token(http: Client) -> None:
    checked = 0
    forged = http.token("someone") + "x"
    for path, methods in openapi_document()["paths"].items():
        for method in methods:
            if (method.upper(), path) in PUBLIC:
                continue
            concrete = re.sub(r"\{[^}]+\}", "x", path)
            for token in (None, forged):
                reply = http.request(method.upper(), concrete, {} if method != "get" else None, token=token)
                assert reply.status == 401, (method, path, reply.status)
            checked += 1
    assert checked >= 40
