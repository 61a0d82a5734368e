"""The contract over HTTP against the running local server."""

from __future__ import annotations

import base64
import http.client as http_client
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from goalpost import declaration
from goalpost.edges.api import NO_SUCH_ROUTE
from tests.e2e.conftest import ROOT, Client, free_port, start_server, stop_server

pytestmark = pytest.mark.e2e
SAVINGS = {"name": "Emergency Fund", "type": "savings", "target_amount": 10000, "current_amount": 2500}


def test_health_and_docs_need_no_token(http: Client) -> None:
    health = http.request("GET", "/health")
    assert health.status == 200
    assert health.json["status"] == "ok"
    assert http.request("GET", "/docs").status == 200
    assert "text/html" in http.request("GET", "/docs").headers["content-type"]
    assert http.request("GET", "/openapi.json").json["openapi"].startswith("3.")


def test_every_documented_route_is_served(http: Client) -> None:
    """Each operation of the OpenAPI document reaches a handler that knows it (a missing route would fall
    through to the catch-all and answer the generic 'Not found')."""
    token = http.token("route-prober")
    document = http.request("GET", "/openapi.json").json
    for path, operations in document["paths"].items():
        concrete = path.replace("{goal_id}", "nope").replace("{alert_id}", "nope")
        for method in operations:
            reply = http.request(
                method.upper(), concrete, {} if method in ("post", "patch", "put") else None, token=token
            )
            assert reply.status != 401, (method, path)
            assert not (reply.status == 404 and reply.json == {"detail": NO_SUCH_ROUTE}), (method, path)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."],
)
def test_bad_or_missing_tokens_are_401(http: Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else None
    for method, path in (("GET", "/goals"), ("POST", "/goals"), ("GET", "/alerts"), ("GET", "/no-such-route")):
        reply = http.request(method, path, SAVINGS if method == "POST" else None, headers=headers)
        assert reply.status == 401, (method, path)
        assert reply.json["message"] == "Unauthorized"
        assert "Bearer" in reply.json["detail"] or "token" in reply.json["detail"]


def test_expired_and_tampered_tokens_are_401(http: Client) -> None:
    expired = http.token("alice", expires_in=-1)
    assert http.request("GET", "/goals", token=expired).status == 401
    header, payload, signature = http.token("alice").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert http.request("GET", "/goals", token=f"{header}.{forged}.{signature}").status == 401


def test_token_route_validates_its_input(http: Client) -> None:
    assert http.request("POST", "/_local/token", {"user_id": ""}).status == 422
    assert http.request("POST", "/_local/token", {"user_id": "a#b"}).status == 422
    assert http.request("POST", "/_local/token", {"user_id": "a", "expires_in": "soon"}).status == 422
    assert http.request("POST", "/_local/token", raw=b"[").status == 422


def test_goal_crud_and_isolation(http: Client) -> None:
    alice, bob = http.token("e2e-alice"), http.token("e2e-bob")
    created = http.request("POST", "/goals", SAVINGS, token=alice)
    assert created.status == 201
    goal = created.json
    path = f"/goals/{goal['id']}"
    assert http.request("GET", path, token=alice).json == goal
    for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
        reply = http.request(method, path, body, token=bob)
        assert reply.status == 404
        assert "detail" in reply.json
    assert http.request("GET", "/goals", token=bob).json == []
    patched = http.request("PATCH", path, {"current_amount": 5000}, token=alice)
    assert patched.json["percent_complete"] == 50.0
    assert http.request("DELETE", path, token=alice).status == 204
    assert http.request("GET", path, token=alice).status == 404


def test_bad_input_is_4xx_and_changes_nothing(http: Client) -> None:
    token = http.token("e2e-careful")
    for body in ({**SAVINGS, "user_id": "other"}, {**SAVINGS, "target_amount": -1}, {**SAVINGS, "type": "x"}, {}):
        reply = http.request("POST", "/goals", body, token=token)
        assert reply.status == 422
        assert isinstance(reply.json["detail"], list)
    for raw in (b"{", b"null", b"[]", b'"goal"', b'{"name": NaN}', b"\xff\xfe"):
        assert http.request("POST", "/goals", raw=raw, token=token).status == 422, raw
    assert http.request("GET", "/goals", token=token).json == []
    goal = http.request("POST", "/goals", SAVINGS, token=token).json
    assert http.request("PATCH", f"/goals/{goal['id']}", {"target_amount": "lots"}, token=token).status == 422
    assert http.request("PATCH", f"/goals/{goal['id']}", {"status": "completed"}, token=token).status == 200
    conflict = http.request("PATCH", f"/goals/{goal['id']}", {"status": "active"}, token=token)
    assert conflict.status == 409
    assert http.request("GET", f"/goals/{goal['id']}", token=token).json["status"] == "completed"


def test_pagination_over_http(http: Client) -> None:
    token = http.token("e2e-pager")
    ids = [http.request("POST", "/goals", {**SAVINGS, "name": f"g{n}"}, token=token).json["id"] for n in range(5)]
    seen: list[str] = []
    path = "/goals?limit=2"
    while True:
        reply = http.request("GET", path, token=token)
        seen += [g["id"] for g in reply.json]
        token_header = reply.headers.get("x-next-token")
        if not token_header:
            break
        path = f"/goals?limit=2&next_token={token_header}"
    assert seen == list(reversed(ids))
    assert http.request("GET", "/goals?limit=500", token=token).status == 422


def test_idempotent_create_over_http(http: Client) -> None:
    token = http.token("e2e-retry")
    headers = {"Idempotency-Key": "abc-123"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(
            lambda _: http.request("POST", "/goals", SAVINGS, token=token, headers=headers), range(2)
        )
    statuses = sorted([first.status, second.status])
    # Two at once: one creates; the other's write is refused by the key's record, and it replays the answer.
    assert statuses == [201, 201]
    replay = http.request("POST", "/goals", SAVINGS, token=token, headers=headers)
    assert replay.status == 201
    assert replay.json["id"] == next(r.json["id"] for r in (first, second) if r.status == 201)
    assert len(http.request("GET", "/goals", token=token).json) == 1
    assert http.request("POST", "/goals", {**SAVINGS, "name": "B"}, token=token, headers=headers).status == 422


def test_reaching_a_target_raises_and_publishes_one_alert(http: Client) -> None:
    token = http.token("e2e-achiever")
    goal = http.request("POST", "/goals", SAVINGS, token=token).json
    for amount in (10000, 9000, 10000):
        http.request("PATCH", f"/goals/{goal['id']}", {"current_amount": amount}, token=token)
    alerts = http.request("GET", "/alerts?type=goal_completed", token=token).json
    assert len(alerts) == 1
    published = [
        p for p in http.request("GET", "/_local/published").json if p["attributes"].get("alert_id") == alerts[0]["id"]
    ]
    assert len(published) == 1
    assert published[0]["attributes"]["channel"] == "event"
    assert published[0]["attributes"]["alert_type"] == "goal_completed"
    assert published[0]["topic"].startswith("arn:aws:sns:")
    read = http.request("PATCH", f"/alerts/{alerts[0]['id']}/read", token=token)
    assert read.json["read_at"] is not None
    assert http.request("GET", "/alerts?unread=true&type=goal_completed", token=token).json == []


def test_jobs_run_on_demand_as_of_a_given_time(http: Client) -> None:
    reply = http.request("POST", "/_local/jobs/end_of_day_goals", {"now": "2026-12-01T00:00:00Z"})
    assert reply.status == 200
    assert reply.json["scheduled_time"] == "2026-12-01T00:00:00+00:00"
    assert http.request("POST", "/_local/jobs/snapshot").status == 200
    assert http.request("POST", "/_local/jobs/nope").status == 404
    assert http.request("POST", "/_local/jobs/snapshot", {"now": "yesterday"}).status == 422


def test_market_control_sets_the_simulated_market(http: Client) -> None:
    assert http.request("PUT", "/_local/market", {"prices": {"AAPL": 175.0}, "fault": None}).status == 200
    assert http.request("PUT", "/_local/market", {"prices": [1]}).status == 422
    assert http.request("PUT", "/_local/market", {"prices": {}, "fault": "meteor"}).status == 422


def test_cors_preflight(http: Client) -> None:
    reply = http.request(
        "OPTIONS", "/goals", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    )
    assert reply.status == 204
    assert "idempotency-key" in reply.headers["access-control-allow-headers"]


def test_one_keep_alive_connection_survives_odd_requests(http: Client) -> None:
    """Found by the contract fuzzer: a preflight's body was left on the connection and read as the next
    request line; unknown methods got http.server's HTML 501."""
    token = http.token("keepalive")
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection = http_client.HTTPConnection(http.base.removeprefix("http://"), timeout=10)
    try:
        connection.request("OPTIONS", "/goals", body=json.dumps(SAVINGS), headers=auth)
        assert connection.getresponse().read() == b""
        connection.request("TRACE", "/goals", body=json.dumps(SAVINGS), headers=auth)
        answer = connection.getresponse()
        # The contract: 404 for no such route (a method the path does not take included), always JSON.
        assert (answer.status, json.loads(answer.read())) == (404, {"detail": NO_SUCH_ROUTE})
        connection.request("BREW", "/elsewhere", headers=auth)
        unknown = connection.getresponse()
        assert (unknown.status, json.loads(unknown.read())["detail"]) == (404, NO_SUCH_ROUTE)
        # A chunked body is read whole, and the connection goes on.
        chunks = (part.encode() for part in (json.dumps(SAVINGS)[:10], json.dumps(SAVINGS)[10:]))
        connection.request("POST", "/goals", body=chunks, headers=auth, encode_chunked=True)
        created = connection.getresponse()
        assert (created.status, json.loads(created.read())["name"]) == (201, SAVINGS["name"])
        connection.request("GET", "/goals", headers=auth)
        assert [g["name"] for g in json.loads(connection.getresponse().read())] == [SAVINGS["name"]]
    finally:
        connection.close()


def test_schedules_tick_and_ctrl_c_stops_cleanly() -> None:
    server = start_server("--schedules", "on", env={"POWERTOOLS_LOG_LEVEL": "INFO"})
    try:
        deadline = time.monotonic() + 30
        ran: list[dict[str, object]] = []
        while not ran and time.monotonic() < deadline:  # the price update ticks every 10 seconds
            time.sleep(0.5)
            ran = [
                entry
                for entry in (json.loads(line) for line in list(server.output) if line.startswith("{"))
                if entry.get("message") == "Job finished" and entry.get("job") == "price_update"
            ]
        assert ran, "the scheduler did not run the price update"
        assert str(ran[0]["scheduled_time"]).endswith("+00:00")
        assert server.client.request("GET", "/health").status == 200
    finally:
        server.process.send_signal(signal.SIGINT)
        try:
            assert server.process.wait(timeout=15) == 0
        except subprocess.TimeoutExpired:
            server.process.send_signal(signal.SIGUSR1)  # the server prints every thread's stack
            time.sleep(2)
            server.process.kill()
            pytest.fail("Ctrl-C did not stop the server in 15 s; its threads:\n" + "".join(server.output[-200:]))


def test_throttling_mirrors_the_stage_when_on() -> None:
    server = start_server("--schedules", "off", "--throttle", "on")
    try:
        token = server.client.token("e2e-flood")
        # Past the burst, as fast as 16 clients go: the bucket refills at the stage's rate, so the flood goes on
        # until it outruns the refill (a few seconds here), within a bound that a slow machine still reaches.
        statuses: list[int] = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            while 429 not in statuses and len(statuses) < 40 * declaration.THROTTLE_BURST:
                batch = range(declaration.THROTTLE_BURST)
                statuses += pool.map(lambda _: server.client.request("GET", "/health").status, batch)
        assert 429 in statuses
        assert 200 in statuses
        assert token
    finally:
        stop_server(server)


def test_ctrl_c_stops_a_server_started_with_sigint_ignored() -> None:
    """A script's `make run &`, or a test runner's worker, starts the server with SIGINT ignored, which Python keeps:
    the server then sat through every Ctrl-C (seen as the test above timing out under pytest-xdist)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/goalpost/python'}{os.pathsep}{ROOT}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local", "--port", str(free_port()), "--quiet", "--schedules", "off"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509 (no threads yet)
    )
    try:
        assert process.stdout is not None
        while not (line := process.stdout.readline()).startswith("ready ") and line:
            pass
        assert line.startswith("ready "), "the local server did not start"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
