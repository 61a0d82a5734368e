"""Powertools Logger and Metrics shared by every function (service name and namespace come from the
environment the deployer sets from the declaration)."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

logger = Logger()
metrics = Metrics()

# A run that records no metric of its own is normal (a read-only request); the warning would only be noise.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def metrics_enabled() -> bool:
    """False where EMF lines have nowhere to go (the local server, tests): then not even the cold-start
    metric is printed."""
    return not is_metrics_disabled()
