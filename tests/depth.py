"""How hard the tests push: quick in ``make test``, thorough in ``make verify`` (``GOALPOST_VERIFY=1``).

The same tests run at both depths; only the number of examples, repetitions and fuzzed cases changes."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

THOROUGH = os.environ.get("GOALPOST_VERIFY", "") == "1"

settings.register_profile("quick", max_examples=200, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = "thorough" if THOROUGH else "quick"


def scaled(quick: int, thorough: int) -> int:
    """``quick`` repetitions in ``make test``, ``thorough`` in ``make verify``."""
    return thorough if THOROUGH else quick
