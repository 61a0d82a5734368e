"""Over HTTP, the local gateway takes only what API Gateway takes on a route that requires the API scope: a
Cognito-style access token of this client. Tokens signed with the server's own key (a key file shared with this
test) but of the wrong kind are refused: an ID token or a token without the scope with API Gateway's 403, one
for another client with its 401."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from goalpost import declaration
from infra.local.auth import TokenAuthority
from tests.e2e.conftest import Client, start_server, stop_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, TokenAuthority]]:
    """A server and an authority in this process that signs with the same key."""
    key_file: Path = tmp_path_factory.mktemp("key") / "local.pem"
    authority = TokenAuthority(key_file=key_file)
    running = start_server("--schedules", "off", "--key-file", str(key_file))
    yield running.client, authority
    stop_server(running)


def _issued(http: Client, user: str) -> dict[str, Any]:
    return dict(jwt.decode(http.token(user), options={"verify_signature": False}))


def test_a_local_token_is_an_access_token_that_works(signed: tuple[Client, TokenAuthority]) -> None:
    http, _ = signed
    claims = _issued(http, "alice")
    assert (claims["token_use"], claims["scope"], "aud" in claims) == ("access", declaration.API_SCOPE, False)
    assert http.request("GET", "/goals", token=http.token("alice")).status == 200


def test_an_id_token_is_forbidden(signed: tuple[Client, TokenAuthority]) -> None:
    http, authority = signed
    claims = _issued(http, "alice")
    for name in ("client_id", "scope", "username"):
        del claims[name]
    id_token = authority.sign({**claims, "token_use": "id", "aud": authority.client_id, "cognito:username": "alice"})
    reply = http.request("GET", "/goals", token=id_token)
    assert (reply.status, reply.json["message"]) == (403, "Forbidden")
    assert "ID token" in reply.json["detail"]
    assert "insufficient_scope" in reply.headers["www-authenticate"]


def test_an_access_token_without_the_scope_is_forbidden(signed: tuple[Client, TokenAuthority]) -> None:
    http, authority = signed
    claims = _issued(http, "alice")
    reply = http.request("GET", "/goals", token=authority.sign({**claims, "scope": "openid email"}))
    assert (reply.status, reply.json["message"]) == (403, "Forbidden")
    assert declaration.API_SCOPE in reply.json["detail"]


def test_a_token_for_another_client_is_unauthorized(signed: tuple[Client, TokenAuthority]) -> None:
    http, authority = signed
    claims = _issued(http, "alice")
    reply = http.request("POST", "/goals", {}, token=authority.sign({**claims, "client_id": "someone-else"}))
    assert (reply.status, reply.json["message"]) == (401, "Unauthorized")
    assert "client" in reply.json["detail"]
