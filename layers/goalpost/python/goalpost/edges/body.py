"""Request bodies: JSON objects, read with every bound checked before anything costly happens to them.

A body is at most 64 KiB, but its text can still ask for unbounded work: ``1E+1000000000`` is 13 bytes and an
integer of a billion digits once a model converts it; a 5,000-digit integer is past Python's int-digit limit;
a few KiB of ``[[[[`` exhaust the parser's recursion. So numbers are judged on their text (length, then
magnitude) before any conversion, nesting is bounded, and text that cannot be stored as UTF-8 is refused.
Each refusal is a 422 whose ``loc`` names the field, as the schema's own errors do.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

MAX_DEPTH = 16  # the deepest body any route takes (a budget's debts) is 3 levels
MAX_NUMBER_CHARS = 40  # sign, 38 significant digits (DynamoDB's precision), a point
# DynamoDB's number range: magnitudes from 1E-130 up to (not including) 1E+126.
MIN_EXPONENT = -130
MAX_EXPONENT = 125

# A \uD800..\uDFFF escape is the only way a lone surrogate (text with no UTF-8 encoding) gets into parsed JSON.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

Path = tuple[str | int, ...]


class _Refused:
    """Stands in the parsed body where a number was refused, until the walk finds its path."""

    __slots__ = ("kind", "message")

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        self.message = message


TOO_LONG = _Refused("number_too_long", f"A number may have at most {MAX_NUMBER_CHARS} characters")
OUT_OF_RANGE = _Refused(
    "number_out_of_range", f"A number must be 0 or of a magnitude from 1E{MIN_EXPONENT} to below 1E+{MAX_EXPONENT + 1}"
)


def refusal(loc: Path, kind: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", *loc), "msg": message, "input": None}])


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON and never money.
    raise json.JSONDecodeError(f"{name} is not a valid JSON number", name, 0)


def _integer(text: str) -> int | _Refused:
    # Checked before int(): the conversion is quadratic in the digits, and past 4,300 of them a ValueError.
    return TOO_LONG if len(text) > MAX_NUMBER_CHARS else int(text)


def _fraction(text: str) -> Decimal | _Refused:
    """A number with a fraction or an exponent: a Decimal, never a binary float; ``-0.0`` is ``0.0``."""
    if len(text) > MAX_NUMBER_CHARS:
        return TOO_LONG
    value = Decimal(text)  # cheap on bounded text: the exponent stays an exponent
    if value.is_zero():
        return abs(value)
    if not MIN_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        return OUT_OF_RANGE
    return value


def parse_json_body(body: str) -> dict[str, Any]:
    """The body as a JSON object (anything else is refused: Powertools would unwrap a one-item array)."""
    refused: list[_Refused] = []

    def integer(text: str) -> int | _Refused:
        value = _integer(text)
        if isinstance(value, _Refused):
            refused.append(value)
        return value

    def fraction(text: str) -> Decimal | _Refused:
        value = _fraction(text)
        if isinstance(value, _Refused):
            refused.append(value)
        return value

    try:
        parsed = json.loads(body, parse_int=integer, parse_float=fraction, parse_constant=_reject_constant)
    except RecursionError:
        raise refusal((), "json_too_deep", f"The body may nest at most {MAX_DEPTH} levels") from None
    if not isinstance(parsed, dict):
        raise json.JSONDecodeError("The request body must be a JSON object", body, 0)
    # Most bodies need no walk: few brackets bound the depth, and a lone surrogate needs its escape in the text.
    if refused or body.count("[") + body.count("{") > MAX_DEPTH or ("\\u" in body and _SURROGATE_ESCAPE.search(body)):
        _check(parsed)
    return parsed


def _check(parsed: Any) -> None:
    """Walks the parsed body (iteratively: its depth is what is in question) and raises for the first refused
    number, lone surrogate or level past ``MAX_DEPTH``, naming where it is."""
    stack: list[tuple[Any, Path]] = [(parsed, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, _Refused):
            raise refusal(loc, value.kind, value.message)
        if isinstance(value, str):
            _check_text(value, loc)
            continue
        if not isinstance(value, dict | list):
            continue
        if len(loc) >= MAX_DEPTH:
            raise refusal(loc, "json_too_deep", f"The body may nest at most {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for name, item in value.items():
                _check_text(name, loc)
                stack.append((item, (*loc, name)))
        else:
            stack.extend((item, (*loc, index)) for index, item in enumerate(value))


def _check_text(text: str, loc: Path) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise refusal(loc, "string_unicode", "Text must be valid Unicode (no lone surrogate escapes)") from None
