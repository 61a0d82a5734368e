"""Lambda runs one invocation per process at a time, and ends it at its timeout; the local server runs many at
once, in threads, which cannot be killed. Nothing here is deployed.

Powertools' event handler keeps the current request on the ``BaseRouter`` class (``BaseRouter.current_event``
and ``.lambda_context``): harmless in Lambda, but two concurrent requests in one process would read each
other's events. ``isolate_concurrent_requests`` makes those two attributes thread-local, so concurrent requests
stay as isolated as Lambda keeps them.

Timeouts: at an invocation's deadline the watchdog makes its thread raise ``FunctionTimedOut`` (an
asynchronous exception), except inside a moto call, which it lets finish first."""

from __future__ import annotations

import ctypes
import heapq
import itertools
import sys
import threading
import time
import traceback
from abc import ABCMeta
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# ---------------------------------------------------------------------------------------------- timeouts


class FunctionTimedOut(BaseException):
    """Raised inside an invocation that ran past its function's timeout. A BaseException, so that a handler's
    ``except Exception`` cannot catch it: nothing of a Lambda invocation goes on after its timeout."""


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Makes ``thread_id`` raise ``exception`` at its next bytecode (None: forget one asked for earlier).
    A thread blocked in C (a socket read, a sleep) raises it once it returns to Python."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


class Watch:
    """One invocation's race against its deadline, between the thread that runs it and the watchdog that calls
    ``expire`` at the deadline. Exactly one of ``expire`` and ``finish`` wins.

    The exception is never injected while the thread is inside a moto call (``uninterruptible``): moto's state
    would be left half-written. The thread then raises it itself as it leaves the call."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self._lock = threading.Lock()
        self._depth = 0  # nested uninterruptible sections the thread is in
        self._expired = False
        self._finished = False

    def expire(self) -> bool:
        """At the deadline: True when the invocation was still running (it is abandoned from now on)."""
        with self._lock:
            if self._finished or self._expired:
                return False
            self._expired = True
            if self._depth == 0:
                _raise_in(self.thread_id, FunctionTimedOut)
            return True

    def finish(self) -> bool:
        """In the thread, once the handler returned or raised: True when it did so in time."""
        with self._lock:
            if self._expired:
                _raise_in(self.thread_id, None)  # an injected exception not raised yet has nowhere to go
                return False
            self._finished = True
            return True

    def enter(self) -> None:
        with self._lock:
            if self._expired:  # expired outside: the exception may still be pending; raise it here, not inside
                _raise_in(self.thread_id, None)
                raise FunctionTimedOut
            self._depth += 1

    def leave(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._expired and self._depth == 0:
                raise FunctionTimedOut


_running = threading.local()  # .watch: the Watch of the invocation this thread runs, if any


@contextmanager
def watched(watch: Watch) -> Iterator[None]:
    """The calling thread runs the invocation ``watch`` follows while the block runs."""
    _running.watch = watch
    try:
        yield
    finally:
        _running.watch = None


class _Uninterruptible:
    """``with uninterruptible:`` marks a section a timeout must not interrupt (a call into moto)."""

    def __enter__(self) -> None:
        watch = getattr(_running, "watch", None)
        if watch is not None:
            watch.enter()

    def __exit__(self, *_: object) -> None:
        watch = getattr(_running, "watch", None)
        if watch is not None:
            watch.leave()


uninterruptible = _Uninterruptible()


class Watchdog:
    """One thread that calls each registered action at its deadline (``time.monotonic()``)."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], object]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def at(self, deadline: float, action: Callable[[], object]) -> None:
        with self._changed:
            heapq.heappush(self._due, (deadline, next(self._order), action))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-watchdog", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                action = heapq.heappop(self._due)[2]
            try:
                action()
            except Exception:  # one bad action must not stop the deadlines of the others
                traceback.print_exc(file=sys.stderr)
