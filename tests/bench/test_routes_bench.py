"""The route benchmark keeps up with the API: a route added to the served document without a scenario in
tests/bench/routes.py, or a scenario whose call stops succeeding, fails here rather than in ``make bench``.
(What the routes cost is the benchmark's to report, not this test's to judge.)"""

from __future__ import annotations

from tests.bench.routes import MIN_OBJECTS, run


def test_every_documented_route_is_measured_and_every_measured_call_succeeds() -> None:
    result = run(lambda _: None, small=MIN_OBJECTS, large=MIN_OBJECTS + 1)
    assert result["missing"] == []
    assert result["failed"] == []
