"""Benchmark: a soak of the local server, as `make run` starts it, under a minute of mixed load over HTTP.

The server is started as the e2e tests start it (tests/e2e/conftest.py: ``python -m infra.local`` on a free
port, its schedules on, so the price update runs every 10 seconds). Several client threads, each with users of
its own and one keep-alive connection, create and read goals, record progress, link and unlink funding
accounts, open, list, close and delete positions, read the portfolio, the alerts, the trading goals and the
dashboard, page through lists, and delete goals and positions so that the data does not only grow. Beside
them the market's prices walk (``PUT /_local/market``) and the snapshot and end-of-day jobs run once a minute.

What it records: the server's resident memory (VmRSS) after the warm-up and at the end, the latency of every
request after the warm-up by route family, and every answer that is neither a 2xx nor a 4xx the request may
get. The goals: memory flat within 20 %, p95 under 250 ms, and no 5xx or failed request at all (one request
must never stop the service).

``make bench`` runs ``run()``; ``python -m tests.bench.soak [--soak-seconds 30]`` prints its lines."""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.e2e.conftest import Server, start_server, stop_server

# 60 s: 45 s measured after the warm-up (a quarter: 15 s; about 400 requests, two p95 windows), the jobs at
# half time, so that the whole bench stays under 5 minutes (docs/performance.md, "Bench run time"). A leak as
# the soak once caught (9-fold in 3 minutes) shows within it; a slow one may not (there the doc says how slow).
DEFAULT_SECONDS = float(os.environ.get("GOALPOST_SOAK_SECONDS", "60"))
WARMUP_SECONDS = 20.0  # every handler's cold start and first data are behind this point
CLIENTS = 4
USERS_PER_CLIENT = 2
# Each client waits this long after an answer: about 20 requests a second in all, which the server on two CPUs
# keeps up with, so the latency is the service's and not a queue in front of it.
PAUSE_SECONDS = 0.4
REQUEST_TIMEOUT_SECONDS = 30.0  # a request that takes longer is a failure of the line
JOB_TIMEOUT_SECONDS = 120.0
JOBS = ("snapshot", "end_of_day_goals")
MARKET_EVERY_SECONDS = 5.0
RSS_EVERY_SECONDS = 2.0
WINDOW_SECONDS = 30.0
RSS_GOAL_RATIO = 1.2
P95_GOAL_MS = 250.0
SAMPLES_KEPT = 10  # of the unexpected answers, for the report
# A user's data is kept around these sizes: past them the client deletes or closes instead of adding.
MAX_GOALS = 8
MAX_OPEN_POSITIONS = 12
PRICES = {"AAPL": 190.0, "MSFT": 410.0, "NVDA": 120.0, "BTCUSDT": 60000.0, "ETHUSDT": 3000.0}
# Not route families: the control routes the soak uses to move the market and run the jobs.
CONTROL = "local control"


# ---------------------------------------------------------------- what was answered


@dataclass(frozen=True)
class Sample:
    family: str
    at: float  # seconds since the load started
    ms: float
    status: int  # 0: no answer (connection error or timeout)
    expected: bool
    what: str


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def now(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, opened again after an error."""

    def __init__(self, base: str, recorder: Recorder, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        split = urlsplit(base)
        self.host, self.port = split.hostname or "127.0.0.1", split.port or 80
        self.recorder = recorder
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def send(
        self,
        family: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        expected: Iterable[int] = (),
        query: dict[str, str] | None = None,
    ) -> Reply | None:
        """The answer (None when there was none), recorded under ``family``; ``expected``: the 4xx this
        request may get by the rules of the API (a 2xx is always expected)."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        target = path + ("?" + urlencode(query) if query else "")
        started = time.perf_counter()
        at = self.recorder.now()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.connection.request(method, target, body=data, headers=headers)
            response = self.connection.getresponse()
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
        except (OSError, http.client.HTTPException) as error:
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            ms = (time.perf_counter() - started) * 1000
            self.recorder.add(Sample(family, at, ms, 0, False, f"{method} {path}: {type(error).__name__} {error}"))
            return None
        ms = (time.perf_counter() - started) * 1000
        ok = 200 <= reply.status < 300 or reply.status in set(expected)
        self.recorder.add(
            Sample(family, at, ms, reply.status, ok, f"{method} {path}: {reply.status} {reply.text[:160]}")
        )
        return reply

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# ---------------------------------------------------------------- the load


@dataclass
class User:
    name: str
    token: str
    goals: list[str] = field(default_factory=list)
    links: dict[str, list[str]] = field(default_factory=dict)  # goal id -> funding account ids
    open_positions: list[str] = field(default_factory=list)
    closed_positions: list[str] = field(default_factory=list)


class Client(threading.Thread):
    """One client: its own users and connection, a weighted mix of the API's everyday requests."""

    def __init__(self, number: int, base: str, recorder: Recorder, stop: threading.Event, seed: int) -> None:
        super().__init__(name=f"soak-client-{number}", daemon=True)
        self.http = Connection(base, recorder)
        self.stop = stop
        self.rng = random.Random(seed)
        self.number = number
        self.users: list[User] = []
        # (weight, action): about two reads for each write, as people use the API.
        self.actions: list[tuple[int, Callable[[User], None]]] = [
            (6, self.create_goal),
            (8, self.read_goal),
            (3, self.update_goal),
            (6, self.list_goals),
            (3, self.delete_goal),
            (10, self.record_progress),
            (4, self.read_progress),
            (3, self.progress_history),
            (4, self.link_funding),
            (2, self.list_funding),
            (2, self.unlink_funding),
            (5, self.open_position),
            (4, self.list_positions),
            (3, self.close_position),
            (2, self.delete_position),
            (5, self.portfolio),
            (4, self.alerts),
            (4, self.trading_goals),
            (3, self.dashboard),
        ]

    def run(self) -> None:
        for n in range(USERS_PER_CLIENT):
            name = f"soak-{self.number}-{n}"
            reply = self.http.send(CONTROL, "POST", "/_local/token", {"user_id": name, "expires_in": 24 * 3600})
            if reply is None or reply.status != 200:
                return
            self.users.append(User(name, str(reply.json()["token"])))
        weights = [weight for weight, _ in self.actions]
        while not self.stop.is_set():
            user = self.rng.choice(self.users)
            (action,) = self.rng.choices([action for _, action in self.actions], weights)
            action(user)
            self.stop.wait(PAUSE_SECONDS)
        self.http.close()

    def send(self, user: User, family: str, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply | None:
        return self.http.send(family, method, path, body, token=user.token, **kwargs)

    def some_goal(self, user: User) -> str | None:
        return self.rng.choice(user.goals) if user.goals else None

    def page(self, user: User, family: str, path: str, query: dict[str, str], pages: int = 2) -> None:
        """A list read page by page, following X-Next-Token."""
        for _ in range(pages):
            reply = self.send(user, family, "GET", path, query=query)
            token = reply.headers.get("x-next-token") if reply is not None and reply.status == 200 else None
            if not token:
                return
            query = {**query, "next_token": token}

    # ------------------------------------------------------------ goals

    def create_goal(self, user: User) -> None:
        if len(user.goals) >= MAX_GOALS:
            self.delete_goal(user)
            return
        body = {
            "name": f"Goal {self.rng.randrange(10_000)}",
            "type": self.rng.choice(["savings", "emergency_fund", "investment"]),
            "target_amount": self.rng.randrange(5_000, 50_000),
            "current_amount": self.rng.randrange(0, 2_000),
            "tags": ["soak"],
        }
        reply = self.send(user, "goals", "POST", "/goals", body)
        if reply is not None and reply.status == 201:
            user.goals.append(str(reply.json()["id"]))

    def read_goal(self, user: User) -> None:
        if goal := self.some_goal(user):
            self.send(user, "goals", "GET", f"/goals/{goal}")

    def update_goal(self, user: User) -> None:
        if goal := self.some_goal(user):
            body = {"name": f"Goal {self.rng.randrange(10_000)}", "target_amount": self.rng.randrange(60_000, 90_000)}
            self.send(user, "goals", "PATCH", f"/goals/{goal}", body)

    def list_goals(self, user: User) -> None:
        self.page(user, "goals", "/goals", {"limit": "3"})

    def delete_goal(self, user: User) -> None:
        if len(user.goals) > MAX_GOALS // 2:
            goal = user.goals.pop(0)
            user.links.pop(goal, None)
            self.send(user, "goals", "DELETE", f"/goals/{goal}")

    # ------------------------------------------------------------ progress and funding

    def record_progress(self, user: User) -> None:
        if goal := self.some_goal(user):
            self.send(
                user, "progress", "POST", f"/goals/{goal}/progress", {"contribution_amount": self.rng.randrange(1, 500)}
            )

    def read_progress(self, user: User) -> None:
        if goal := self.some_goal(user):
            self.send(user, "progress", "GET", f"/goals/{goal}/progress")

    def progress_history(self, user: User) -> None:
        if goal := self.some_goal(user):
            self.page(user, "progress", f"/goals/{goal}/progress/history", {"limit": "5"})

    def link_funding(self, user: User) -> None:
        if goal := self.some_goal(user):
            account = f"acct-{self.rng.randrange(12)}"
            body = {"account_id": account, "allocation_percent": self.rng.choice([5, 10, 20])}
            # 400: the goal's allocations would pass 100 %; 409: this account already funds it
            reply = self.send(user, "funding", "POST", f"/goals/{goal}/funding", body, expected=(400, 409))
            if reply is not None and reply.status == 201:
                user.links.setdefault(goal, []).append(account)

    def list_funding(self, user: User) -> None:
        if goal := self.some_goal(user):
            self.send(user, "funding", "GET", f"/goals/{goal}/funding")

    def unlink_funding(self, user: User) -> None:
        linked = [goal for goal, accounts in user.links.items() if accounts]
        if linked:
            goal = self.rng.choice(linked)
            account = user.links[goal].pop(0)
            self.send(user, "funding", "DELETE", f"/goals/{goal}/funding/{account}")

    # ------------------------------------------------------------ positions, portfolio, alerts

    def open_position(self, user: User) -> None:
        if len(user.open_positions) >= MAX_OPEN_POSITIONS:
            self.close_position(user)
            return
        symbol = self.rng.choice(list(PRICES))
        price = PRICES[symbol]
        # Levels far from the price: the walk never reaches them, so the positions stay the client's to close.
        body = {
            "symbol": symbol,
            "quantity": self.rng.choice([1, 2, 5]) if price < 1_000 else 0.01,
            "entry_price": round(price, 2),
            "stop_loss": round(price * 0.5, 2),
            "take_profit": round(price * 2, 2),
            "strategy": self.rng.choice(["breakout", "swing"]),
        }
        reply = self.send(user, "positions", "POST", "/positions", body)
        if reply is not None and reply.status == 201:
            user.open_positions.append(str(reply.json()["id"]))

    def list_positions(self, user: User) -> None:
        self.page(user, "positions", "/positions", {"status": self.rng.choice(["OPEN", "CLOSED"]), "limit": "5"})

    def close_position(self, user: User) -> None:
        if user.open_positions:
            position = user.open_positions.pop(self.rng.randrange(len(user.open_positions)))
            # 409: the monitor closed it first; 400: no cached price yet (the first price update is 10 s away)
            reply = self.send(user, "positions", "POST", f"/positions/{position}/close", {}, expected=(400, 409))
            if reply is not None and reply.status in (200, 409):
                user.closed_positions.append(position)
            elif reply is not None and reply.status == 400:
                user.open_positions.append(position)

    def delete_position(self, user: User) -> None:
        if user.closed_positions:
            self.send(user, "positions", "DELETE", f"/positions/{user.closed_positions.pop(0)}")

    def portfolio(self, user: User) -> None:
        self.send(user, "portfolio", "GET", "/portfolio/current")

    def alerts(self, user: User) -> None:
        self.page(user, "alerts", "/alerts", {"limit": "10"})

    def trading_goals(self, user: User) -> None:
        self.send(user, "goals/status", "GET", "/goals/status")

    def dashboard(self, user: User) -> None:
        self.send(user, "dashboard", "GET", "/goals/dashboard")


def walk_market(base: str, recorder: Recorder, stop: threading.Event, rng: random.Random) -> None:
    """The market's prices move a little every few seconds, so each price update writes and the monitor looks."""
    http = Connection(base, recorder)
    prices = dict(PRICES)
    while True:
        http.send(CONTROL, "PUT", "/_local/market", {"prices": prices})
        if stop.wait(MARKET_EVERY_SECONDS):
            break
        prices = {symbol: round(price * (1 + rng.uniform(-0.005, 0.005)), 2) for symbol, price in prices.items()}
    http.close()


def run_jobs(base: str, recorder: Recorder, stop: threading.Event, at: float, ran: list[dict[str, Any]]) -> None:
    """The snapshot and end-of-day jobs once, at ``at`` seconds: in a soak of minutes their schedules (5 minutes
    from the start, 23:59) would not run, and the end of day is what writes the most with the most data. Once,
    since the local server runs them in its own process: each run holds up the requests beside it, which
    deployed functions would not."""
    http = Connection(base, recorder, timeout=JOB_TIMEOUT_SECONDS)
    if not stop.wait(at):
        for job in JOBS:
            started = time.perf_counter()
            reply = http.send(CONTROL, "POST", f"/_local/jobs/{job}")
            ran.append(
                {
                    "job": job,
                    "at_s": round(recorder.now(), 1),
                    "ms": round((time.perf_counter() - started) * 1000),
                    "status": reply.status if reply is not None else 0,
                }
            )
    http.close()


def sample_rss(pid: int, recorder: Recorder, stop: threading.Event, into: list[tuple[float, int]]) -> None:
    while True:
        kb = rss_kb(pid)
        if kb is not None:
            into.append((round(recorder.now(), 1), kb))
        if stop.wait(RSS_EVERY_SECONDS):
            return


def rss_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


# ---------------------------------------------------------------- the figures


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest rank: the smallest value at or above p % of the values."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def latency(samples: list[Sample]) -> dict[str, Any]:
    """Percentiles of the answered requests; ``unexpected``: requests answered with neither a 2xx nor a 4xx they
    may get (5xx included), or not answered at all."""
    values = sorted(s.ms for s in samples if s.status)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(values[-1], 1),
        "unexpected": sum(1 for s in samples if not s.expected),
        "5xx": sum(1 for s in samples if s.status >= 500),
    }


def figures(
    samples: list[Sample],
    rss: list[tuple[float, int]],
    jobs: list[dict[str, Any]],
    warmup: float,
    seconds: float,
) -> dict[str, Any]:
    measured = [s for s in samples if s.at >= warmup and s.family != CONTROL]
    families = sorted({s.family for s in measured})
    windows = []
    start = warmup
    while start < seconds:
        window = [s for s in measured if start <= s.at < start + WINDOW_SECONDS]
        if window:
            windows.append({"from_s": round(start), **latency(window)})
        start += WINDOW_SECONDS
    after_warmup = next((kb for at, kb in rss if at >= warmup), rss[-1][1] if rss else 0)
    end = rss[-1][1] if rss else 0
    five_xx = [s for s in samples if s.status >= 500]
    failed = [s for s in samples if s.status == 0]
    unexpected = [s for s in samples if not s.expected and s.status and s.status < 500]
    overall = latency(measured)
    ratio = end / after_warmup if after_warmup else 0.0
    requests = sum(1 for s in samples if s.family != CONTROL)
    return {
        "requests": requests,
        "requests_per_second": round(requests / seconds, 1),
        "latency_ms": {
            "overall": overall,
            "families": {f: latency([s for s in measured if s.family == f]) for f in families},
        },
        "p95_windows": windows,
        "window_seconds": WINDOW_SECONDS,
        "rss_kb": {
            "after_warmup": after_warmup,
            "end": end,
            "peak": max((kb for _, kb in rss), default=0),
            "ratio": round(ratio, 3),
            "samples": [list(point) for point in rss[:: max(1, round(10 / RSS_EVERY_SECONDS))]],
        },
        "answers": {
            "2xx": sum(1 for s in samples if 200 <= s.status < 300),
            "expected_4xx": sum(1 for s in samples if 400 <= s.status < 500 and s.expected),
            "unexpected_4xx": len(unexpected),
            "5xx": len(five_xx),
            "failed": len(failed),
        },
        "unexpected_samples": [s.what for s in unexpected[:SAMPLES_KEPT]],
        "failure_samples": [s.what for s in (five_xx + failed)[:SAMPLES_KEPT]],
        "jobs": jobs,
        "rss_ok": after_warmup > 0 and ratio <= RSS_GOAL_RATIO,
        "p95_ok": overall.get("count", 0) > 0 and overall["p95"] <= P95_GOAL_MS,
        "no_failures_ok": not five_xx and not failed,
    }


# ---------------------------------------------------------------- the run


def run(progress: Callable[[str], None], seconds: float = DEFAULT_SECONDS, clients: int = CLIENTS) -> dict[str, Any]:
    """Starts the server, loads it for ``seconds`` (the first ``warmup`` of them not measured), stops it."""
    warmup = min(WARMUP_SECONDS, seconds / 4)
    started = time.perf_counter()
    server: Server = start_server()
    base = server.client.base
    recorder = Recorder()
    stop = threading.Event()
    rss: list[tuple[float, int]] = []
    jobs: list[dict[str, Any]] = []
    pid = server.process.pid
    helpers = [
        threading.Thread(target=sample_rss, args=(pid, recorder, stop, rss), daemon=True),
        threading.Thread(target=walk_market, args=(base, recorder, stop, random.Random(0)), daemon=True),
        threading.Thread(target=run_jobs, args=(base, recorder, stop, seconds / 2, jobs), daemon=True),
    ]
    load = [Client(n, base, recorder, stop, seed=n) for n in range(clients)]
    died = False
    try:
        progress(f"soak: {clients} clients, {clients * USERS_PER_CLIENT} users, {seconds:.0f} s against {base}")
        for thread in [*helpers, *load]:
            thread.start()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not died:
            time.sleep(min(left, 1.0))
            died = server.process.poll() is not None
        rss_end = rss_kb(pid)
        if rss_end is not None:
            rss.append((round(recorder.now(), 1), rss_end))
    finally:
        stop.set()
        # A request in flight ends within its timeout; the line's wall time stays bounded by it.
        for thread in [*load, *helpers]:
            thread.join(JOB_TIMEOUT_SECONDS if thread in helpers else REQUEST_TIMEOUT_SECONDS)
        stop_server(server)
    load_seconds = recorder.now()
    with recorder.lock:
        samples = list(recorder.samples)
    result = figures(samples, rss, jobs, warmup, min(load_seconds, seconds))
    log = list(server.output)
    result.update(
        {
            "soak_seconds": seconds,
            "warmup_seconds": warmup,
            "clients": clients,
            "users": clients * USERS_PER_CLIENT,
            "server_died": died,
            "server_log": {
                "lines": len(log),
                "tracebacks": sum(1 for line in log if line.startswith("Traceback")),
                "job_failures": sum(1 for line in log if line.startswith("job ") and " failed: " in line),
            },
            "goals": {"rss_ratio": RSS_GOAL_RATIO, "p95_ms": P95_GOAL_MS},
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    result["meets_goal"] = result["rss_ok"] and result["p95_ok"] and result["no_failures_ok"] and not died
    return result


def main(argv: list[str] | None = None) -> int:
    from tests.bench import report

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--soak-seconds", type=float, default=DEFAULT_SECONDS, help="how long the load runs")
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"client threads, {USERS_PER_CLIENT} users each")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(lambda message: print(f"  .. {message}", file=sys.stderr, flush=True), args.soak_seconds, args.clients)
    print(json.dumps(result, indent=2) if args.json else "\n".join(report.soak_table(result)))
    return 0 if result["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
