"""Where metrics are off (the local server, the tests), nothing of them reaches the console."""

from __future__ import annotations

import pytest

from goalpost.observability import metrics


def test_disabled_metrics_print_nothing_even_past_powertools_overflow(capfd: pytest.CaptureFixture[str]) -> None:
    """Powertools flushes a set that reaches 100 values whether metrics are disabled or not: a 5,000-character
    EMF line in the local server's terminal in the middle of a job."""
    for _ in range(250):
        metrics.add_metric(name="PositionsClosed", unit="Count", value=1)
    printed = capfd.readouterr()
    assert "_aws" not in printed.out + printed.err
