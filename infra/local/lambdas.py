"""Invoking the declared Lambda handlers in-process, with a Lambda-like context."""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from goalpost.declaration import Function
from infra.local.aws import ACCOUNT_ID, REGION
from infra.local.threads import isolate_concurrent_requests

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaContext:
    """What the Lambda runtime passes as ``context``: names, memory, request id and the remaining time."""

    def __init__(self, function: Function) -> None:
        self.function_name = f"goalpost-local-{function.name}"
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.memory_limit_in_mb = function.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + function.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerRegistry:
    """Imports each declared handler as the Lambda runtime would, once per execution environment.

    Lambda never runs two invocations in one environment at once, and the handlers rely on that (the
    Powertools resolver keeps the current request on the app). So concurrent invocations of one function get
    one environment each: a free one is reused, else another copy of the handler module is loaded."""

    def __init__(self) -> None:
        isolate_concurrent_requests()
        self._lock = threading.Lock()
        self._idle: dict[str, list[Handler]] = {}
        self._loaded: dict[str, int] = {}

    def get(self, function: Function) -> Handler:
        """The handler of the function's first environment (imported normally)."""
        handler = self._acquire(function)
        self._release(function, handler)
        return handler

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
        fresh.loader.exec_module(module)
        handler: Handler = getattr(module, attribute)
        return handler

    def _acquire(self, function: Function) -> Handler:
        with self._lock:
            idle = self._idle.setdefault(function.handler, [])
            if idle:
                return idle.pop()
            copy = self._loaded.get(function.handler, 0)
            self._loaded[function.handler] = copy + 1
        return self._load(function, copy)

    def _release(self, function: Function, handler: Handler) -> None:
        with self._lock:
            self._idle[function.handler].append(handler)

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        handler = self._acquire(function)
        try:
            return handler(event, LambdaContext(function))
        finally:
            self._release(function, handler)
