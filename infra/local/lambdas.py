"""Invoking the declared Lambda handlers in-process, with a Lambda-like context, each execution environment on a
thread of its own, and each function's declared timeout enforced as Lambda enforces it."""

from __future__ import annotations

import importlib
import importlib.util
import queue
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from datetime import UTC, datetime
from functools import partial
from typing import Any

from goalpost import declaration
from goalpost.declaration import Function
from infra.local.aws import ACCOUNT_ID, REGION
from infra.local.event_sources import drain_queue
from infra.local.threads import FunctionTimedOut, Watch, Watchdog, isolate_concurrent_requests, watched

Handler = Callable[[dict[str, Any], Any], Any]


class FunctionTimeout(Exception):
    """The function ran past its declared timeout: Lambda ended the invocation (its environment is discarded)."""


class IntegrationTimeout(Exception):
    """The caller stopped waiting before the function finished (API Gateway's integration timeout); the function
    goes on until it returns or reaches its own timeout, as it does on Lambda."""


class LambdaContext:
    """What the Lambda runtime passes as ``context``: names, memory, request id and the remaining time."""

    def __init__(self, function: Function, timeout_scale: float = 1.0) -> None:
        self.function_name = f"goalpost-local-{function.name}"
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.memory_limit_in_mb = function.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.started = time.monotonic()
        self.deadline = self.started + function.timeout_seconds * timeout_scale

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class _Invocation:
    def __init__(self, event: dict[str, Any], context: LambdaContext, watch: Watch) -> None:
        self.event = event
        self.context = context
        self.watch = watch
        self.outcome: Future[Any] = Future()


class _Environment:
    """One execution environment: a copy of the handler module, and the thread that runs its invocations one
    at a time. One that timed out is discarded: its thread ends once the exception reaches it."""

    def __init__(
        self, function: Function, handler: Handler, number: int, release: Callable[[_Environment], None]
    ) -> None:
        self.function = function
        self.handler = handler
        self._release = release
        self._inbox: queue.SimpleQueue[_Invocation] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=f"lambda {function.name} #{number}", daemon=True)
        self._thread.start()

    def start(self, event: dict[str, Any], context: LambdaContext) -> _Invocation:
        assert self._thread.ident is not None
        invocation = _Invocation(event, context, Watch(self._thread.ident))
        self._inbox.put(invocation)
        return invocation

    def _serve(self) -> None:
        try:
            while True:
                invocation = self._inbox.get()
                result: Any = None
                error: BaseException | None = None
                with watched(invocation.watch):
                    try:
                        result = self.handler(invocation.event, invocation.context)
                    except FunctionTimedOut:
                        raise
                    except BaseException as raised:  # the caller's to handle, as Lambda reports a function error
                        error = raised
                    if not invocation.watch.finish():
                        return  # too late: the caller has its timeout, and this environment is discarded
                # Back in the idle pool before the caller hears back, so a caller's next invocation reuses it.
                self._release(self)
                if error is None:
                    invocation.outcome.set_result(result)
                else:
                    invocation.outcome.set_exception(error)
        except FunctionTimedOut:
            return


