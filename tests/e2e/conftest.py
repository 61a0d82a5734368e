"""End to end: the local server started as `make run` starts it, on a free port, spoken to over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import chromium, web  # noqa: F401 (fixtures: a real browser on the server)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> HttpReply:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return HttpReply(
                    response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
                )
        except urllib.error.HTTPError as error:
            return HttpReply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())

    def token(self, user: str, **extra: Any) -> str:
        return str(self.request("POST", "/_local/token", {"user_id": user, **extra}).json["token"])


@dataclass
class Server:
    process: subprocess.Popen[str]
    client: Client
    output: list[str]


def start_server(*extra_args: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local", "--port", str(port), "--quiet", *extra_args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'layers/goalpost/python'}{os.pathsep}{ROOT}", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("ready "):
            output: list[str] = []
            # Keep reading what the server prints, so a full pipe never blocks it.
            threading.Thread(target=output.extend, args=(process.stdout,), daemon=True).start()
            return Server(process, Client(line.split()[1]), output)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("the local server did not start")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


# Short market timeouts so that the fault cases (a provider that times out) answer quickly.
FAST_MARKET = {
    "GOALPOST_MARKET_TIMEOUT_SECONDS": "0.5",
    "GOALPOST_MARKET_RETRIES": "1",
    "GOALPOST_MARKET_BACKOFF_SECONDS": "0",
}


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    running = start_server("--schedules", "off", env=FAST_MARKET)
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def http(server: Server) -> Client:
    return server.client
