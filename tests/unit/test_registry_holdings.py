"""The registry's holdings: their stored form, exact both ways; valuing them as the positions they stand for;
and their removal joining a transaction's other update of the profile."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.data import holdings as holding_codec
from goalpost.data import keys
from goalpost.data import registry as registry_store
from goalpost.data import snapshots as snapshot_store
from goalpost.data.codec import key
from goalpost.data.snapshot_codec import decode_snapshot, encode_snapshot
from goalpost.domain.portfolio import CachedPrice, value_portfolio
from goalpost.domain.positions import Position, PositionStatus, Side
from goalpost.services.snapshots import value_of

NOW = datetime(2026, 11, 21, 14, 32, 10, tzinfo=UTC)
TABLE = "t-data"

amounts = st.decimals(min_value=Decimal("1E-12"), max_value=Decimal("1E+12"), allow_nan=False, allow_infinity=False)
symbols = st.from_regex(r"\A[A-Z0-9.\-/]{1,20}\Z")


def position(user: str, symbol: str, quantity: Decimal, entry: Decimal, side: Side = Side.LONG) -> Position:
    return Position.opened(user, symbol, quantity, entry, NOW, side=side)


@given(symbol=symbols, side=st.sampled_from(Side), quantity=amounts, entry=amounts)
def test_a_holding_decodes_to_exactly_what_was_encoded(
    symbol: str, side: Side, quantity: Decimal, entry: Decimal
) -> None:
    held = holding_codec.decode_holding(holding_codec.encode_holding(position("u", symbol, quantity, entry, side)))
    assert (held.symbol, held.side) == (symbol, side)
    # The same Decimal, digit for digit (not only equal in value): the value is worked out from these.
    assert (str(held.quantity), str(held.entry_price)) == (str(quantity), str(entry))
    assert held.cost_basis == quantity * entry


@pytest.mark.parametrize(
    ("quantity", "entry", "stored"),
    [
        ("10", "100", "AAPL|L|10|100"),
        ("0.50", "43000.12", "AAPL|L|0.50|43000.12"),
        ("1E+2", "0.000001", "AAPL|L|1E+2|0.000001"),
    ],
)
def test_a_holding_is_a_short_string(quantity: str, entry: str, stored: str) -> None:
    assert holding_codec.encode_holding(position("u", "AAPL", Decimal(quantity), Decimal(entry))) == stored


held_positions = st.lists(
    st.tuples(
        st.sampled_from(["AAPL", "MSFT", "BTCUSDT", "NOPRICE"]),
        st.sampled_from(Side),
        amounts,
        amounts,
    ),
    max_size=8,
)


@given(rows=held_positions, cash=st.decimals(min_value=0, max_value=10**9, places=2))
def test_the_holdings_value_exactly_as_the_positions_do(
    rows: list[tuple[str, Side, Decimal, Decimal]], cash: Decimal
) -> None:
    positions = [position("u", symbol, quantity, entry, side) for symbol, side, quantity, entry in rows]
    prices = {
        symbol: CachedPrice(symbol=symbol, price=Decimal(price), updated_at=NOW, source="t")
        for symbol, price in (("AAPL", "175.25"), ("MSFT", "310"), ("BTCUSDT", "51000.5"))
    }
    stored = holding_codec.holdings_of(positions)
    owner = registry_store.Owner(
        "u",
        cash,
        {
            name.removeprefix(holding_codec.HOLDING_PREFIX): holding_codec.decode_holding(v)
            for name, v in stored.items()
        },
    )
    # In position-id order, as the positions index returned them to the worker before: Decimal sums round at 28
    # digits, so the order of the terms is part of the result.
    in_order = sorted(positions, key=lambda p: p.id)
    assert value_of(owner, prices, NOW) == value_portfolio(in_order, prices, cash, NOW)


def test_only_open_positions_are_holdings() -> None:
    open_one = position("u", "AAPL", Decimal(1), Decimal(2))
    closed = position("u", "MSFT", Decimal(1), Decimal(2)).model_copy(update={"status": PositionStatus.CLOSED})
    assert holding_codec.holdings_of([open_one, closed]) == {f"h_{open_one.id}": "AAPL|L|1|2"}


def profile_update(user: str, expression: str, **extra: Any) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": TABLE,
            "Key": key(keys.user_pk(user), keys.PROFILE_SK),
            "UpdateExpression": expression,
            **extra,
        }
    }


def test_a_removal_is_its_own_item_when_nothing_else_updates_the_profile() -> None:
    held = position("u", "AAPL", Decimal(1), Decimal(2))
    other = {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "USER#u"}, "sk": {"S": "ALERT#1"}}}}
    someone_else = profile_update("v", "ADD unread_alerts :count")
    items = registry_store.with_holding_removed(TABLE, held, [other, someone_else])
    assert items == [other, someone_else, registry_store.holding_removed(TABLE, held)]
    assert items[-1]["Update"]["UpdateExpression"] == "REMOVE #holding"
    assert items[-1]["Update"]["ExpressionAttributeNames"] == {"#holding": f"h_{held.id}"}


@pytest.mark.parametrize(
    ("expression", "merged"),
    [
        ("ADD unread_alerts :count", "ADD unread_alerts :count REMOVE #holding"),
        ("SET #a = :remove REMOVE b, c", "SET #a = :remove REMOVE #holding, b, c"),
        ("remove b ADD n :n", "remove #holding, b ADD n :n"),
        ("SET #remove = :v", "SET #remove = :v REMOVE #holding"),
    ],
)
def test_a_removal_joins_the_transactions_update_of_the_profile(expression: str, merged: str) -> None:
    """A transaction may touch an item once: a close's alert counts itself on the profile already."""
    held = position("u", "AAPL", Decimal(1), Decimal(2))
    update = profile_update("u", expression, ExpressionAttributeValues={":count": {"N": "1"}})
    items = registry_store.with_holding_removed(TABLE, held, [update])
    assert len(items) == 1
    assert items[0]["Update"]["UpdateExpression"] == merged
    assert items[0]["Update"]["ExpressionAttributeNames"] == {"#holding": f"h_{held.id}"}
    assert items[0]["Update"]["ExpressionAttributeValues"] == {":count": {"N": "1"}}
    assert update["Update"]["UpdateExpression"] == expression  # the caller's item is left as it was


