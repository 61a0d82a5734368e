"""The cold-import goal is judged on the median of per-round ratios: each round measures a function and the naive
reference side by side, so a round the whole machine was slow in cancels out, and one noisy round cannot pass or
fail a function alone."""

from __future__ import annotations

from typing import Any

from tests.bench.cold_start import Subject, summarize


def _runs(imports: list[float]) -> list[dict[str, Any]]:
    return [{"import_ms": ms, "total_ms": ms * 2, "warm_ms": 1.0} for ms in imports]


def _subjects() -> list[Subject]:
    return [
        Subject(name="goals-api", handler="h", kind="api", event={}, environment={}),
        Subject(name="naive-reference", handler="h", kind="reference", event={}, environment={}),
    ]


def test_a_round_the_whole_machine_was_slow_in_cancels_out() -> None:
    # Round 2 was slow for everything (both took 4x); round 3 was slow for the function alone. Per round the function
    # is 0.5, 0.5 and 3.0 of the reference: median 0.5. The columns' medians apart (200 / 100) would say 2.0.
    samples = {"naive-reference": _runs([100.0, 400.0, 100.0]), "goals-api": _runs([50.0, 200.0, 300.0])}
    [row, _] = summarize(_subjects(), samples, rounds=3, stale={})["functions"]
    assert row["import_ratio"] == 0.5
    assert row["ratio"] == 0.5
    assert row["meets_goal"] is True


def test_a_function_over_the_goal_in_most_rounds_fails() -> None:
    # 0.7, 0.7 and 0.3 of its own round's reference: over the 0.6 goal in two rounds of three. The columns' medians
    # apart (70 / 200 = 0.35) would pass it.
    samples = {"naive-reference": _runs([100.0, 300.0, 200.0]), "goals-api": _runs([70.0, 210.0, 60.0])}
    [row, _] = summarize(_subjects(), samples, rounds=3, stale={})["functions"]
    assert row["import_ratio"] == 0.7
    assert row["meets_goal"] is False
