"""A snapshot as its group's item stores it: one binary attribute a member (``data.snapshots``).

The figures and holdings as exact decimal text, ``total|cash|investment|seconds after the slot`` then one line
a holding, ``ticker|side|shares|cost basis|current value|price|missing`` (no price when it is missing), deflated
against a fixed dictionary of what such text repeats: ~155 bytes for five holdings instead of ~360 as named
attributes. The first byte is the format; a format once written is read for as long as its items are kept, so
``_DICTIONARY`` never changes under ``FORMAT``: a new one comes with a new format byte."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

FORMAT = 1
# Deflate's preset dictionary: the common substrings of a snapshot's text, the likeliest last.
_DICTIONARY = (
    b"|LONG||SHORT|1.00|0.00|1500.00|.00|0\nETHUSDT|LONG|SOLUSDT|LONG|BTCUSDT|LONG|AAPL|LONG|0.0|0\n"
    b"USDT|LONG|USDT|SHORT|0\n"
)
_WINDOW_BITS = -15  # raw deflate: no zlib header or checksum (DynamoDB keeps the bytes intact)
HOLDING_FIELDS = ("ticker", "side", "shares", "cost_basis", "current_value", "price_per_share", "price_missing")


def pack_holding(holding: dict[str, Any]) -> str:
    """A holding as one line (a map stored before holdings were packed may lack the price and its flag)."""
    price = holding.get("price_per_share")
    return "|".join(
        (
            holding["ticker"],
            holding["side"],
            str(holding["shares"]),
            str(holding["cost_basis"]),
            str(holding["current_value"]),
            "" if price is None else str(price),
            "1" if holding.get("price_missing") else "0",
        )
    )


def unpack_holding(stored: str | dict[str, Any]) -> dict[str, Any]:
    """A holding as packed; a map is one written before holdings were packed (kept as it is)."""
    if isinstance(stored, dict):
        return stored
    ticker, side, shares, cost_basis, current_value, price, missing = stored.split("|")
    return {
        "ticker": ticker,
        "side": side,
        "shares": Decimal(shares),
        "cost_basis": Decimal(cost_basis),
        "current_value": Decimal(current_value),
        "price_per_share": Decimal(price) if price else None,
        "price_missing": missing == "1",
    }


def encode_snapshot(snapshot: dict[str, Any], slot: datetime) -> bytes:
    """A snapshot item's figures, its packed holdings and when it was recorded (``data.snapshots.snapshot_item``)
    as the bytes of its member attribute."""
    recorded = snapshot.get("recorded_at")
    after = "" if recorded is None else str((_moment(recorded) - slot) // timedelta(microseconds=1))
    head = "|".join(str(snapshot[name]) for name in ("total_value", "cash_balance", "investment_value")) + "|" + after
    holdings = [h if isinstance(h, str) else pack_holding(h) for h in snapshot.get("positions", [])]
    text = "\n".join([head, *holdings]).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, _WINDOW_BITS, 9, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY)
    return bytes([FORMAT]) + packer.compress(text) + packer.flush()


def decode_snapshot(stored: bytes, slot: datetime) -> dict[str, Any]:
    """A member attribute's snapshot as the API shows it: the slot, the figures, the holdings unpacked."""
    if not stored or stored[0] != FORMAT:
        raise ValueError(f"unknown snapshot format {stored[:1]!r}")
    unpacker = zlib.decompressobj(_WINDOW_BITS, _DICTIONARY)
    head, *holdings = (unpacker.decompress(stored[1:]) + unpacker.flush()).decode().split("\n")
    total, cash, investment, after = head.split("|")
    snapshot: dict[str, Any] = {
        "slot": slot,
        "total_value": Decimal(total),
        "cash_balance": Decimal(cash),
        "investment_value": Decimal(investment),
        "positions": [unpack_holding(holding) for holding in holdings],
    }
    if after:
        snapshot["recorded_at"] = slot + timedelta(microseconds=int(after))
    return snapshot


def _moment(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
