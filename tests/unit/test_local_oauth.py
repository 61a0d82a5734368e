"""The local sign-in (authorization code with PKCE): codes are one-use, expire, are bound to their client,
redirect URI and challenge; the verifier is checked S256; refreshes and refusals answer as Cognito's token
endpoint does; a request that cannot go back to the app is an error page, never a redirect."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from infra.local.auth import CLIENT_ID, MissingScope, TokenAuthority
from infra.local.oauth import CODE_TTL_SECONDS, LocalSignIn, s256
from infra.local.webapp import Reply

ORIGIN = "http://127.0.0.1:3000"
CALLBACK = f"{ORIGIN}/app/callback"
VERIFIER = "v" * 43 + "-._~0123456789"
FORM = "application/x-www-form-urlencoded"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()  # tokens are checked against the real time

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def authority() -> TokenAuthority:
    return TokenAuthority()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sign_in(authority: TokenAuthority, clock: Clock) -> LocalSignIn:
    return LocalSignIn(authority, clock=clock)


def authorize_request(**changes: str | None) -> dict[str, str]:
    """What the app sends to the authorization endpoint, with ``changes`` (None leaves a field out)."""
    request: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "state": "state-123",
        "scope": "openid email goalpost/api",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **changes,
    }
    return {name: value for name, value in request.items() if value is not None}


def submit(sign_in: LocalSignIn, user: str, **changes: str | None) -> Reply:
    body = urlencode({**authorize_request(**changes), "username": user}).encode()
    return sign_in.answer("POST", "/_local/oauth2/authorize", "", body, origin=ORIGIN, content_type=FORM)


def code_for(sign_in: LocalSignIn, user: str = "alice", **changes: str | None) -> str:
    reply = submit(sign_in, user, **changes)
    assert reply.status == 303, reply.body
    query = parse_qs(urlsplit(reply.headers["location"]).query)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def token(sign_in: LocalSignIn, content_type: str = FORM, **fields: str) -> tuple[int, dict[str, Any]]:
    reply = sign_in.answer(
        "POST", "/_local/oauth2/token", "", urlencode(fields).encode(), origin=ORIGIN, content_type=content_type
    )
    assert reply.headers["cache-control"] == "no-store"
    return reply.status, json.loads(reply.body)


def exchange(sign_in: LocalSignIn, code: str, **changes: str) -> tuple[int, dict[str, Any]]:
    fields = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
        **changes,
    }
    return token(sign_in, **fields)


def test_s256_agrees_with_the_app_and_openssl() -> None:
    # The vector of web/src/auth/pkce.test.ts: printf %s <verifier> | openssl dgst -sha256 -binary | base64url.
    assert s256("dBjftJeZ4CVP-mJ92K6JFlbb2LmxcHS4uItTzErNh2Y") == "xGCpQj7tHlktjx7SkcKL0Op4txmqiSLmTHxaXBI0e1Y"


def test_the_page_shows_a_labelled_user_name_field_and_carries_the_request(sign_in: LocalSignIn) -> None:
    reply = sign_in.answer(
        "GET", "/_local/oauth2/authorize", urlencode(authorize_request()), b"", origin=ORIGIN, content_type=""
    )
    page = reply.body.decode()
    assert reply.status == 200
    assert '<label for="username">User name</label>' in page
    assert '<button type="submit">Sign in</button>' in page
    assert f'name="code_challenge" value="{s256(VERIFIER)}"' in page
    # Nothing the content security policy refuses: no inline script or style.
    assert "<script" not in page
    assert "style=" not in page
    assert "default-src 'self'" in reply.headers["content-security-policy"]


def test_a_code_gives_tokens_the_api_takes(sign_in: LocalSignIn, authority: TokenAuthority) -> None:
    status, tokens = exchange(sign_in, code_for(sign_in, "alice"))
    assert status == 200
    assert (tokens["token_type"], tokens["expires_in"]) == ("Bearer", 3600)
    assert authority.verify(tokens["access_token"])["sub"] == "alice"
    assert tokens["refresh_token"]
    # The ID token is for the client, not the API, as Cognito's.
    with pytest.raises(MissingScope):
        authority.verify(tokens["id_token"])


def test_a_code_works_once(sign_in: LocalSignIn) -> None:
    code = code_for(sign_in)
    assert exchange(sign_in, code)[0] == 200
    status, answer = exchange(sign_in, code)
    assert (status, answer["error"]) == (400, "invalid_grant")


def test_a_code_expires_after_five_minutes(sign_in: LocalSignIn, clock: Clock) -> None:
    code = code_for(sign_in)
    clock.now += CODE_TTL_SECONDS
    status, answer = exchange(sign_in, code)
    assert (status, answer["error"]) == (400, "invalid_grant")
    assert "expired" in answer["error_description"]


def test_a_code_just_inside_five_minutes_still_works(sign_in: LocalSignIn, clock: Clock) -> None:
    code = code_for(sign_in)
    clock.now += CODE_TTL_SECONDS - 1
    assert exchange(sign_in, code)[0] == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"code_verifier": "w" * 43},  # not the verifier of the challenge
        {"code_verifier": "short"},  # not a verifier at all
        {"redirect_uri": "http://localhost:3000/app/callback"},  # not the redirect_uri the code was made for
    ],
)
def test_a_code_is_bound_to_its_verifier_and_redirect_uri(sign_in: LocalSignIn, changes: dict[str, str]) -> None:
    code = code_for(sign_in)
    status, answer = exchange(sign_in, code, **changes)
    assert (status, answer["error"]) == (400, "invalid_grant")
    # A refused attempt used the code up: a guess at the verifier cannot be retried.
    assert exchange(sign_in, code)[1]["error"] == "invalid_grant"


def test_an_unknown_client_is_refused(sign_in: LocalSignIn) -> None:
    status, answer = exchange(sign_in, code_for(sign_in), client_id="someone-else")
    assert (status, answer["error"]) == (400, "invalid_client")


def test_a_refresh_gives_new_access_and_id_tokens(sign_in: LocalSignIn, authority: TokenAuthority) -> None:
    first = exchange(sign_in, code_for(sign_in, "bob"))[1]
    status, refreshed = token(
        sign_in, grant_type="refresh_token", client_id=CLIENT_ID, refresh_token=first["refresh_token"]
    )
    assert status == 200
    assert authority.verify(refreshed["access_token"])["sub"] == "bob"
    assert refreshed["access_token"] != first["access_token"]
    assert "refresh_token" not in refreshed  # Cognito's answer: the one held stays valid
    assert token(sign_in, grant_type="refresh_token", client_id=CLIENT_ID, refresh_token="made-up")[1]["error"] == (
        "invalid_grant"
    )


@pytest.mark.parametrize(
    ("content_type", "fields", "error"),
    [
        (FORM, {"grant_type": "password", "client_id": CLIENT_ID}, "unsupported_grant_type"),
        (FORM, {"grant_type": "client_credentials", "client_id": CLIENT_ID}, "unsupported_grant_type"),
        (FORM, {"client_id": CLIENT_ID}, "unsupported_grant_type"),
        (FORM, {"grant_type": "authorization_code", "client_id": CLIENT_ID}, "invalid_request"),
        (FORM, {"grant_type": "refresh_token", "client_id": CLIENT_ID}, "invalid_request"),
        ("application/json", {"grant_type": "refresh_token", "client_id": CLIENT_ID}, "invalid_request"),
        (FORM, {"grant_type": "refresh_token"}, "invalid_client"),
    ],
)
def test_bad_token_requests_answer_oauth_errors(
    sign_in: LocalSignIn, content_type: str, fields: dict[str, str], error: str
) -> None:
    status, answer = token(sign_in, content_type, **fields)
    assert (status, answer["error"]) == (400, error)


def test_a_parameter_sent_twice_is_a_bad_request(sign_in: LocalSignIn) -> None:
    body = f"grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token=a&refresh_token=b".encode()
    reply = sign_in.answer("POST", "/_local/oauth2/token", "", body, origin=ORIGIN, content_type=FORM)
    assert (reply.status, json.loads(reply.body)["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "another-client"},
        {"client_id": None},
        {"redirect_uri": "https://evil.example/app/callback"},
        {"redirect_uri": f"{ORIGIN}/app/elsewhere"},
        {"redirect_uri": f"{CALLBACK}?next=https://evil.example"},
        {"redirect_uri": None},
    ],
)
def test_a_request_that_cannot_go_back_to_the_app_is_an_error_page(sign_in: LocalSignIn, changes: Any) -> None:
    query = urlencode(authorize_request(**changes))
    page = sign_in.answer("GET", "/_local/oauth2/authorize", query, b"", origin=ORIGIN, content_type="")
    assert page.status == 400
    assert "location" not in page.headers
    assert "text/html" in page.headers["content-type"]
    assert submit(sign_in, "alice", **changes).status == 400  # nor does posting the form make a code


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"scope": "openid admin"}, "invalid_scope"),
    ],
)
def test_other_bad_requests_go_back_to_the_app_with_the_error(
    sign_in: LocalSignIn, changes: dict[str, str | None], error: str
) -> None:
    query = urlencode(authorize_request(**changes))
    reply = sign_in.answer("GET", "/_local/oauth2/authorize", query, b"", origin=ORIGIN, content_type="")
    assert reply.status == 302
    answer = parse_qs(urlsplit(reply.headers["location"]).query)
    assert (answer["error"], answer["state"]) == ([error], ["state-123"])


def test_the_callback_may_be_on_the_host_the_browser_used(sign_in: LocalSignIn) -> None:
    local = "http://localhost:3000"
    body = urlencode({**authorize_request(redirect_uri=f"{local}/app/callback"), "username": "alice"}).encode()
    reply = sign_in.answer("POST", "/_local/oauth2/authorize", "", body, origin=local, content_type=FORM)
    assert reply.status == 303
    assert reply.headers["location"].startswith(f"{local}/app/callback?code=")


@pytest.mark.parametrize("user", ["", "   ", "has space", "x" * 129, "<script>"])
def test_an_invalid_user_name_shows_the_form_again_with_why(sign_in: LocalSignIn, user: str) -> None:
    reply = submit(sign_in, user)
    page = reply.body.decode()
    assert reply.status == 200
    assert 'role="alert"' in page
    assert 'aria-invalid="true"' in page
    assert "<script>" not in page  # what was typed comes back escaped
    assert 'name="state" value="state-123"' in page
