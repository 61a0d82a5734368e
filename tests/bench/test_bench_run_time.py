"""The bench prints its own run time against the goal (under 5 minutes on the build machine), judged only when
every part ran: a run that left parts out is no evidence either way."""

from __future__ import annotations

from typing import Any

from tests.bench.report import RUN_TIME_GOAL_SECONDS, run_time_table


def _results(seconds: float, skipped: list[str]) -> dict[str, Any]:
    return {"seconds": seconds, "skipped": skipped, "part_seconds": {"cold": 60.0, "soak": 95.5}}


def test_a_whole_run_under_the_goal_is_ok_and_names_each_part() -> None:
    title, verdict, parts = run_time_table(_results(RUN_TIME_GOAL_SECONDS - 60.5, []))
    assert title == "8. Bench run time"
    assert verdict.startswith(" ok  239.5 s")
    assert parts.strip() == "cold 60 s, soak 95.5 s"


def test_a_whole_run_at_or_over_the_goal_is_a_miss() -> None:
    assert run_time_table(_results(RUN_TIME_GOAL_SECONDS, []))[1].startswith(" MISS300 s")


def test_a_run_without_some_parts_is_not_judged() -> None:
    verdict = run_time_table(_results(80.0, ["soak", "web"]))[1]
    assert "ok" not in verdict
    assert "MISS" not in verdict
    assert "without soak, web" in verdict
