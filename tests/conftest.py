"""Settings shared by every test: no EMF lines, no tracing, fake AWS credentials (moto only)."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "goalpost")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Goalpost")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[name] = value
