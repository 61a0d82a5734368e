"""The registry's holdings codec: an OPEN position as one attribute of its owner's ``USER#u / PROFILE`` item
(see ``data.registry``), ``h_<position id>`` = ``<symbol>|<L|S>|<quantity>|<entry price>[|<leverage>]``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from goalpost.domain.positions import Position, PositionStatus, Side

# One top-level attribute of the PROFILE item per OPEN position: ``h_<position id>`` = ``<symbol>|<side>|
# <quantity>|<entry price>``, then ``|<leverage>`` unless it is 1 (side ``L`` or ``S``; the Decimals' own
# text, so exact both ways). That is all ``domain.portfolio.value_portfolio`` reads of a position (fees are not
# part of its value), in ~50 bytes: a profile with 5 holdings stays well under 1 KB. Holdings stored before
# the leverage was part of them have four fields and read as 1x (``services.snapshots.backfill_holdings``
# rewrites those of leveraged positions).
HOLDING_PREFIX = "h_"
HOLDING_SEPARATOR = "|"
_SIDE_CODES = {Side.LONG: "L", Side.SHORT: "S"}
_SIDES = {code: side for side, code in _SIDE_CODES.items()}


@dataclass(frozen=True, slots=True)
class HeldPosition:
    """An OPEN position as the registry holds it: what valuing it reads (``value_portfolio``), nothing else."""

    symbol: str
    side: Side
    quantity: Decimal
    entry_price: Decimal
    leverage: int = 1

    @property
    def cost_basis(self) -> Decimal:
        """The margin, as ``Position.cost_basis``."""
        return self.quantity * self.entry_price / self.leverage


def holding_name(position_id: str) -> str:
    return f"{HOLDING_PREFIX}{position_id}"


def encode_holding(position: Position | HeldPosition) -> str:
    fields = [position.symbol, _SIDE_CODES[Side(position.side)], str(position.quantity), str(position.entry_price)]
    if position.leverage != 1:
        fields.append(str(position.leverage))
    return HOLDING_SEPARATOR.join(fields)


def decode_holding(value: str) -> HeldPosition:
    """A stored holding; one of four fields (stored before the leverage was) is 1x."""
    symbol, side, quantity, entry_price, *leverage = value.split(HOLDING_SEPARATOR)
    return HeldPosition(
        symbol, _SIDES[side], Decimal(quantity), Decimal(entry_price), int(leverage[0]) if leverage else 1
    )


def held(position: Position) -> HeldPosition:
    """What the registry should hold for an OPEN ``position``."""
    return HeldPosition(position.symbol, position.side, position.quantity, position.entry_price, position.leverage)


def holdings_of(positions: Iterable[Position]) -> dict[str, str]:
    """The profile attributes that hold ``positions`` (the OPEN ones), as stored: for seeding a registry."""
    return {holding_name(p.id): encode_holding(p) for p in positions if p.status == PositionStatus.OPEN}