def test_a_holding_set_joins_the_transactions_update_of_the_profile() -> None:
    """A partial close sets the smaller holding beside its alert's unread count: one update of the profile."""
    held = position("u", "AAPL", Decimal(1), Decimal(2))
    update = profile_update("u", "ADD unread_alerts :count", ExpressionAttributeValues={":count": {"N": "1"}})
    [merged] = registry_store.with_holding_set(TABLE, held, [update])
    assert merged["Update"]["UpdateExpression"] == (
        "ADD unread_alerts :count SET gsi3pk = :registry, gsi3sk = :user, #holding = :holding"
    )
    assert set(merged["Update"]["ExpressionAttributeValues"]) == {":count", ":registry", ":user", ":holding"}


def test_a_removal_never_reuses_a_name_the_update_has() -> None:
    held = position("u", "AAPL", Decimal(1), Decimal(2))
    update = profile_update("u", "SET #holding = :x", ExpressionAttributeNames={"#holding": "x"})
    with pytest.raises(ValueError, match="#holding"):
        registry_store.with_holding_removed(TABLE, held, [update])


# ---------------------------------------------------------------- a snapshot's holdings, packed
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "ticker": symbols,
                "side": st.sampled_from(["LONG", "SHORT"]),
                "shares": amounts,
                "cost_basis": amounts,
                "current_value": amounts,
                "price_per_share": st.none() | amounts,
                "price_missing": st.booleans(),
            }
        ),
        max_size=8,
    )
)
def test_a_snapshots_holdings_are_stored_packed_and_read_back_exactly(holdings: list[dict[str, Any]]) -> None:
    slot = datetime(2026, 11, 21, 23, 55, tzinfo=UTC)
    snapshot = {
        "slot": slot,
        "total_value": Decimal("10.5"),
        "cash_balance": Decimal(1),
        "investment_value": Decimal("9.5"),
        "positions": holdings,
        "recorded_at": NOW,
    }
    item = snapshot_store.snapshot_item("alice", slot, snapshot)
    assert "slot" not in item
    assert all(isinstance(h, str) for h in item["positions"])
    read = decode_snapshot(encode_snapshot(item, slot), slot)
    assert read == {**snapshot, "positions": holdings}


def test_a_snapshot_written_before_holdings_were_packed_reads_as_it_was() -> None:
    """A holding stored as a map (before holdings were packed) is packed when its snapshot is regrouped."""
    slot = datetime(2026, 11, 21, 10, tzinfo=UTC)
    old = {"ticker": "AAPL", "side": "LONG", "shares": Decimal(2), "cost_basis": Decimal(300)}
    old["current_value"] = Decimal("310.5")
    item = {"pk": "USER#a#SNAP", "sk": slot.isoformat(), "total_value": 1, "cash_balance": 1, "investment_value": 0}
    [read] = decode_snapshot(encode_snapshot({**item, "positions": [old]}, slot), slot)["positions"]
    assert read == {**old, "price_per_share": None, "price_missing": False}
