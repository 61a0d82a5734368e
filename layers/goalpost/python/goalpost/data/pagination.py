"""Opaque ``next_token`` values: the DynamoDB LastEvaluatedKey, base64url-encoded.

A token is checked before use: it must decode, name only the keys of the query it continues, and belong to
the caller's own partition, so a forged or foreign token is a 422, never another user's data or a 500."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from goalpost.data.codec import Item
from goalpost.data.queries import query_page
from goalpost.domain.errors import InvalidInput


def encode_token(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    plain = {name: value["S"] for name, value in last_evaluated_key.items()}
    raw = json.dumps(plain, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, *, exact: dict[str, str], prefixed: dict[str, str]) -> dict[str, Any] | None:
    """The ExclusiveStartKey for ``token``. ``exact`` maps key attributes to the only value they may hold
    (the caller's partition), ``prefixed`` the others to the prefix the query's key condition allows."""
    if token is None:
        return None
    invalid = InvalidInput("Invalid next_token")
    try:
        padded = token + "=" * (-len(token) % 4)
        plain = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(plain, dict) or set(plain) != set(exact) | set(prefixed):
        raise invalid
    if not all(isinstance(value, str) for value in plain.values()):
        raise invalid
    if any(plain[name] != value for name, value in exact.items()):
        raise invalid
    if any(not plain[name].startswith(prefix) for name, prefix in prefixed.items()):
        raise invalid
    return {name: {"S": value} for name, value in plain.items()}


def owned_page(
    table: str,
    *,
    owner_pk: str,
    sort_prefix: str,
    index: str | None,
    partition: str,
    limit: int,
    next_token: str | None,
    filter_expression: str | None = None,
    filter_values: dict[str, Any] | None = None,
    filter_names: dict[str, str] | None = None,
    newest_first: bool = True,
    window: int | None = None,
) -> tuple[list[Item], str | None]:
    """One page of a user's items (newest first unless told otherwise), from the table (``index`` None:
    ``partition`` is the owner's) or from one of its indexes, in one Query (see ``query_page``: a filtered
    page may hold fewer than ``limit`` items and still have a token); the token is checked to continue this
    very query of this very owner."""
    exact = {"pk": owner_pk}
    prefixed = {"sk": sort_prefix}
    if index is not None:
        exact[f"{index}pk"] = partition
        prefixed[f"{index}sk"] = sort_prefix
    items, last = query_page(
        table=table,
        partition=partition,
        sort_prefix=sort_prefix,
        index=index,
        limit=limit,
        start_key=decode_token(next_token, exact=exact, prefixed=prefixed),
        filter_expression=filter_expression,
        filter_values=filter_values,
        filter_names=filter_names,
        newest_first=newest_first,
        window=window,
    )
    return items, encode_token(last)


def partition_page(
    table: str, partition: str, sort_prefix: str, *, limit: int, next_token: str | None, newest_first: bool = True
) -> tuple[list[Item], str | None]:
    """One page of a partition that belongs to one user as a whole (a goal's children)."""
    return owned_page(
        table,
        owner_pk=partition,
        sort_prefix=sort_prefix,
        index=None,
        partition=partition,
        limit=limit,
        next_token=next_token,
        newest_first=newest_first,
    )
