"""Deployed, the API answers only requests that came through CloudFront: CloudFront adds a header carrying a
generated secret (infra.constructs.edge), every API function compares it with the secret before anything else.
Locally the local server is the edge: the setting is unset and the check is off."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.edges.api import ORIGIN_REFUSED
from goalpost.settings import reset_settings
from infra.local.aws import LocalAws
from tests.handlers.conftest import Api

ORIGIN_SECRET = "Zq3rX9-generated-by-secrets-manager"
SAVINGS = {"name": "Fund", "type": "savings", "target_amount": 1000}


@pytest.fixture
def behind_cloudfront(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The origin secret in Secrets Manager, and the functions told its ARN, as the stack deploys them."""
    created = goalpost_aws.client("secretsmanager").create_secret(
        Name="test-origin-verify", SecretString=json.dumps({declaration.ORIGIN_SECRET_FIELD: ORIGIN_SECRET})
    )
    monkeypatch.setenv(declaration.ORIGIN_SECRET_ENV, created["ARN"])
    reset_settings()
    yield
    monkeypatch.delenv(declaration.ORIGIN_SECRET_ENV)
    reset_settings()
    goalpost_aws.reset_clients()  # and the cached secret


def through_cloudfront(value: str = ORIGIN_SECRET) -> dict[str, str]:
    return {declaration.ORIGIN_VERIFY_HEADER: value}


@pytest.mark.parametrize("headers", [{}, through_cloudfront("wrong"), through_cloudfront(ORIGIN_SECRET[:-1])])
def test_a_request_without_the_origin_secret_is_403_and_changes_nothing(
    api: Api, behind_cloudfront: None, headers: dict[str, str]
) -> None:
    reply = api.post("/goals", SAVINGS, headers=headers)
    assert (reply.status, reply.body) == (403, {"detail": ORIGIN_REFUSED})
    assert api.get("/health", headers=headers).status == 403
    assert api.get("/goals", headers=through_cloudfront()).body == []


def test_a_request_through_cloudfront_gets_the_normal_answer(api: Api, behind_cloudfront: None) -> None:
    created = api.post("/goals", SAVINGS, headers=through_cloudfront())
    assert created.status == 201
    assert created.body["name"] == "Fund"
    assert api.get("/goals", headers=through_cloudfront()).body == [created.body]
    assert api.get("/health", headers=through_cloudfront()).status == 200


def test_the_check_comes_before_the_body_limits(api: Api, behind_cloudfront: None) -> None:
    """A direct caller learns nothing about the API, not even its body limit."""
    reply = api.call("POST", "/goals", raw_body="x" * (70 * 1024))
    assert reply.status == 403


def test_the_secret_is_read_once_per_container(api: Api, behind_cloudfront: None) -> None:
    reads: list[str] = []
    events = goalpost_aws.client("secretsmanager").meta.events

    def count(model: object, **_: object) -> None:
        reads.append(str(model))

    events.register("before-call.secretsmanager.GetSecretValue", count)
    try:
        for _ in range(3):
            assert api.get("/goals", headers=through_cloudfront()).status == 200
    finally:
        events.unregister("before-call.secretsmanager.GetSecretValue", count)
    assert len(reads) <= 1


def test_without_the_setting_the_api_answers_as_today(api: Api) -> None:
    """The local server (and every test without the setting): no header needed, a stray one ignored."""
    assert api.post("/goals", SAVINGS).status == 201
    assert api.get("/goals", headers=through_cloudfront("anything")).status == 200
