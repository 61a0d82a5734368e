"""Contract fuzzing: schemathesis drives every operation of the served ``/openapi.json`` against the local
server with a valid token, and fails on any 5xx, any status code or content type the document does not list,
any body that does not match its documented schema, and any schema-violating request that is accepted.

Its phases: the documented examples, boundary ("coverage") values of every parameter and field, random
("fuzzing") requests, and stateful sequences along the links it infers (create a goal, then use its id).
``make test`` runs a fixed seed with few examples per operation; ``make verify`` a random seed with many.

Two of schemathesis' checks are left out, on purpose:
- ``positive_data_acceptance`` expects every schema-valid request to succeed, but the contract answers 400
  for business rules no JSON Schema states (an allocation over 100%, a template missing an input) and 422 for
  a ``next_token`` the server did not issue.
- ``unsupported_method`` expects 405 for a method a path does not take; the contract answers 404 for "no such
  route", the method included (checked in ``tests/e2e/test_http_api.py``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.depth import THOROUGH, scaled
from tests.e2e.conftest import FAST_MARKET, Server, start_server, stop_server

EXCLUDED_CHECKS = "positive_data_acceptance,unsupported_method"


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[Server]:
    # A server of its own: the fuzzer creates and deletes thousands of objects.
    running = start_server("--schedules", "off", "--throttle", "off", env=FAST_MARKET)
    yield running
    stop_server(running)


def test_every_operation_keeps_its_contract_under_fuzzing(fuzz_server: Server, tmp_path: Path) -> None:
    client = fuzz_server.client
    # An admin, so that the admin-only operation is fuzzed past its 403 too.
    token = client.token("fuzzer", groups=["admin"])
    seed = random.randrange(2**32) if THOROUGH else 20261121
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{client.base}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--max-examples",
        str(scaled(8, 200)),
        "--seed",
        str(seed),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        "--warnings",
        "off",
    ]
    # In tmp_path: schemathesis keeps a cache of what it found in its working directory.
    run = subprocess.run(command, capture_output=True, text=True, timeout=scaled(300, 3600), check=False, cwd=tmp_path)
    assert run.returncode == 0, f"schemathesis (seed {seed}) found failures:\n{run.stdout[-20000:]}\n{run.stderr}"
    summary = json.loads(report.read_text())
    document = json.loads(client.request("GET", "/openapi.json").text)
    operations = [f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods]
    assert summary["operations"]["tested"] == len(operations)
    assert summary["test_cases"]["with_failures"] == 0
    print(f"\nfuzzed {len(operations)} operations, {summary['test_cases']['generated']} cases (seed {seed})")
