"""Invoking the declared Lambda handlers in-process, with a Lambda-like context."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from goalpost.declaration import Function
from infra.local.aws import ACCOUNT_ID, REGION

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
    """Imports each declared handler once, on first use, as the Lambda runtime would."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}

    def get(self, function: Function) -> Handler:
        with self._lock:
            if function.handler not in self._handlers:
                module_name, _, attribute = function.handler.rpartition(".")
                module = importlib.import_module(module_name)
                self._handlers[function.handler] = getattr(module, attribute)
            return self._handlers[function.handler]

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        return self.get(function)(event, LambdaContext(function))
