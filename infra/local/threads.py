"""Lambda runs one invocation per process at a time; the local gateway runs many at once, in threads.

Powertools' event handler keeps the current request on the ``BaseRouter`` class (``BaseRouter.current_event``
and ``.lambda_context``): harmless in Lambda, but two concurrent requests in one process would read each
other's events. This module makes those two attributes thread-local, locally only, so concurrent requests
stay as isolated as Lambda keeps them. Nothing here is deployed."""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

_state = threading.local()
_NAMES = ("current_event", "lambda_context")


class _PerThread:
    """A data descriptor whose value is the calling thread's own."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return getattr(_state, self.name, None)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(_state, self.name, value)


class _PerThreadRouterMeta(ABCMeta):
    """Class-level reads and writes (``BaseRouter.current_event = ...``) go to the thread's own value."""

    current_event = _PerThread("current_event")
    lambda_context = _PerThread("lambda_context")


def isolate_concurrent_requests() -> None:
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if isinstance(BaseRouter, _PerThreadRouterMeta):
        return
    for name in _NAMES:
        if name in BaseRouter.__dict__:
            type.__delattr__(BaseRouter, name)
        # Instance reads (``app.current_event``) find this data descriptor on the class itself.
        type.__setattr__(BaseRouter, name, _PerThread(name))
    BaseRouter.__class__ = _PerThreadRouterMeta  # type: ignore[method-assign,assignment]
