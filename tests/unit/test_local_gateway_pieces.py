"""The local gateway's API Gateway emulation: route selection, claims shaping, JWT verification."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from goalpost import declaration
from infra.local.auth import InvalidToken, TokenAuthority, api_gateway_claims, bearer_token
from infra.local.routing import RouteTable


@pytest.fixture(scope="module")
def authority() -> TokenAuthority:
    return TokenAuthority()


@pytest.mark.parametrize(
    ("method", "path", "function", "route_key"),
    [
        ("GET", "/health", "system-api", "GET /health"),
        ("GET", "/openapi.json", "system-api", "GET /openapi.json"),
        ("GET", "/goals", "goals-api", "ANY /goals"),
        ("POST", "/goals/abc/pause", "goals-api", "ANY /goals/{proxy+}"),
        ("PATCH", "/alerts/x/read", "alerts-api", "ANY /alerts/{proxy+}"),
        ("GET", "/nothing-here", "system-api", "$default"),
        ("POST", "/health", "system-api", "$default"),
        ("GET", "/goalsx", "system-api", "$default"),
    ],
)
def test_routes_are_chosen_as_api_gateway_chooses(method: str, path: str, function: str, route_key: str) -> None:
    match = RouteTable().match(method, path)
    assert match is not None
    assert (match.function.name, match.route.route_key) == (function, route_key)


def test_greedy_route_passes_the_rest_as_proxy() -> None:
    match = RouteTable().match("GET", "/goals/abc/pause")
    assert match is not None
    assert match.path_parameters == {"proxy": "abc/pause"}


def test_a_more_specific_route_wins_over_the_greedy_one() -> None:
    match = RouteTable().match("GET", "/goals/abc/milestones/progress")
    assert match is not None
    assert match.function.name == "goal-tracking-api"
    assert match.path_parameters == {"goal_id": "abc", "proxy": "progress"}


def test_only_docs_and_health_are_public() -> None:
    public = {r.route_key for f in declaration.API_FUNCTIONS for r in f.routes if r.public}
    assert public == {
        "GET /health",
        "GET /openapi.json",
        "GET /docs",
        "GET /docs/swagger-ui-bundle.js",
        "GET /docs/swagger-ui.css",
    }


def test_issued_tokens_verify(authority: TokenAuthority) -> None:
    claims = authority.verify(authority.issue("alice", ["admin", "users"]))
    assert claims["sub"] == "alice"
    shaped = api_gateway_claims(claims)
    assert shaped["cognito:groups"] == "[admin users]"
    assert all(isinstance(v, str) for v in shaped.values())


def test_expired_tokens_fail(authority: TokenAuthority) -> None:
    with pytest.raises(InvalidToken):
        authority.verify(authority.issue("alice", expires_in=-5))


def test_tokens_of_another_key_fail(authority: TokenAuthority) -> None:
    other = TokenAuthority()
    with pytest.raises(InvalidToken):
        authority.verify(other.issue("alice"))


def test_wrong_client_or_issuer_fail(authority: TokenAuthority) -> None:
    for issuer, client_id in (("https://evil", authority.client_id), (authority.issuer, "someone-else")):
        forged = TokenAuthority(issuer=issuer, client_id=client_id)
        forged._private_key = authority._private_key  # same key: only the claim differs
        forged.key_id = authority.key_id
        with pytest.raises(InvalidToken):
            authority.verify(forged.issue("alice"))


def test_unsigned_tokens_fail(authority: TokenAuthority) -> None:
    token = jwt.encode({"sub": "alice"}, key=None, algorithm="none")
    with pytest.raises(InvalidToken):
        authority.verify(token)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_malformed_authorization_headers(header: str | None) -> None:
    with pytest.raises(InvalidToken):
        bearer_token(header)


def test_concurrent_requests_each_see_their_own_event() -> None:
    """Powertools keeps the current event on the BaseRouter class; locally it is made per thread."""
    import threading

    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, Router

    from infra.local.threads import isolate_concurrent_requests

    isolate_concurrent_requests()
    isolate_concurrent_requests()  # idempotent
    seen: dict[int, object] = {}
    barrier = threading.Barrier(8)

    def request(n: int) -> None:
        BaseRouter.current_event = n  # type: ignore[assignment]
        barrier.wait()  # every thread has set its own before any reads
        seen[n] = Router().current_event

    threads = [threading.Thread(target=request, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {n: n for n in range(8)}


@pytest.mark.parametrize(
    ("words", "refused"),
    [
        (["GET", "/goals?limit=5", "HTTP/1.1"], False),
        (["M-SEARCH", "/x", "HTTP/1.0"], False),
        (["GET", "/goals"], True),
        (["Get", "/goals", "HTTP/1.1"], True),
        (["GET", "http://host/goals", "HTTP/1.1"], True),
        (["GET", "*", "HTTP/1.1"], True),
        (["GET", "/goals", "HTTP/0.9"], True),
        (["GET", "", "/goals", "HTTP/1.1"], True),
    ],
)
def test_request_lines_api_gateway_refuses(words: list[str], refused: bool) -> None:
    from infra.local.server import request_line_problem

    assert (request_line_problem(words) is not None) == refused


def test_an_idle_connection_is_closed() -> None:
    """A keep-alive connection that says nothing no longer holds its thread for good."""
    import socket
    import threading
    import time

    from infra.local.lambdas import HandlerRegistry
    from infra.local.scheduler import JobRunner
    from infra.local.server import LocalGateway

    registry = HandlerRegistry()
    gateway = LocalGateway(
        ("127.0.0.1", 0),
        authority=TokenAuthority(),
        registry=registry,
        runner=JobRunner(registry),
        idle_timeout_seconds=0.3,
    )
    threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with socket.create_connection(gateway.server_address[:2], timeout=5) as idle:
            started = time.monotonic()
            assert idle.recv(1) == b""  # closed by the server, not by this client's own timeout
            assert time.monotonic() - started < 2
    finally:
        gateway.shutdown()
        gateway.server_close()


def test_a_key_file_keeps_tokens_valid_across_restarts(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "local.pem"
    first = TokenAuthority(key_file=key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    token = first.issue("alice")

    restarted = TokenAuthority(key_file=key_file)
    assert restarted.verify(token)["sub"] == "alice"
    assert restarted.jwks() == first.jwks()
    assert [path.name for path in key_file.parent.iterdir()] == ["local.pem"]  # no temporary file left
    with pytest.raises(InvalidToken):
        TokenAuthority().verify(token)  # without the file, each start has a key of its own


def test_a_key_file_that_holds_something_else_is_refused_not_replaced(tmp_path: Path) -> None:
    key_file = tmp_path / "local.pem"
    key_file.write_text("not a key")
    with pytest.raises(ValueError, match="key"):
        TokenAuthority(key_file=key_file)
    assert key_file.read_text() == "not a key"
