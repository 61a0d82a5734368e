"""The trailing stops' line of the cost model: the peaks the monitor records are half the new best prices of
a random walk, as ``services.monitor`` records them (at the update that turns the price)."""

from __future__ import annotations

import math
import random

import pytest

from tests.bench import cost


def walk_counts(steps: int, seed: int) -> tuple[int, int]:
    """A Gaussian random walk's new best prices, and the peaks recorded when the price turns after them."""
    chooser = random.Random(seed)
    price = best = 0.0
    bests = peaks = 0
    rising = False
    for _ in range(steps):
        price += chooser.gauss(0.0, 1.0)
        if price > best:
            best, bests, rising = price, bests + 1, True
        elif rising:  # turned: the peak it replaced is recorded
            peaks, rising = peaks + 1, False
    return bests, peaks


def test_the_peaks_recorded_are_half_the_new_bests() -> None:
    counts = [walk_counts(20_000, seed) for seed in range(30)]
    bests, peaks = (sum(column) for column in zip(*counts, strict=True))
    assert peaks / bests == pytest.approx(cost.PEAKS_PER_NEW_BEST, abs=0.05)
    # Its new bests are about sqrt(4n / pi), sqrt(2) times the +-1 walk's records the model counts
    # (docs/performance.md, "The least certain line").
    assert bests / len(counts) == pytest.approx(math.sqrt(4 * 20_000 / math.pi), rel=0.15)
    assert cost.new_bests(1.0) == pytest.approx(math.sqrt(2 * cost.PRICE_RUNS / math.pi))


def test_the_model_counts_the_peaks() -> None:
    assert cost.recorded_peaks(1.0) == pytest.approx(cost.new_bests(1.0) / 2)
