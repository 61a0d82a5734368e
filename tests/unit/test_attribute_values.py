"""Our DynamoDB attribute-value codec (goalpost.data.attributes) against boto3's, which it replaces to keep
boto3 out of every function's cold start: the same wire format both ways, for any value we store."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from goalpost.data.attributes import from_attribute, to_attribute

# Numbers DynamoDB can hold: up to 38 significant digits, exponents within its range.
NUMBERS = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-(10**20), max_value=10**20),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.text(max_size=20), NUMBERS, st.binary(min_size=1, max_size=8))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@given(VALUES)
def test_serializes_as_boto3_does(value: Any) -> None:
    assert to_attribute(value) == TypeSerializer().serialize(value)


@given(VALUES)
def test_reads_back_what_it_wrote_as_boto3_does(value: Any) -> None:
    attribute = to_attribute(value)
    assert from_attribute(attribute) == _plain(TypeDeserializer().deserialize(attribute))


def test_numbers_come_back_exact() -> None:
    value = Decimal("12345678901234567890.123456789012345678")
    assert from_attribute(to_attribute(value)) == value


@pytest.mark.parametrize(
    "value",
    [float("1.5"), Decimal("NaN"), Decimal("Infinity"), Decimal("1" * 39), set(), object()],
    ids=["float", "nan", "infinity", "39 digits", "empty set", "object"],
)
def test_refuses_what_dynamodb_cannot_hold_exactly(value: Any) -> None:
    with pytest.raises((TypeError, ArithmeticError)):
        to_attribute(value)


def test_sets_round_trip() -> None:
    assert from_attribute(to_attribute({"a", "b"})) == {"a", "b"}
    assert from_attribute(to_attribute({Decimal(1), 2})) == {Decimal(1), Decimal(2)}


def _plain(value: Any) -> Any:
    """boto3 wraps bytes in its Binary class; ours are plain bytes."""
    if hasattr(value, "value") and type(value).__name__ == "Binary":
        return bytes(value.value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
