"""Cognito: required TOTP, short token lifetimes, the Essentials plan, the email sender, and access tokens for
the API from managed login (resource server scope, authorization code grant only, the domain and its branding)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack, assertions

from goalpost import declaration
from infra.constructs.auth import (
    CALLBACK_URLS_CONTEXT,
    DEFAULT_CALLBACK_URLS,
    DEFAULT_LOGOUT_URLS,
    DOMAIN_PREFIX_CONTEXT,
    LOGOUT_URLS_CONTEXT,
    SES_FROM_ADDRESS_CONTEXT,
    SES_REGION_CONTEXT,
    Auth,
)

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


def _only(template: dict[str, Any], type_: str) -> dict[str, Any]:
    """The properties of the one resource of ``type_``."""
    (resource,) = (r for r in template["Resources"].values() if r["Type"] == type_)
    props: dict[str, Any] = resource["Properties"]
    return props


def _email_configuration(template: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = _only(template, "AWS::Cognito::UserPool").get("EmailConfiguration", {})
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


def test_the_resource_server_grants_the_api_scope(synth: Synth) -> None:
    (server,) = synth.resources("AWS::Cognito::UserPoolResourceServer").values()
    props = server["Properties"]
    assert props["Identifier"] == declaration.API_RESOURCE_SERVER
    assert [scope["ScopeName"] for scope in props["Scopes"]] == [declaration.API_SCOPE_NAME]
    assert f"{props['Identifier']}/{props['Scopes'][0]['ScopeName']}" == declaration.API_SCOPE


def test_the_client_signs_in_through_managed_login_with_the_code_grant_only(synth: Synth) -> None:
    """Authorization code (with PKCE: a public client), no implicit grant, no client credentials; the access
    token carries the API scope. No SRP: its access tokens carry only aws.cognito.signin.user.admin."""
    (client,) = synth.resources("AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["AllowedOAuthFlows"] == ["code"]
    assert sorted(props["AllowedOAuthScopes"]) == sorted(["openid", "email", declaration.API_SCOPE])
    assert props["SupportedIdentityProviders"] == ["COGNITO"]
    assert props["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert props.get("GenerateSecret", False) is False
    # The deployed web app's own URLs first (tests/infra/test_web.py), then the context's (the local defaults).
    assert props["CallbackURLs"][1:] == list(DEFAULT_CALLBACK_URLS)
    assert props["LogoutURLs"][1:] == list(DEFAULT_LOGOUT_URLS)
    # The client may only ask for the scope once the resource server defines it.
    server_id = next(iter(synth.resources("AWS::Cognito::UserPoolResourceServer")))
    assert server_id in client.get("DependsOn", []) or server_id in synth.refs(props)


def test_callback_and_logout_urls_come_from_the_context() -> None:
    template = _auth_template(
        **{
            CALLBACK_URLS_CONTEXT: "https://app.example.com/app/callback, http://localhost:3000/app/callback",
            LOGOUT_URLS_CONTEXT: "https://app.example.com/app/",
        }
    )
    client = _only(template, "AWS::Cognito::UserPoolClient")
    assert client["CallbackURLs"] == ["https://app.example.com/app/callback", "http://localhost:3000/app/callback"]
    assert client["LogoutURLs"] == ["https://app.example.com/app/"]


def test_the_managed_login_domain_is_a_prefix_unique_per_account(synth: Synth) -> None:
    (domain,) = synth.resources("AWS::Cognito::UserPoolDomain").values()
    props = domain["Properties"]
    assert props["ManagedLoginVersion"] == 2
    assert "CustomDomainConfig" not in props
    assert {"Ref": "AWS::AccountId"} in props["Domain"]["Fn::Join"][1]
    literal = "".join(part for part in props["Domain"]["Fn::Join"][1] if isinstance(part, str))
    assert literal == literal.lower()
    assert not any(word in literal for word in ("aws", "amazon", "cognito"))


def test_the_domain_prefix_comes_from_the_context() -> None:
    template = _auth_template(**{DOMAIN_PREFIX_CONTEXT: "goalpost-prod"})
    assert _only(template, "AWS::Cognito::UserPoolDomain")["Domain"] == "goalpost-prod"


@pytest.mark.parametrize("prefix", ["Goalpost", "my-aws-login", "cognito-goalpost", "amazon1", "a_b", "-goal"])
def test_a_domain_prefix_cognito_refuses_fails_the_synth(prefix: str) -> None:
    with pytest.raises(ValueError, match=DOMAIN_PREFIX_CONTEXT):
        _auth_template(**{DOMAIN_PREFIX_CONTEXT: prefix})


def test_managed_login_is_branded_with_cognito_values_for_the_client(synth: Synth) -> None:
    """Managed login version 2 renders a client's pages only once a branding style exists for it."""
    (branding,) = synth.resources("AWS::Cognito::ManagedLoginBranding").values()
    props = branding["Properties"]
    assert props["UseCognitoProvidedValues"] is True
    client_id = next(iter(synth.resources("AWS::Cognito::UserPoolClient")))
    pool_id = synth.logical_id(synth.stack.auth.user_pool)
    assert props["ClientId"] == {"Ref": client_id}
    assert props["UserPoolId"] == {"Ref": pool_id}


def test_the_stack_tells_a_web_app_where_managed_login_is(synth: Synth) -> None:
    output = synth.json["Outputs"]["UserPoolDomainUrl"]
    domain_id = next(iter(synth.resources("AWS::Cognito::UserPoolDomain")))
    assert domain_id in synth.refs(output["Value"])
    assert "UserPoolClientId" in synth.json["Outputs"]
