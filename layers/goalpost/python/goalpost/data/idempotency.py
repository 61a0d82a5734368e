"""Idempotency-Key records in the idempotency table, written inside the request's own write.

- ``id`` = ``goalpost#<operation>#<sha256 of user, path and key>``: one record per user, operation, path and key.
- ``body_hash``: what the first request sent; ``response``: its answer as JSON text; ``expiration``: epoch
  seconds, the table's TTL attribute (DynamoDB deletes late: an expired record is treated as none).

A keyed request runs inside ``claiming(claim)``. The service names its answer (``answer``) before it writes;
the first transaction after that (``data.transactions``) carries the record as one more Put, conditional on
there being no live record: the record and the change commit together or not at all. A request whose record
exists (a retry, a concurrent twin, the key reused with another body) is refused by that condition
(``KeyUsed``) and changes nothing; the caller reads the record and answers from it. A request that wrote
nothing stores its record on its own (``store_alone``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data.client import client, get_item, is_condition_failure
from goalpost.settings import get_settings

RECORD_ROLE = "idempotency"  # the record's role in a transaction (see ``data.transactions``)
_UNCLAIMED = "attribute_not_exists(id) OR expiration < :now"

# Renders the answer a service named into the route's JSON response.
Render = Callable[[Any], dict[str, Any]]


class KeyUsed(Exception):
    """A live record exists for the key: this request's write was refused and changed nothing."""


@dataclass
class Claim:
    """The record a keyed request is to write with its change."""

    record_id: str
    body_hash: str
    render: Render
    answer: Callable[[], Any] | None = None
    response: dict[str, Any] | None = None  # rendered when the record joined a write
    written: bool = False


@dataclass(frozen=True)
class Record:
    body_hash: str
    response: Any


_claim: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def new_claim(user_id: str, operation: str, path: str, key: str, request: Any, render: Render) -> Claim:
    """The claim of one keyed request; ``request`` is what a retry must send again (its body, its query)."""
    scope = hashlib.sha256(json.dumps([user_id, path, key]).encode()).hexdigest()
    digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    return Claim(f"goalpost#{operation}#{scope}", digest, render)


@contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    token = _claim.set(claim)
    try:
        yield claim
    finally:
        _claim.reset(token)


def answer(result: Any) -> None:
    """Names what the request answers (rendered when its write goes, so as the objects are written). Services
    call it before the write that makes the request's change; outside a keyed request it does nothing."""
    answer_later(lambda: result)


def answer_later(result: Callable[[], Any]) -> None:
    """``answer`` for a result that is complete only when the write goes: ``result()`` is called then."""
    claim = _claim.get()
    if claim is not None and not claim.written:
        claim.answer = result


def reserved_items() -> int:
    """Transaction items a writer must leave free for the record: 1 in a keyed request that has not written."""
    claim = _claim.get()
    return 1 if claim is not None and not claim.written else 0


def pending_put() -> dict[str, Any] | None:
    """The transaction item of the record, when a keyed request named its answer and has not written yet:
    rendered now, so the record holds the answer as this write makes it."""
    claim = _claim.get()
    if claim is None or claim.written or claim.answer is None:
        return None
    claim.response = claim.render(claim.answer())
    return {"Put": _put(claim)}


def mark_written() -> None:
    """The write carrying ``pending_put`` committed."""
    claim = _claim.get()
    if claim is not None:
        claim.written = True


def store_alone(claim: Claim, response: dict[str, Any]) -> None:
    """Stores the record of a request that wrote nothing (``KeyUsed`` when one exists)."""
    claim.response = response
    try:
        client().put_item(**_put(claim))
    except ClientError as error:
        if is_condition_failure(error):
            raise KeyUsed from error
        raise
    claim.written = True


def read(record_id: str) -> Record | None:
    """The live record (strongly consistent), None when there is none or it expired."""
    item = get_item(get_settings().idempotency_table_name, {"id": {"S": record_id}})
    if item is None or int(item.get("expiration", 0)) < time.time() or "response" not in item:
        return None
    return Record(str(item.get("body_hash", "")), json.loads(str(item["response"])))


def _put(claim: Claim) -> dict[str, Any]:
    now = int(time.time())
    expiration = now + get_settings().idempotency_ttl_seconds
    return {
        "TableName": get_settings().idempotency_table_name,
        "Item": {
            "id": {"S": claim.record_id},
            "body_hash": {"S": claim.body_hash},
            "response": {"S": json.dumps(claim.response, separators=(",", ":"))},
            "expiration": {"N": str(expiration)},
        },
        "ConditionExpression": _UNCLAIMED,
        "ExpressionAttributeValues": {":now": {"N": str(now)}},
    }
