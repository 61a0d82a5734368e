"""Powertools Logger and Metrics shared by every function (service name and namespace come from the
environment the deployer sets from the declaration)."""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.functions import is_metrics_disabled


class _Metrics(Metrics):
    """Metrics that stay silent where they are disabled (the local server, tests): Powertools still prints a
    set that reaches 100 values (its overflow flush ignores the switch), a 5,000-character line on the console."""

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        if not is_metrics_disabled():
            super().add_metric(*args, **kwargs)


logger = Logger()
metrics = _Metrics()

# A run that records no metric of its own is normal (a read-only request); the warning would only be noise.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def metrics_enabled() -> bool:
    """False where EMF lines have nowhere to go (the local server, tests): then not even the cold-start
    metric is printed."""
    return not is_metrics_disabled()
