"""The local authority issues Cognito-style access tokens and refuses what API Gateway's JWT authorizer refuses on
a route that requires the API scope: an ID token, a token without the scope (403), another client's (401)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest

from goalpost import declaration
from infra.local.auth import InvalidToken, MissingScope, TokenAuthority, api_gateway_claims
from infra.local.routing import RouteTable, build_event


@pytest.fixture(scope="module")
def authority() -> TokenAuthority:
    return TokenAuthority()


def _claims(authority: TokenAuthority, **changes: Any) -> dict[str, Any]:
    """An access token's claims as the authority issues them, with ``changes`` applied (None removes one)."""
    claims = jwt.decode(authority.issue("alice"), options={"verify_signature": False})
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _id_token(authority: TokenAuthority) -> str:
    """What Cognito issues as an ID token for the same client: ``aud`` is the client, no scope."""
    now = int(time.time())
    return authority.sign(
        {
            "sub": "alice",
            "iss": authority.issuer,
            "aud": authority.client_id,
            "token_use": "id",
            "cognito:username": "alice",
            "email": "alice@example.com",
            "iat": now,
            "auth_time": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
        }
    )


def test_issued_tokens_are_cognito_access_tokens(authority: TokenAuthority) -> None:
    claims = jwt.decode(authority.issue("alice", ["admin"], 600), options={"verify_signature": False})
    assert claims["token_use"] == "access"
    assert claims["client_id"] == authority.client_id
    assert "aud" not in claims  # Cognito access tokens name their client in client_id, never in aud
    assert claims["scope"] == declaration.API_SCOPE  # a space-separated string, as Cognito writes it
    assert (claims["sub"], claims["username"], claims["cognito:groups"]) == ("alice", "alice", ["admin"])
    assert claims["iss"] == authority.issuer
    assert claims["exp"] - claims["iat"] == 600
    assert claims["auth_time"] == claims["iat"]
    assert claims["jti"]


def test_groups_are_left_out_when_none_are_given(authority: TokenAuthority) -> None:
    claims = authority.verify(authority.issue("alice"))
    assert "cognito:groups" not in claims


def test_an_id_token_signed_by_the_same_key_is_forbidden(authority: TokenAuthority) -> None:
    with pytest.raises(MissingScope) as refused:
        authority.verify(_id_token(authority))
    assert refused.value.status == 403
    assert "ID token" in str(refused.value)
    assert "access token" in str(refused.value)


@pytest.mark.parametrize("scope", [None, "", "openid email", "goalpost/other aws.cognito.signin.user.admin"])
def test_an_access_token_without_the_api_scope_is_forbidden(authority: TokenAuthority, scope: str | None) -> None:
    with pytest.raises(MissingScope) as refused:
        authority.verify(authority.sign(_claims(authority, scope=scope)))
    assert refused.value.status == 403
    assert declaration.API_SCOPE in str(refused.value)


def test_the_api_scope_among_others_is_enough(authority: TokenAuthority) -> None:
    token = authority.sign(_claims(authority, scope=f"openid {declaration.API_SCOPE} email"))
    assert authority.verify(token)["sub"] == "alice"


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "another-client"},
        {"client_id": None},  # no audience at all
        {"aud": "another-client"},  # aud, when present, is what API Gateway checks, not client_id
    ],
    ids=["other-client", "no-client", "other-aud"],
)
def test_a_token_for_another_client_is_unauthorized(authority: TokenAuthority, changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken) as refused:
        authority.verify(authority.sign(_claims(authority, **changes)))
    assert not isinstance(refused.value, MissingScope)
    assert refused.value.status == 401
    assert "client" in str(refused.value)


def test_the_audience_is_checked_before_the_scope(authority: TokenAuthority) -> None:
    """An ID token of another client is a 401 (not this API's), not a 403 (no scope)."""
    claims = jwt.decode(_id_token(authority), options={"verify_signature": False})
    with pytest.raises(InvalidToken) as refused:
        authority.verify(authority.sign({**claims, "aud": "another-client"}))
    assert refused.value.status == 401


def test_the_event_carries_the_token_scopes(authority: TokenAuthority) -> None:
    """As API Gateway passes an access token's scopes to the function, beside its claims."""
    match = RouteTable().match("GET", "/goals")
    assert match is not None
    claims = api_gateway_claims(authority.verify(authority.issue("alice", ["admin"])))
    event = build_event(
        match=match,
        method="GET",
        raw_path="/goals",
        raw_query="",
        headers=[],
        body=b"",
        source_ip="127.0.0.1",
        claims=claims,
        host="localhost",
    )
    authorizer = event["requestContext"]["authorizer"]["jwt"]
    assert authorizer["scopes"] == [declaration.API_SCOPE]
    assert authorizer["claims"]["cognito:groups"] == "[admin]"
    assert authorizer["claims"]["client_id"] == authority.client_id
