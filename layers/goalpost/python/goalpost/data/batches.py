"""Work in batches: the one way the layer cuts items into requests, and how many write requests one call keeps
in flight at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Write requests one call keeps in flight at once (snapshot BatchWriteItems, price UpdateItems).
WRITE_CONCURRENCY = 8


def _one(_: object) -> int:
    return 1


def batches(items: Iterable[T], room: int, size: Callable[[T], int] = _one) -> Iterator[list[T]]:
    """``items`` in order, in lists whose ``size`` adds up to at most ``room`` (an item larger than ``room`` on
    its own). ``items`` may be a generator: a full batch is handed on before the next item is taken."""
    batch: list[T] = []
    total = 0
    for item in items:
        weight = size(item)
        if batch and total + weight > room:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += weight
        if total >= room:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch
