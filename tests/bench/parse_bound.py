"""Benchmark: how long a hostile request body costs, at the 64 KiB body limit.

Each case is a body of at most ``MAX_BODY_BYTES`` built to make a JSON parser, or what converts its numbers,
work hard: a huge exponent, integers too long to convert, a long fraction, arrays and objects nested as deep as
the limit allows, a body-long array of numbers, a body-long string of escapes, thousands of keys. Each is timed
twice: through ``goalpost.edges.api.parse_json_body`` alone (refusing it by raising is the good outcome), and as
the body of a whole ``POST /goals`` invocation of the real handler over moto (``tests.handlers.conftest.Api``,
as tests/bench/routes.py calls the routes), where the answer must be a 4xx.

A case may still be slow, or hang in one C call that no signal interrupts, so the cases run in a child process
that prints one JSON line per case; a case that does not answer within its time limit is killed with its
child, recorded as timed out, and the rest go on in a fresh child.

``make bench`` runs ``measure()``; ``python -m tests.bench.parse_bound`` prints the table."""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from goalpost.edges.api import MAX_BODY_BYTES

REPO_ROOT = Path(__file__).resolve().parents[2]
# The goals are on the median of REPEATS runs of each body: a body's own cost, not the pauses another process
# on the machine causes (the worst run is recorded too). docs/performance.md says why these values.
PARSE_GOAL_MS = 50.0  # per body, parse_json_body alone
HANDLER_GOAL_MS = 100.0  # per body, a whole warm invocation, which must answer 4xx
REPEATS = 5
# A run this slow already misses by 20 times: its repeats would only spend the time limit.
GIVE_UP_MS = 1000.0
# The time a child gets for one case (all its repeats); past it, the case is '>timeout'. Setting up a child
# (imports, and moto for the handler) gets its own, longer limit.
CASE_SECONDS = {"parse": 5.0, "handler": 10.0}
SETUP_SECONDS = 90.0
# A guard for the machine, not a model of Lambda's memory: a conversion that tries to build a billion-digit
# number fails with MemoryError instead of swapping.
CHILD_MEMORY_BYTES = 4 << 30
GOAL_PREFIX = '{"name": "hostile", "type": "savings", '
ROUTE = "POST /goals"


def _fill(head: str, unit: str, tail: str, separator: str = "") -> str:
    """``head`` + as many ``unit`` (joined by ``separator``) as fit in the body limit with ``tail``."""
    room = MAX_BODY_BYTES - len(head.encode()) - len(tail.encode())
    step = len((unit + separator).encode())
    count = (room + len(separator.encode())) // step
    return head + separator.join([unit] * count) + tail


def _nested(opening: str, core: str, closing: str, head: str, tail: str) -> str:
    """``opening`` ... ``core`` ... ``closing``, as deep as the body limit allows."""
    depth = (MAX_BODY_BYTES - len(head) - len(core) - len(tail)) // (len(opening) + len(closing))
    return head + opening * depth + core + closing * depth + tail


def _many_keys() -> str:
    parts: list[str] = []
    size = len(GOAL_PREFIX) + len('"target_amount": 100}')
    while True:
        part = f'"k{len(parts)}": 0, '
        if size + len(part) > MAX_BODY_BYTES:
            break
        parts.append(part)
        size += len(part)
    return GOAL_PREFIX + "".join(parts) + '"target_amount": 100}'


# name -> the body. Each is an object (a goal's fields around the hostile part), so a parser that only refuses
# non-objects has to read it all, and the handler gets as far as it lets a body go.
CASES: dict[str, Callable[[], str]] = {
    "honest goal (reference)": lambda: GOAL_PREFIX + '"target_amount": 10000, "current_amount": 2500}',
    "1E+1000000000": lambda: GOAL_PREFIX + '"target_amount": 1E+1000000000}',
    "5,000-digit integer": lambda: GOAL_PREFIX + '"target_amount": ' + "9" * 5000 + "}",
    "body-long integer": lambda: _fill(GOAL_PREFIX + '"target_amount": ', "9", "}"),
    "body-long fraction": lambda: _fill(GOAL_PREFIX + '"target_amount": 0.', "1", "}"),
    "huge exponents, body-long": lambda: _fill(
        GOAL_PREFIX + '"target_amount": 100, "tags": [', "1E+1000000000", "]}", ", "
    ),
    "[[[[ nested body-deep": lambda: _nested("[", "", "]", GOAL_PREFIX + '"target_amount": 100, "tags": ', "}"),
    '{"a":{"a": nested body-deep': lambda: _nested(
        '{"a": ', "0", "}", GOAL_PREFIX + '"target_amount": 100, "description": ', "}"
    ),
    "array of numbers, body-long": lambda: _fill(GOAL_PREFIX + '"target_amount": 100, "tags": [', "1.5", "]}", ","),
    "string of escapes, body-long": lambda: _fill(GOAL_PREFIX + '"target_amount": 100, "name": "', "\\u00e9", '"}'),
    "thousands of keys": _many_keys,
}


# ---------------------------------------------------------------- the child: times cases, one JSON line each


def _time_parse(body: str) -> dict[str, Any]:
    from goalpost.edges.api import parse_json_body

    times: list[float] = []
    outcome = ""
    for _ in range(REPEATS):
        gc.collect()  # the garbage of the run before is not this run's to collect
        started = time.perf_counter()
        try:
            parse_json_body(body)
            outcome = "accepted"
        except BaseException as error:  # any refusal counts, RecursionError and MemoryError too
            outcome = f"refused ({type(error).__name__})"
        times.append((time.perf_counter() - started) * 1000)
        if times[-1] > GIVE_UP_MS:
            break
    return {"ms_max": round(max(times), 2), "ms_median": round(statistics.median(times), 2), "outcome": outcome}


