"""The base of every Goalpost pydantic model, and the strict JSON types of what clients send."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, GetJsonSchemaHandler, Strict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError


class Model(BaseModel):
    """A pydantic model whose validator is built the first time it is used, not when its module is imported:
    a function then pays (a few ms each) only for the models it touches, not for every model its imports
    define. Subclasses' own ``model_config`` is merged with this one."""

    model_config = ConfigDict(defer_build=True)


class InputModel(Model):
    """What a client sends, in JSON's own types: strict, so ``true`` is no integer, ``"100"`` no number and
    ``100`` no text (a wrong type is a 422, decided here once for every field). The few types that JSON
    carries as something else are relaxed where they are declared: ``Number`` (a JSON number becomes a
    Decimal), ``Choice`` (text names an enum member) and the date inputs (ISO 8601 text). Unknown fields
    (a ``user_id`` among them) are refused.

    Data read back from our own table is not client input: the data layer validates it with
    ``strict=False`` (DynamoDB returns every number as a Decimal)."""

    model_config = ConfigDict(
        strict=True, extra="forbid", str_strip_whitespace=True, json_schema_extra=lambda schema, _: _bounds(schema)
    )


def _json_number(value: Any) -> Any:
    # A bool is an int to Python and text converts to Decimal in lax mode; neither is a JSON number.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number")
    return value


class _NumberOnlySchema:
    """pydantic documents a Decimal input as "a number or numeric text"; ``Number`` takes numbers only."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        branches = schema.pop("anyOf", None)
        if branches:
            schema.update(next(b for b in branches if b.get("type") == "number"))
        return schema


# A bound of a Number, which pydantic leaves under its Python name once a validator wraps the Decimal, under its
# JSON Schema name (the digit limits have none that clients read alike: the 422 states them).
_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}
_DIGIT_LIMITS = ("max_digits", "decimal_places")


def _json_value(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _bounds(schema: Any) -> None:
    if isinstance(schema, list):
        for item in schema:
            _bounds(item)
        return
    if not isinstance(schema, dict):
        return
    for name, keyword in _BOUNDS.items():
        if name in schema:
            schema[keyword] = _json_value(Decimal(schema.pop(name)))
    if schema.get("type") == "number" and isinstance(schema.get("default"), str):
        # pydantic writes a Decimal default as JSON text, which the number's own schema would refuse.
        schema["default"] = _json_value(Decimal(schema["default"]))
    for name in _DIGIT_LIMITS:
        schema.pop(name, None)
    for value in schema.values():
        _bounds(value)


# A JSON number as an exact Decimal (constraints are added where it is used).
Number = Annotated[Decimal, Strict(False), BeforeValidator(_json_number), _NumberOnlySchema()]

T = TypeVar("T")
# An enum member named by its value (JSON text).
Choice = Annotated[T, Strict(False)]
