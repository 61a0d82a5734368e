"""What a newcomer meets: ``make run``'s banner (every link and curl line in it works, run as printed), the
demo as it first shows, ``/`` leading to the web app, unknown routes that point at the docs, and 401s that say why."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from goalpost.edges.api import NO_SUCH_ROUTE
from tests.e2e.conftest import ROOT, Client, HttpReply, free_port
from tests.e2e.webapp import LOAD_TIMEOUT_MS, screenshot, sign_in_at


class Started:
    def __init__(self, process: subprocess.Popen[str], banner: list[str]) -> None:
        self.process = process
        self.banner = banner
        self.url = re.search(r"running on (\S+)", banner[0]).group(1)  # type: ignore[union-attr]
        self.client = Client(self.url)
        self.token = next(line.split("TOKEN=", 1)[1] for line in banner if "export TOKEN=" in line)
        self.log: list[str] = []


@pytest.fixture(scope="module")
def demo() -> Iterator[Started]:
    """``make run ARGS=--demo`` as a newcomer starts it: schedules on, the banner printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local", "--port", str(free_port()), "--demo"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'layers/goalpost/python'}{os.pathsep}{ROOT}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (banner and banner[-1].startswith("Ctrl-C")):
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        if line.startswith("Goalpost is running") or banner:
            banner.append(line.rstrip("\n"))
    assert banner, "no banner"
    assert banner[-1].startswith("Ctrl-C"), f"no banner: {banner}"
    started = Started(process, banner)
    # Both pipes are read on, so a full pipe never blocks the server; stderr is kept for the log checks.
    threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
    threading.Thread(target=started.log.extend, args=(process.stderr,), daemon=True).start()
    yield started
    process.terminate()
    process.wait(timeout=15)


def curl(command: str, token: str, goal_id: str) -> HttpReply:
    """Runs one banner curl line as curl would (``-H``, ``-X``, ``-d``; ``-d`` makes it a POST), over urllib:
    the line is tested as printed, without depending on curl being installed."""
    words = shlex.split(command.replace("$TOKEN", token).replace("<goal_id>", goal_id), comments=True)
    assert words[0] == "curl", command
    method, data, headers, url = "GET", None, {}, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-X":
            method = next(rest)
        elif word == "-d":
            data = next(rest).encode()
            method = "POST" if method == "GET" else method
        else:
            url = word
    assert url is not None, command
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return HttpReply(answer.status, dict(answer.headers), answer.read().decode())
    except urllib.error.HTTPError as error:
        return HttpReply(error.code, dict(error.headers), error.read().decode())


def banner_commands(banner: list[str]) -> list[str]:
    """The banner's curl lines, continuation lines joined."""
    commands: list[str] = []
    for line in banner:
        text = line.strip()
        if commands and commands[-1].endswith("\\"):
            commands[-1] = commands[-1][:-1] + " " + text
        elif text.startswith("curl "):
            commands.append(text)
    return commands


def test_every_banner_link_and_curl_line_works(demo: Started) -> None:
    # The links a browser opens (the curl lines' URLs are run below, as their lines say).
    text = [line for line in demo.banner if "curl " not in line]
    links = {url for line in text for url in re.findall(r"https?://\S+", line)}
    for url in sorted(links):
        with urllib.request.urlopen(url.rstrip("\\)"), timeout=60) as answer:
            assert answer.status == 200, url
    commands = banner_commands(demo.banner)
    assert len(commands) >= 8
    goal_id = ""
    for command in commands:
        reply = curl(command, demo.token, goal_id)
        assert 200 <= reply.status < 300, (command, reply.status, reply.text)
        if re.search(r"-X POST \S+/goals\s", command):  # the goal the later lines' <goal_id> means
            goal_id = str(reply.json["id"])


