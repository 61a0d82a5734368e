"""Settings shared by every test: no EMF lines, no tracing, fake AWS credentials (moto only)."""

from __future__ import annotations

import os
from typing import Any

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

from hypothesis import settings  # noqa: E402 (after the environment it may read)

from tests.depth import PROFILE  # noqa: E402

settings.load_profile(PROFILE)


def _refuse_floats(params: object, **_: object) -> None:
    """Fails the test if a binary float is about to reach DynamoDB (money is Decimal end to end)."""
    stack = [params]
    while stack:
        value = stack.pop()
        if isinstance(value, float):
            raise AssertionError(f"a float reached DynamoDB: {value!r}")
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple | set):
            stack.extend(value)


def _guard_dynamodb_clients() -> None:
    """Every DynamoDB client (botocore's, which boto3's are too) refuses floats."""
    import botocore.session

    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, service_name: str, *args: object, **kwargs: object) -> object:
        made = original(self, service_name, *args, **kwargs)  # type: ignore[arg-type]
        if service_name == "dynamodb":
            made.meta.events.register("before-parameter-build.dynamodb", _refuse_floats)
        return made

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


_guard_dynamodb_clients()


INFRA = "tests/infra/"


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    """``--dist loadfile`` as is (each file in one worker), but for tests/infra, whose files all go to one worker:
    each worker that runs one synthesizes the CDK app for its session (tests/infra/conftest.py), 15 to 20 s of
    CPU spent again by every worker it lands on."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class InfraTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return INFRA if nodeid.startswith(INFRA) else super()._split_scope(nodeid)

    return InfraTogether(config, log)