class HandlerRegistry:
    """Imports each declared handler as the Lambda runtime would, once per execution environment.

    Lambda never runs two invocations in one environment at once, and the handlers rely on that (the
    Powertools resolver keeps the current request on the app). So concurrent invocations of one function get
    one environment each: a free one is reused, else another copy of the handler module is loaded.

    Each invocation ends at its function's declared timeout: the caller gets ``FunctionTimeout`` then, the
    "Task timed out" line goes to stderr as Lambda logs it, the handler's thread is made to raise
    ``FunctionTimedOut`` (never inside a moto call), and its environment is discarded."""

    _watchdog = Watchdog()

    def __init__(self, *, timeout_scale: float = 1.0) -> None:
        """``timeout_scale`` stretches every declared timeout: for the handler tests and the benchmark, whose
        moto holds hundreds of items per request on a machine shared with other tests (work that takes
        DynamoDB milliseconds); the local server keeps the deployed timeouts (1.0)."""
        isolate_concurrent_requests()
        self.timeout_scale = timeout_scale
        self._lock = threading.Lock()
        self._idle: dict[str, list[_Environment]] = {}
        self._loaded: dict[str, int] = {}
        self._draining = {consumer.queue.key: threading.Lock() for consumer in declaration.QUEUE_CONSUMERS}

    def _load(self, function: Function, copy: int) -> Handler:
        module_name, _, attribute = function.handler.rpartition(".")
        if copy == 0:
            first: Handler = getattr(importlib.import_module(module_name), attribute)
            return first
        spec = importlib.util.find_spec(module_name)
        assert spec is not None
        assert spec.origin is not None
        fresh = importlib.util.spec_from_file_location(f"{module_name}__env{copy}", spec.origin)
        assert fresh is not None
        assert fresh.loader is not None
        module = importlib.util.module_from_spec(fresh)
        # Registered as Python registers any module: pydantic resolves a model's postponed annotations through
        # sys.modules[cls.__module__], and a copy it cannot find answers 500 ("not fully defined").
        sys.modules[fresh.name] = module
        fresh.loader.exec_module(module)
        handler: Handler = getattr(module, attribute)
        return handler

    def _acquire(self, function: Function) -> _Environment:
        with self._lock:
            idle = self._idle.setdefault(function.handler, [])
            if idle:
                return idle.pop()
            copy = self._loaded.get(function.handler, 0)
            self._loaded[function.handler] = copy + 1
        return _Environment(function, self._load(function, copy), copy, self._release)

    def _release(self, environment: _Environment) -> None:
        with self._lock:
            self._idle[environment.function.handler].append(environment)

    def invoke(self, function: Function, event: dict[str, Any], *, wait_seconds: float | None = None) -> Any:
        """The handler's result (or its exception). ``FunctionTimeout`` at the function's timeout;
        ``IntegrationTimeout`` when ``wait_seconds`` pass first. Then, before the caller hears back, what the
        function sent to a consumed queue (its SMS) is consumed, as the queue's event source would."""
        try:
            environment = self._acquire(function)
            context = LambdaContext(function, self.timeout_scale)
            invocation = environment.start(event, context)
            # A weak reference: an invocation that finished is forgotten at once, not kept until its deadline.
            self._watchdog.at(context.deadline, partial(self._time_out, weakref.ref(invocation)))
            done, _ = wait_for([invocation.outcome], timeout=wait_seconds)
            if not done:
                raise IntegrationTimeout(f"{function.name} did not answer within {wait_seconds} seconds")
            return invocation.outcome.result()
        finally:
            self._consume_queued(function)

    def _consume_queued(self, function: Function) -> None:
        """Deployed, an SQS event source mapping hands a consumer what is queued within moments; here each queue
        the function sends to that a consumer works (declaration.QUEUE_CONSUMERS) is drained into it now, so
        whoever made the request sees the outcome (GET /_local/published) once it is answered. One drain of a
        queue at a time: a drain that finds the queue empty knows every message sent before it was handled."""
        for consumer in declaration.QUEUE_CONSUMERS:
            if consumer.queue.key not in function.queues:
                continue
            with self._draining[consumer.queue.key]:
                # The queue's own visibility timeout, as deployed: a message received stays hidden while the
                # consumer works on it (at 0 the same drain could receive it twice and send its SMS twice), and a
                # failed one comes back after it, then goes to the dead-letter queue.
                drain_queue(
                    self,
                    consumer.function,
                    consumer.queue,
                    consumer.batch_size,
                    visibility_seconds=consumer.queue.visibility_timeout_seconds,
                )

    @staticmethod
    def _time_out(reference: weakref.ref[_Invocation]) -> None:
        invocation = reference()
        if invocation is None or not invocation.watch.expire():
            return
        context = invocation.context
        elapsed = time.monotonic() - context.started
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        message = f"Task timed out after {elapsed:.2f} seconds"
        print(f"{stamp} {context.aws_request_id} {message}", file=sys.stderr, flush=True)
        invocation.outcome.set_exception(FunctionTimeout(f"{context.function_name}: {message}"))
