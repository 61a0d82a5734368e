"""One way to write a transaction: items are added with a *role*, and a refusal names the roles whose
condition failed, so no caller reads cancellation codes by position (adding an item in front of a
transaction cannot map a failure to the wrong error).

- One item is written with its plain request (PutItem / UpdateItem / DeleteItem: half the write units of a
  transaction); a ``ConditionCheck`` alone has no plain request and goes as a one-item transaction.
- Several go as one TransactWriteItems, at most ``TRANSACTION_LIMIT`` (enforced when an item is added).
- A condition that failed raises ``TransactionRefused`` with the failed roles; the repositories translate it
  to their domain errors.
- Contention the server resolves by itself (a ``TransactionConflict``, an item throttled inside a
  transaction, a transaction still in progress) is retried here with jittered backoff
  (``goalpost.retry.attempts``), never reported as a refused condition. Throttling of the request as a whole
  is the SDK's to retry. Contention that outlasts the retries raises ``TransactionContended`` (the
  repositories answer ``ConcurrentModification``); any other failure raises its ``ClientError`` as it came.
- Inside a keyed request (``data.idempotency``), the first write after the service named its answer carries the
  Idempotency-Key record as one more item (so one item goes as a transaction of two); its refusal raises
  ``KeyUsed`` before any other role is looked at: the key's earlier request decides the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from goalpost import retry
from goalpost.data import idempotency
from goalpost.data.client import client, error_code
from goalpost.domain.errors import ConcurrentModification

TRANSACTION_LIMIT = 100

CONDITION_FAILED = "ConditionalCheckFailed"
# Reasons (per item, or of a plain write, without the ``Exception`` suffix) that trying again resolves.
RETRIED = frozenset(
    {
        "TransactionConflict",
        "ProvisionedThroughputExceeded",
        "ThrottlingError",
        "RequestLimitExceeded",
        "TransactionInProgress",
    }
)
_PLAIN_WRITES = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


class TransactionRefused(Exception):
    """The condition of one or more items failed: ``failed_roles`` names them."""

    def __init__(self, failed_roles: frozenset[str]) -> None:
        super().__init__(f"transaction refused by {', '.join(sorted(failed_roles)) or 'no role'}")
        self.failed_roles = failed_roles


class TransactionContended(ConcurrentModification):
    """The transaction lost to concurrent writers (or was throttled item by item) on every attempt: where no
    repository says more, the API answers it as any contention past its retries (409 with Retry-After)."""


class TransactionTooLarge(ValueError):
    """More than ``TRANSACTION_LIMIT`` items in one transaction."""


class Transaction:
    """Items to write all or nothing, each with a role (several items may share one)."""

    def __init__(self) -> None:
        self._items: list[tuple[str, dict[str, Any]]] = []

    def add(self, item: Mapping[str, Any], *, role: str) -> Transaction:
        """Adds one transaction item (``{"Put" | "Update" | "Delete" | "ConditionCheck": request}``)."""
        if len(self._items) >= TRANSACTION_LIMIT:
            raise TransactionTooLarge(f"a transaction holds at most {TRANSACTION_LIMIT} items")
        if len(item) != 1 or next(iter(item)) not in {*_PLAIN_WRITES, "ConditionCheck"}:
            raise ValueError(f"not a transaction item: {sorted(item)}")
        self._items.append((role, dict(item)))
        return self

    def add_all(self, items: Iterable[Mapping[str, Any]], *, role: str) -> Transaction:
        for item in items:
            self.add(item, role=role)
        return self

    def __len__(self) -> int:
        return len(self._items)

    @property
    def room(self) -> int:
        """How many more items fit."""
        return TRANSACTION_LIMIT - len(self._items)

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for _, item in self._items]

    def write(self) -> None:
        """Writes every item, all or nothing (nothing to do when empty). ``TransactionRefused`` names the
        roles whose condition failed; contention that outlasts ``retry.attempts`` raises
        ``TransactionContended`` (from the last ``ClientError``)."""
        if not self._items:
            return
        items = self._items
        record = idempotency.pending_put() if len(items) < TRANSACTION_LIMIT else None
        if record is not None:
            items = [*items, (idempotency.RECORD_ROLE, record)]
        last: ClientError | None = None
        for _ in retry.attempts():
            try:
                self._write_once(items)
            except ClientError as error:
                if not self._retried(error):
                    raise
                last = error
            else:
                if record is not None:
                    idempotency.mark_written()
                return
        raise TransactionContended("The object is being changed by other requests; try again") from last

    @staticmethod
    def _write_once(items: list[tuple[str, dict[str, Any]]]) -> None:
        try:
            Transaction._write_items(items)
        except TransactionRefused as refused:
            if idempotency.RECORD_ROLE in refused.failed_roles:
                raise idempotency.KeyUsed from refused
            raise

    @staticmethod
    def _write_items(items: list[tuple[str, dict[str, Any]]]) -> None:
        if len(items) == 1:
            ((role, item),) = items
            ((kind, request),) = item.items()
            if kind in _PLAIN_WRITES:
                try:
                    getattr(client(), _PLAIN_WRITES[kind])(**request)
                except ClientError as error:
                    if error_code(error) == "ConditionalCheckFailedException":
                        raise TransactionRefused(frozenset({role})) from error
                    raise
                return
        try:
            client().transact_write_items(TransactItems=[item for _, item in items])
        except ClientError as error:
            codes = _cancellation_codes(error)
            failed = frozenset(role for (role, _), code in zip(items, codes, strict=False) if code == CONDITION_FAILED)
            if failed:
                raise TransactionRefused(failed) from error
            raise

    def write_unless_refused_by(self, role: str) -> bool:
        """Writes every item (see ``write``); False, with nothing written, when the condition of ``role``
        failed. Any other refusal raises ``TransactionRefused``."""
        try:
            self.write()
        except TransactionRefused as refused:
            if role in refused.failed_roles:
                return False
            raise
        return True

    @staticmethod
    def _retried(error: ClientError) -> bool:
        codes = _cancellation_codes(error)
        if codes:
            return any(code in RETRIED for code in codes)
        return error_code(error).removesuffix("Exception") in {"TransactionConflict", "TransactionInProgress"}


def write(items: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
    """Writes ``(role, item)`` pairs as one ``Transaction``."""
    transaction = Transaction()
    for role, item in items:
        transaction.add(item, role=role)
    transaction.write()


def _cancellation_codes(error: ClientError) -> list[str]:
    """The per-item codes of a cancelled transaction (``None`` / ``ConditionalCheckFailed`` / ...)."""
    if error_code(error) != "TransactionCanceledException":
        return []
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]
