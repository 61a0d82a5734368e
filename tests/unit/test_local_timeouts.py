"""The local server enforces each function's declared timeout as Lambda does: at the deadline the caller gets a
timeout, "Task timed out" is logged, the handler is stopped (never inside a moto call) and its environment is
discarded. The handlers below are this test's own functions, invoked through the real registry."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost import declaration
from goalpost.declaration import Function, Route
from infra.local.aws import LocalAws
from infra.local.event_sources import drain_queue
from infra.local.lambdas import FunctionTimeout, HandlerRegistry, IntegrationTimeout

HERE = __name__


def sleeps(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sleeps in Python, in short steps, until told to stop; tries to swallow whatever stops it."""
    event["environments"].append(__name__)
    try:
        while not event["stop"].is_set():
            time.sleep(0.01)
    except Exception:
        event["swallowed"] = True
    finally:
        event["ended"].set()
    return {"statusCode": 200, "body": "finished"}


def writes_twice(event: dict[str, Any], context: Any) -> None:
    """Two writes, the first of which moto is slow to make."""
    client = goalpost_aws.client("dynamodb")
    try:
        for sk in ("first", "second"):
            client.put_item(TableName=event["table"], Item={"pk": {"S": "USER#t"}, "sk": {"S": sk}})
    finally:
        event["ended"].set()


def never_returns(event: dict[str, Any], context: Any) -> None:
    while True:
        time.sleep(0.01)


def sleeping_function(timeout_seconds: int = 1) -> Function:
    return Function(name="sleepy", handler=f"{HERE}.sleeps", description="sleeps", timeout_seconds=timeout_seconds)


def stuck_function(timeout_seconds: int, route: Route | None = None) -> Function:
    return Function(
        name="stuck",
        handler=f"{HERE}.never_returns",
        description="never returns",
        timeout_seconds=timeout_seconds,
        routes=(route,) if route else (),
    )


def sleep_event(*, stop: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {"stop": threading.Event(), "ended": threading.Event(), "environments": []}
    if stop:
        event["stop"].set()
    return event


def test_the_caller_gets_a_timeout_at_the_deadline_and_the_environment_is_discarded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by a probe of `make run`: requests ran 19-24 s past a function's 10 s timeout."""
    registry, function = HandlerRegistry(), sleeping_function()
    quick = sleep_event(stop=True)
    registry.invoke(function, quick)
    registry.invoke(function, quick)
    assert quick["environments"][0] == quick["environments"][1]  # an environment that finished is reused

    event = sleep_event()
    started = time.monotonic()
    with pytest.raises(FunctionTimeout, match=r"Task timed out after 1\.0"):
        registry.invoke(function, event)
    assert 1.0 <= time.monotonic() - started < 1.5

    assert event["ended"].wait(2), "the handler went on after its timeout"
    assert "swallowed" not in event  # `except Exception` cannot catch it
    assert "Task timed out after 1.0" in capsys.readouterr().err
    after = sleep_event(stop=True)
    registry.invoke(function, after)
    assert after["environments"][0] != event["environments"][0]  # a fresh copy of the module, not the one that hung


def test_a_moto_call_is_never_interrupted_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline passes while the handler is inside a (slow) moto call: the caller hears at once, the call
    completes whole, and the handler raises as it leaves the call (its second write never happens)."""
    from moto.dynamodb.models.table import Table

    original = Table.put_item

    def slow_put(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if item_attrs["sk"] == {"S": "first"}:
            until = time.monotonic() + 1.5
            while time.monotonic() < until:  # busy in Python: an injected exception would land right here
                time.sleep(0.01)
        return original(self, item_attrs, *args, **kwargs)

    with LocalAws(prefix="timeouts"):
        monkeypatch.setattr(Table, "put_item", slow_put)
        table = os.environ["DATA_TABLE_NAME"]
        function = Function(name="writer", handler=f"{HERE}.writes_twice", description="writes", timeout_seconds=1)
        event = {"table": table, "ended": threading.Event()}
        started = time.monotonic()
        with pytest.raises(FunctionTimeout):
            HandlerRegistry().invoke(function, event)
        assert time.monotonic() - started < 1.4  # the caller did not wait for the moto call

        assert event["ended"].wait(3)
        client = goalpost_aws.client("dynamodb")
        stored = client.scan(TableName=table)["Items"]
        assert [item["sk"]["S"] for item in stored] == ["first"]


def test_a_job_worker_that_times_out_fails_its_whole_batch(capsys: pytest.CaptureFixture[str]) -> None:
    """Jobs run through the same registry: a worker past its timeout fails every record of its batch, which SQS
    then delivers again, as the event source mapping does."""
    with LocalAws(prefix="timeouts"):
        queue = declaration.SNAPSHOT_QUEUE
        sqs = goalpost_aws.client("sqs")
        for n in range(3):
            sqs.send_message(QueueUrl=os.environ[queue.env], MessageBody=json.dumps({"n": n}))
        drained = drain_queue(HandlerRegistry(), stuck_function(1), queue, visibility_seconds=1)
        assert drained == {"batches": 1, "messages": 0, "failed": 3}
        assert "Task timed out after 1.0" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- the gateway


@pytest.fixture
def gateway_for() -> Iterator[Any]:
    """A local gateway in this process serving only the given function, over real HTTP on loopback."""
    from infra.local.auth import TokenAuthority
    from infra.local.routing import RouteTable
    from infra.local.scheduler import JobRunner
    from infra.local.server import LocalGateway

    started: list[LocalGateway] = []

    def start(function: Function, **options: Any) -> str:
        registry = HandlerRegistry()
        gateway = LocalGateway(
            ("127.0.0.1", 0), authority=TokenAuthority(), registry=registry, runner=JobRunner(registry), **options
        )
        gateway.routes = RouteTable((function,))
        threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(gateway)
        return gateway.url

    yield start
    for gateway in started:
        gateway.shutdown()
        gateway.server_close()


def fetch(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_gateway_answers_a_function_timeout_as_api_gateway_does(gateway_for: Any) -> None:
    """A Lambda timeout is a function error to API Gateway: 500 and its own message."""
    url = gateway_for(stuck_function(1, Route("GET", "/slow", public=True)))
    started = time.monotonic()
    assert fetch(f"{url}/slow") == (500, {"message": "Internal Server Error"})
    assert 1.0 <= time.monotonic() - started < 1.5


def test_the_gateway_stops_waiting_at_its_integration_timeout(gateway_for: Any) -> None:
    """Past the integration timeout (30 s on an HTTP API) API Gateway answers 503 and the function runs on."""
    url = gateway_for(stuck_function(2, Route("GET", "/slow", public=True)), integration_timeout_seconds=0.5)
    started = time.monotonic()
    assert fetch(f"{url}/slow") == (503, {"message": "Service Unavailable"})
    assert 0.5 <= time.monotonic() - started < 1.0


def test_invoke_can_stop_waiting_while_the_function_runs_on() -> None:
    event = sleep_event()
    registry, function = HandlerRegistry(), sleeping_function(5)
    with pytest.raises(IntegrationTimeout):
        registry.invoke(function, event, wait_seconds=0.2)
    assert not event["ended"].is_set()  # still running: only the caller gave up
    event["stop"].set()
    assert event["ended"].wait(2)
