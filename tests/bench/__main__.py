"""``make bench``: cold starts, DynamoDB requests per route, the jobs at scale, the cost model, hostile bodies at
the body limit, the web app's size and dashboard time, and a soak of the local server, printed as one table
against the goals, written to bench/results.json and docs/cost.md.

    python -m tests.bench [--rounds 5] [--skip cold,routes,jobs,parse,web,soak] [--soak-seconds 60]

It is not a test: it measures. Wall times are this machine's (and moto's); the ratios, request counts and
units are what the goals are stated in."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import cost, report, soak
from tests.bench.environment import QUIET_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS = REPO_ROOT / "bench" / "results.json"
COST_DOC = REPO_ROOT / "docs" / "cost.md"
MIN_ROUNDS = 3
# Five rounds: the goal is on the median of each round's own ratio, which one slow round cannot move, and the
# whole bench must stay under RUN_TIME_GOAL_SECONDS on the 2-CPU build machine (docs/performance.md).
DEFAULT_ROUNDS = 5
PARTS = ("cold", "routes", "jobs", "parse", "web", "soak")


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def measure(parts: set[str], rounds: int, soak_seconds: float = soak.DEFAULT_SECONDS) -> dict[str, Any]:
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "skipped": sorted(set(PARTS) - parts),
    }
    started = time.perf_counter()
    part_seconds: dict[str, float] = {}
    results["part_seconds"] = part_seconds

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        part_seconds[name] = round(now - since, 1)
        return now

    last = started
    if "cold" in parts:
        from tests.bench import cold_start

        results["cold_start"] = cold_start.measure(rounds, progress)
        last = lap("cold", last)
    if "parse" in parts:
        from tests.bench import parse_bound

        # Milliseconds per body: measured while nothing else runs, as the cold starts are.
        results["parse_bound"] = parse_bound.measure(progress)
        last = lap("parse", last)
    # The routes and the jobs run on moto, side by side, after the cold starts (which want a
    # quiet machine). The end of day, the longest job, runs in a process of its own beside them: three moto
    # processes on two CPUs finish sooner than two in a row (the jobs' wall times are moto's anyway).
    routes = _start_routes() if "routes" in parts else None
    if "jobs" in parts:
        from tests.bench import jobs

        end_of_day = _start(["tests.bench.jobs", "--only", "end_of_day", "--json"])
        # The handlers log on stdout (Powertools Logger), as on Lambda: keep stdout for the table.
        with redirect_stdout(sys.stderr):
            results["jobs"] = jobs.run(progress, only=tuple(job for job in jobs.JOBS if job != "end_of_day"))
        results["jobs"].update(_finish(end_of_day, "the end-of-day bench", ok_codes=(0,)))
    if routes is not None:
        # 1: some route missed its goal, which the report shows
        results["routes"] = _finish(routes, "the routes bench", ok_codes=(0, 1))
    if {"routes", "jobs"} & parts:
        last = lap("routes and jobs (side by side)", last)
    if "web" in parts:
        from tests.bench import web

        # After the moto processes finished: the browser's clock wants the CPUs to itself.
        results["web"] = web.measure(progress)
        last = lap("web", last)
    if "soak" in parts:
        # Last and alone: its latencies are the local server's, which shares the two CPUs with whatever runs.
        results["soak"] = soak.run(progress, soak_seconds)
        last = lap("soak", last)
    if {"cold", "routes", "jobs"} <= parts:
        results["cost"] = cost.model(cost_inputs(results))
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def _start(module_and_args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", *module_and_args], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)


def _start_routes() -> subprocess.Popen[str]:
    return _start(["tests.bench.routes", "--json"])


def _finish(process: subprocess.Popen[str], what: str, ok_codes: tuple[int, ...]) -> Any:
    output, _ = process.communicate()
    if process.returncode not in ok_codes:
        raise RuntimeError(f"{what} failed (exit {process.returncode})")
    return json.loads(output)


def cost_inputs(results: dict[str, Any]) -> dict[str, Any]:
    """The measured figures the cost model needs, taken from the three parts."""
    cold = [row for row in results["cold_start"]["functions"] if row["kind"] == "api"]
    rows = [row for row in results["routes"]["routes"] if not row["variant"] and row["function"] != "prices-api"]
    reads = [row for row in rows if row["route"].startswith("GET ")]
    writes = [row for row in rows if not row["route"].startswith("GET ")]

    def mean_units(kind: str) -> float:
        read_mean = statistics.fmean(row[kind] for row in reads)
        write_mean = statistics.fmean(row[kind] for row in writes)
        return cost.READ_SHARE * read_mean + (1 - cost.READ_SHARE) * write_mean

    jobs = results["jobs"]
    return {
        "api": {
            "warm_ms": statistics.fmean(row["warm_median_ms"] for row in cold),
            "cold_ms": statistics.fmean(row["median_ms"] for row in cold),
            "memory_mb": statistics.fmean(row["memory_mb"] for row in cold),
            "read_units_per_call": mean_units("read_units_small"),
            "write_units_per_call": mean_units("write_units_small"),
        },
        **cost.job_inputs(jobs),
    }


def main(argv: list[str] | None = None) -> int:
    os.environ.update(QUIET_ENV)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"fresh interpreters per function (default {DEFAULT_ROUNDS}, at least {MIN_ROUNDS})",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help=f"parts to leave out: {', '.join(PARTS)} (comma-separated, or --skip again)",
    )
    soak_help = f"how long the soak loads the local server (GOALPOST_SOAK_SECONDS; default {soak.DEFAULT_SECONDS:g})"
    parser.add_argument("--soak-seconds", type=float, default=soak.DEFAULT_SECONDS, help=soak_help)
    parser.add_argument(
        "--model-only",
        action="store_true",
        help="measure nothing: recompute the cost model from the last bench/results.json (after changing an "
        "assumption in tests/bench/cost.py) and rewrite docs/cost.md",
    )
    args = parser.parse_args(argv)
    if args.model_only:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
        results["cost"] = cost.model(cost_inputs(results))
        print(report.render(results))
        COST_DOC.write_text(report.cost_document(results), encoding="utf-8")
        return 0
    if args.rounds < MIN_ROUNDS:
        parser.error(f"--rounds must be at least {MIN_ROUNDS}: the cold-start ratios are medians over the rounds")
    skipped = {part.strip() for text in args.skip for part in text.split(",") if part.strip()}
    if skipped - set(PARTS):
        parser.error(f"unknown parts {sorted(skipped - set(PARTS))}; parts: {', '.join(PARTS)}")
    parts = set(PARTS) - skipped
    results = measure(parts, args.rounds, args.soak_seconds)
    print(report.render(results))
    if parts == set(PARTS):
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        COST_DOC.write_text(report.cost_document(results), encoding="utf-8")
        print(f"\nwrote {RESULTS.relative_to(REPO_ROOT)} and {COST_DOC.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
