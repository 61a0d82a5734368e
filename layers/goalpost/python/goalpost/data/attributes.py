"""DynamoDB's attribute-value format, both ways, with numbers as exact Decimals.

The same rules as boto3's TypeSerializer/TypeDeserializer (38 significant digits, nothing rounded, no NaN or
infinity), written here so that no function has to import boto3 for them (about 100 ms of cold start)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# DynamoDB numbers: up to 38 significant digits, exponent -130..125; anything that would round is refused.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def _number(value: int | Decimal) -> dict[str, str]:
    text = str(DYNAMODB_CONTEXT.create_decimal(value))
    if text in ("Infinity", "-Infinity", "NaN", "sNaN"):
        raise TypeError(f"{text} is not a DynamoDB number")
    return {"N": text}


def to_attribute(value: Any) -> dict[str, Any]:
    """A Python value (str, bool, int, Decimal, bytes, None, mapping, list, set) as an attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return _number(value)
    if isinstance(value, float):
        raise TypeError("binary floats are never stored; use Decimal")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_attribute(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    if isinstance(value, set | frozenset) and value:
        return _set(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in DynamoDB")


def _set(values: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if all(isinstance(v, str) for v in values):
        return {"SS": list(values)}
    if all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values):
        return {"NS": [_number(v)["N"] for v in values]}
    if all(isinstance(v, bytes | bytearray) for v in values):
        return {"BS": [bytes(v) for v in values]}
    raise TypeError("a set must hold only strings, only numbers or only bytes")


def from_attribute(attribute: Mapping[str, Any]) -> Any:
    """An attribute value as Python: numbers become Decimal, sets become sets."""
    if not attribute:
        raise TypeError("an attribute value names its type")
    kind, value = next(iter(attribute.items()))
    reader = _READERS.get(kind)
    if reader is None:
        raise TypeError(f"unknown DynamoDB type {kind}")
    return reader(value)


# How each DynamoDB type reads as Python, by its type name.
_READERS: dict[str, Callable[[Any], Any]] = {
    "S": lambda value: value,
    "N": DYNAMODB_CONTEXT.create_decimal,
    "BOOL": bool,
    "NULL": lambda _: None,
    "M": lambda value: {k: from_attribute(v) for k, v in value.items()},
    "L": lambda value: [from_attribute(v) for v in value],
    "B": bytes,
    "SS": set,
    "NS": lambda value: {DYNAMODB_CONTEXT.create_decimal(v) for v in value},
    "BS": lambda value: {bytes(v) for v in value},
}