def test_the_demo_opens_priced_with_modest_gains_and_a_chart_point(demo: Started) -> None:
    """Demo positions met a market that started far from their entries (AAPL -34%, TSLA +96% within seconds),
    every position was price_missing and the chart empty until the first 5-minute snapshot."""
    auth = demo.token
    portfolio = demo.client.request("GET", "/portfolio/current", token=auth).json
    assert portfolio["positions"], portfolio
    for holding in portfolio["positions"]:
        assert holding["price_missing"] is False, holding
        assert abs(Decimal(str(holding["unrealized_gain_loss_percent"]))) < 15, holding
    chart = demo.client.request("GET", "/portfolio/performance?timeframe=1D", token=auth).json
    assert chart["data_available"] is True, chart
    assert chart["data_points"], chart


def test_the_demo_user_signs_in_to_a_populated_dashboard_goal_and_portfolio(demo: Started, chromium: Browser) -> None:
    """The banner's promise: the web app, signed in as ``demo`` through its sign-in page, shows the demo goals."""
    context = chromium.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_at(page, demo.url, "demo")
        goals = demo.client.request("GET", "/goals", token=demo.token).json
        active = [goal["name"] for goal in goals if goal["status"] == "active"]
        assert active
        expect(page.get_by_text(active[0], exact=True).first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        # The README's pictures: the demo as a newcomer first sees it.
        screenshot(page, "demo-dashboard")
        page.get_by_role("link", name=active[0]).first.click()
        expect(page.get_by_role("heading", name="Amount over time")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        screenshot(page, "demo-goal")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
        expect(page.get_by_role("heading", name="Holdings")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        expect(page.get_by_role("link", name="AAPL").first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        # The demo's connected Binance account is listed from the start, before its first sync.
        expect(page.get_by_text("Demo bot (simulated Binance)")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        expect(page.get_by_role("status")).to_have_count(0, timeout=LOAD_TIMEOUT_MS)  # the chart and cash loaded
        screenshot(page, "demo-portfolio")
    finally:
        context.close()
    assert not errors


def test_root_leads_to_the_web_app_and_unknown_routes_say_where_to_look(demo: Started) -> None:
    request = urllib.request.Request(demo.url + "/", method="GET")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=30)
    assert (redirect.value.code, redirect.value.headers["Location"]) == (302, "/app/")
    unknown = demo.client.request("GET", "/no-such-thing", token=demo.token)
    assert (unknown.status, unknown.json["detail"]) == (404, NO_SUCH_ROUTE)


@pytest.mark.parametrize(
    ("authorization", "says"),
    [
        (None, "No Authorization header"),
        ("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'"),
        ("Bearer not-a-jwt", "not a well-formed"),
    ],
)
def test_a_refused_token_says_why(demo: Started, authorization: str | None, says: str) -> None:
    headers = {"Authorization": authorization} if authorization else None
    reply = demo.client.request("GET", "/goals", headers=headers)
    assert reply.status == 401
    assert says in reply.json["detail"]
    assert reply.json["message"] == "Unauthorized"
    # And one line in the server's log says it too.
    deadline = time.monotonic() + 10
    while not any(says in line and "401 GET /goals" in line for line in demo.log) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(says in line and "401 GET /goals" in line for line in demo.log), demo.log[-5:]


def test_an_expired_token_and_one_of_an_earlier_run_say_what_to_do(demo: Started) -> None:
    expired = demo.client.token("alice", expires_in=-1)
    reply = demo.client.request("GET", "/goals", token=expired)
    assert (reply.status, "expired" in reply.json["detail"], "POST /_local/token" in reply.json["detail"]) == (
        401,
        True,
        True,
    )
    from infra.local.auth import TokenAuthority

    earlier = TokenAuthority().issue("alice")  # another key, as the previous run of the server had
    reply = demo.client.request("GET", "/goals", token=earlier)
    assert reply.status == 401
    assert "earlier run" in reply.json["detail"]
    assert "GOALPOST_LOCAL_KEY_FILE" in reply.json["detail"]
