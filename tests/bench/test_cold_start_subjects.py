"""The cold-start bench measures every function: an API function without a first request stopped the run."""

from __future__ import annotations

from goalpost import declaration
from tests.bench.cold_start import _first_requests


def test_every_api_function_has_a_first_request() -> None:
    assert set(_first_requests("goal-1")) == {function.name for function in declaration.API_FUNCTIONS}
