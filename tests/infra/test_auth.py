"""Cognito: required TOTP, short token lifetimes, enforced threat protection and the email sender."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack, assertions

from goalpost import declaration
from infra.constructs.auth import SES_FROM_ADDRESS_CONTEXT, SES_REGION_CONTEXT, Auth

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

_UNITS = {
    "seconds": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
}
# CloudFormation's defaults when TokenValidityUnits leaves a token out.
_DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


def _pool(synth: Synth) -> dict[str, Any]:
    props: dict[str, Any] = synth.json["Resources"][synth.logical_id(synth.stack.auth.user_pool)]["Properties"]
    return props


def _lifetime(client: dict[str, Any], token: str) -> timedelta:
    """A client's token validity as a duration; absent means Cognito's default (1 h, 1 h, 30 days)."""
    defaults = {"AccessToken": 1, "IdToken": 1, "RefreshToken": 30}
    value = client.get(f"{token}Validity", defaults[token])
    unit = client.get("TokenValidityUnits", {}).get(token, _DEFAULT_UNITS[token])
    return value * _UNITS[unit]


def _auth_template(**context: str) -> dict[str, Any]:
    """The Auth construct alone in a stack, under the given context: cheaper than synthesizing the app again."""
    stack = Stack(App(context=context), "AuthOnly")
    Auth(stack, "Auth", deletion_protection=False)
    return dict(assertions.Template.from_stack(stack).to_json())


def _email_configuration(template: dict[str, Any]) -> dict[str, Any]:
    (pool,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Cognito::UserPool")
    config: dict[str, Any] = pool["Properties"].get("EmailConfiguration", {})
    return config


def test_mfa_is_required_with_only_a_software_token(synth: Synth) -> None:
    props = _pool(synth)
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]  # no SMS: no SIM-swap, no SMS spend
    assert "SmsConfiguration" not in props


def test_token_lifetimes_are_at_most_an_hour_and_a_week(synth: Synth) -> None:
    clients = synth.resources("AWS::Cognito::UserPoolClient")
    assert clients
    for logical_id, client in clients.items():
        props = client["Properties"]
        assert _lifetime(props, "AccessToken") <= timedelta(minutes=60), logical_id
        assert _lifetime(props, "IdToken") <= timedelta(minutes=60), logical_id
        assert _lifetime(props, "RefreshToken") <= timedelta(days=7), logical_id
        assert props["EnableTokenRevocation"] is True, logical_id


def test_the_pool_stays_on_the_essentials_plan(synth: Synth) -> None:
    """Threat protection needs Plus, billed per active user above the whole per-user cost goal."""
    props = _pool(synth)
    assert props["UserPoolTier"] == "ESSENTIALS"
    assert "UserPoolAddOns" not in props


def test_email_goes_through_ses_when_a_verified_address_is_configured() -> None:
    config = _email_configuration(_auth_template(**{SES_FROM_ADDRESS_CONTEXT: "no-reply@example.com"}))
    assert config["EmailSendingAccount"] == "DEVELOPER"
    assert config["From"] == "Goalpost <no-reply@example.com>"
    assert "identity/no-reply@example.com" in str(config["SourceArn"])
    assert {"Ref": "AWS::Region"} in config["SourceArn"]["Fn::Join"][1]  # the stack's region by default


def test_the_ses_identity_may_live_in_another_region() -> None:
    config = _email_configuration(
        _auth_template(**{SES_FROM_ADDRESS_CONTEXT: "no-reply@example.com", SES_REGION_CONTEXT: "eu-west-1"})
    )
    assert ":ses:eu-west-1:" in str(config["SourceArn"])


@pytest.mark.parametrize("context", [{}, {SES_FROM_ADDRESS_CONTEXT: ""}], ids=["absent", "empty"])
def test_email_falls_back_to_cognito_without_a_verified_address(context: dict[str, str]) -> None:
    config = _email_configuration(_auth_template(**context))
    assert config.get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT"
    assert "SourceArn" not in config


def test_every_private_route_requires_the_api_scope(synth: Synth) -> None:
    """Only an access token carries a scope, so the scope on each route is what refuses ID tokens."""
    routes = synth.resources("AWS::ApiGatewayV2::Route").values()
    private = [route["Properties"] for route in routes if route["Properties"].get("AuthorizationType") == "JWT"]
    public = [route["Properties"] for route in routes if route["Properties"].get("AuthorizationType") != "JWT"]
    assert private
    assert public, "the health check and the docs stay public"
    assert all(route.get("AuthorizationScopes") == [declaration.API_SCOPE] for route in private)
    assert not any(route.get("AuthorizationScopes") for route in public)
