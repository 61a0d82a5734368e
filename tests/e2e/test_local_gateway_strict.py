"""The local gateway refuses what API Gateway refuses, as raw bytes on a socket show.

Found by a probe of `make run`: ``GET //goals`` was served as ``/goals``, an absolute-form target and a
lowercase method were served, HTTP/0.9 got an answer with no status line, and a body shorter than its
Content-Length held a thread until the client gave up. Each is now a JSON refusal under an HTTP/1.1 status line,
on a connection the server closes; what worked before (keep-alive, HEAD, preflights) still does."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest

from goalpost.edges.api import NO_SUCH_ROUTE
from tests.e2e.conftest import Client, Server, start_server, stop_server


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (a timeout fails the test)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def exchange(base: str, data: bytes) -> bytes:
    with connect(base) as sock:
        sock.sendall(data)
        return until_closed(sock)


def parse(raw: bytes) -> tuple[str, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode("iso-8859-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return status, headers, json.loads(body) if body else None


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET http://127.0.0.1:3000/goals HTTP/1.1",  # absolute-form
        b"get /goals HTTP/1.1",  # a method API Gateway does not know
        b"GET /goals",  # HTTP/0.9: answered with no status line at all before
        b"GET /goals HTTP/2.0",
        b"GET  /goals HTTP/1.1",
    ],
)
def test_what_api_gateway_refuses_is_a_json_400_and_the_connection_closes(http: Client, request_line: bytes) -> None:
    token = http.token("strict")
    # HTTP/0.9 has no headers: the answer must come without waiting for any.
    rest = b"" if request_line == b"GET /goals" else f"Authorization: Bearer {token}\r\n\r\n".encode()
    status, answered, body = parse(exchange(http.base, request_line + b"\r\n" + rest))
    assert status == "HTTP/1.1 400 Bad Request"
    assert answered["content-type"] == "application/json"
    assert answered["connection"] == "close"
    assert body["message"] == "Bad Request"
    assert body["detail"]


def test_an_empty_path_segment_matches_no_route(http: Client) -> None:
    """http.server reduces a leading ``//`` to ``/``; API Gateway matches no declared path to ``//goals``."""
    token = http.token("strict-slashes")
    assert http.request("POST", "/goals", {"name": "Fund", "type": "savings", "target_amount": 10}, token=token)
    for path in ("//goals", "//goals?limit=5", "/goals//x", "//health"):
        reply = http.request("GET", path, token=token)
        assert (reply.status, reply.json) == (404, {"detail": NO_SUCH_ROUTE}), path
    assert len(http.request("GET", "/goals", token=token).json) == 1


@pytest.fixture(scope="module")
def quick_server() -> Iterator[Server]:
    """The server with a 1-second limit on a request body (10 s by default)."""
    running = start_server("--schedules", "off", "--body-timeout", "1")
    yield running
    stop_server(running)


def test_a_body_shorter_than_its_length_is_a_408_within_the_limit(quick_server: Server) -> None:
    base = quick_server.client.base
    token = quick_server.client.token("strict-short")
    request = f"POST /goals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 100\r\n\r\n"
    started = time.monotonic()
    status, answered, body = parse(exchange(base, request.encode() + b'{"name": "Fu'))
    assert 1.0 <= time.monotonic() - started < 3
    assert status == "HTTP/1.1 408 Request Timeout"
    assert answered["connection"] == "close"
    assert body == {"message": "Request Timeout", "detail": "The request body did not arrive in time"}
    # A chunked body that stops before its last chunk is the same.
    chunked = request.replace("Content-Length: 100", "Transfer-Encoding: chunked")
    status, _, _ = parse(exchange(base, chunked.encode() + b'5\r\n{"nam\r\n'))
    assert status == "HTTP/1.1 408 Request Timeout"
    assert quick_server.client.request("GET", "/goals", token=token).json == []


def test_a_body_cut_short_by_the_client_is_a_400(quick_server: Server) -> None:
    token = quick_server.client.token("strict-cut")
    with connect(quick_server.client.base) as sock:
        sock.sendall(
            f"POST /goals HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Length: 100\r\n\r\n{{}}".encode()
        )
        sock.shutdown(socket.SHUT_WR)
        status, _, body = parse(until_closed(sock))
    assert status == "HTTP/1.1 400 Bad Request"
    assert body["detail"] == "The request body ended before its declared length"


def test_keep_alive_head_and_preflight_still_work_on_one_connection(http: Client) -> None:
    token = http.token("strict-keepalive")
    auth = {"Authorization": f"Bearer {token}"}
    connection = HTTPConnection(http.base.removeprefix("http://"), timeout=10)
    try:
        goal = json.dumps({"name": "Car", "type": "savings", "target_amount": 5})
        connection.request("POST", "/goals", body=goal, headers=auth)
        created = connection.getresponse()
        assert (created.status, json.loads(created.read())["name"]) == (201, "Car")
        connection.request("HEAD", "/goals", headers=auth)
        head = connection.getresponse()
        assert (head.status, head.read()) == (200, b"")
        assert int(head.headers["content-length"]) > 0
        connection.request("HEAD", "/nowhere", headers=auth)  # its JSON 404 has a length, never a body
        missing = connection.getresponse()
        assert (missing.status, missing.read()) == (404, b"")
        connection.request("OPTIONS", "/goals", headers={"Origin": "https://app.example"})
        preflight = connection.getresponse()
        assert (preflight.status, preflight.read()) == (204, b"")
        connection.request("GET", "/goals", headers=auth)
        assert [goal["name"] for goal in json.loads(connection.getresponse().read())] == ["Car"]
    finally:
        connection.close()


def test_a_restart_keeps_tokens_with_a_key_file_and_loses_every_item(tmp_path: Path) -> None:
    """What README says of a restart: all data is gone (moto lives in memory); tokens survive only with
    GOALPOST_LOCAL_KEY_FILE."""
    env = {"GOALPOST_LOCAL_KEY_FILE": str(tmp_path / "local.pem")}
    first = start_server("--schedules", "off", env=env)
    try:
        token = first.client.token("restarted", expires_in=600)
        assert (
            first.client.request(
                "POST", "/goals", {"name": "Trip", "type": "savings", "target_amount": 9}, token=token
            ).status
            == 201
        )
    finally:
        stop_server(first)
    second = start_server("--schedules", "off", env=env)
    try:
        assert second.client.request("GET", "/goals", token=token).json == []
    finally:
        stop_server(second)