class _HandlerClock:
    """The goals API's handler over a moto of its own, warmed so that a case times a warm invocation."""

    def __init__(self) -> None:
        from infra.local.aws import LocalAws
        from tests.bench.environment import QUIET_ENV
        from tests.handlers.conftest import Api

        os.environ.update(QUIET_ENV)
        self.aws = LocalAws(prefix="parse-bound").start()
        self.api = Api()
        # A first success and a first 422 import and build everything a request or a refusal touches.
        self._post(CASES["honest goal (reference)"]())
        self._post(GOAL_PREFIX + '"target_amount": "many"}')

    def _post(self, body: str) -> int:
        return self.api.call("POST", "/goals", user="parse-bound", raw_body=body).status

    def time(self, body: str) -> dict[str, Any]:
        times: list[float] = []
        statuses: set[int] = set()
        for _ in range(REPEATS):
            gc.collect()
            started = time.perf_counter()
            statuses.add(self._post(body))
            times.append((time.perf_counter() - started) * 1000)
            if times[-1] > GIVE_UP_MS:
                break
        return {
            "ms_max": round(max(times), 2),
            "ms_median": round(statistics.median(times), 2),
            "status": max(statuses),
            "statuses": sorted(statuses),
        }


def child(mode: str, names: list[str], out: IO[str]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    clock = _HandlerClock() if mode == "handler" else None
    print(json.dumps({"ready": True}), file=out, flush=True)
    for name in names:
        body = CASES[name]()
        result = clock.time(body) if clock is not None else _time_parse(body)
        print(json.dumps({"case": name, **result}), file=out, flush=True)


# ---------------------------------------------------------------- the parent: children with time limits


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _next_record(lines: queue.Queue[str | None], seconds: float) -> dict[str, Any] | None:
    """The child's next JSON line, or None when it timed out or ended."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            return None
        if line.startswith("{"):
            record: dict[str, Any] = json.loads(line)
            return record
    return None


def run_mode(mode: str, names: list[str], progress: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """Each case's figures in one mode ('parse' or 'handler'); a case that outlived its limit gets
    ``timed_out``, and a child that died mid-case (killed by the memory guard, say) ``crashed``."""
    results: dict[str, dict[str, Any]] = {}
    pending = list(names)
    while pending:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.parse_bound", "--child", mode, "--cases", json.dumps(pending)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the handler's error logs for the 500s it answers today
            text=True,
        )
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        try:
            if _next_record(lines, SETUP_SECONDS) is None:
                raise RuntimeError(f"the parse bound's {mode} child did not start")
            while pending:
                record = _next_record(lines, CASE_SECONDS[mode])
                name = pending.pop(0)
                if record is None:
                    ended = process.poll() is not None
                    results[name] = {"timed_out": not ended, "crashed": ended}
                    progress(f"parse bound: {mode} {name}: {'crashed' if ended else 'timed out'}")
                    break  # a fresh child takes the rest
                results[name] = {**{k: v for k, v in record.items() if k != "case"}, "timed_out": False}
        finally:
            process.kill()
            process.wait()
    return results


def meets(parse: dict[str, Any], handler: dict[str, Any]) -> tuple[bool, bool]:
    parse_ok = not parse.get("timed_out") and not parse.get("crashed") and parse["ms_median"] <= PARSE_GOAL_MS
    handler_ok = (
        not handler.get("timed_out")
        and not handler.get("crashed")
        and handler["ms_median"] <= HANDLER_GOAL_MS
        and 400 <= handler["status"] < 500
    )
    return parse_ok, handler_ok


def measure(progress: Callable[[str], None]) -> dict[str, Any]:
    started = time.perf_counter()
    names = list(CASES)
    parse = run_mode("parse", names, progress)
    handler = run_mode("handler", names, progress)
    rows = []
    for name in names:
        body = CASES[name]()
        parse_ok, handler_ok = meets(parse[name], handler[name])
        reference = name == "honest goal (reference)"
        rows.append(
            {
                "case": name,
                "bytes": len(body.encode()),
                "parse": parse[name],
                "handler": handler[name],
                "parse_ok": parse_ok,
                # the honest body is there to compare with: it must be created (201), not refused
                "handler_ok": handler[name].get("status") == 201 if reference else handler_ok,
            }
        )
    return {
        "cases": rows,
        "limit_bytes": MAX_BODY_BYTES,
        "route": ROUTE,
        "parse_goal_ms": PARSE_GOAL_MS,
        "handler_goal_ms": HANDLER_GOAL_MS,
        "repeats": REPEATS,
        "case_seconds": CASE_SECONDS,
        "meets_goal": all(row["parse_ok"] and row["handler_ok"] for row in rows),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", choices=("parse", "handler"), help=argparse.SUPPRESS)
    parser.add_argument("--cases", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        # Results go to the real stdout; the handlers' logs (stdout, when they log) to nowhere.
        out = sys.stdout
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- for the child's whole life
        child(args.child, json.loads(args.cases), out)
        return 0
    from tests.bench import report

    result = measure(lambda message: print(f"  .. {message}", file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2) if args.json else "\n".join(report.parse_table(result)))
    return 0 if result["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
