"""A user's cash in the data table (``USER#u / PROFILE``: ``cash_balance``, the cash set by hand), and the reads
that value a portfolio: the cash and the cached prices together. The profile also holds each connected
account's cash (``data.account_cash``): the portfolio's cash is both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from goalpost.data import keys
from goalpost.data.account_cash import AccountCash, accounts_cash_in
from goalpost.data.batches import batch_get_tables
from goalpost.data.client import client, get_item
from goalpost.data.codec import Item, key, serialize_value
from goalpost.data.holdings import HOLDING_PREFIX, HeldPosition, decode_holding
from goalpost.data.prices import every_shard_key, price_keys, prices_in
from goalpost.domain.money import ZERO
from goalpost.domain.portfolio import CachedPrice


@dataclass(frozen=True)
class ValuationReads:
    """What valuing a portfolio reads by key: the cached prices, the cash (set by hand, and each connected
    account's), and whatever else was asked."""

    prices: dict[str, CachedPrice]
    manual_cash: Decimal  # set with PUT /portfolio/cash
    accounts: list[AccountCash]  # the connected accounts' cash, oldest account first
    others: dict[tuple[str, str], Item]  # the other items found, by (pk, sk)
    holdings: list[HeldPosition]  # the open positions as the profile holds them (``data.holdings``)

    @property
    def cash(self) -> Decimal:
        """The portfolio's cash: the cash set by hand plus every connected account's."""
        return self.manual_cash + sum((account.cash for account in self.accounts), ZERO)


def read_for_valuation(
    table: str,
    system_table: str,
    user_id: str,
    symbols: Iterable[str] | None,
    also: Sequence[dict[str, Any]] = (),
) -> ValuationReads:
    """The cached prices of ``symbols``, the user's cash and open positions (their profile: the accounts' cash
    and the holdings too) and the ``also`` keys of the data table, read together: one strongly consistent
    BatchGetItem per 100 keys in all, whichever table they are in. ``symbols`` None: those of the holdings,
    read in the same request, so every price item is read (``prices.every_shard_key``)."""
    profile = key(keys.user_pk(user_id), keys.PROFILE_SK)
    asked = None if symbols is None else set(symbols)
    price_items = every_shard_key() if asked is None else price_keys(asked)
    found = batch_get_tables({table: [profile, *also], system_table: price_items})
    data = {(str(item["pk"]), str(item["sk"])): item for item in found[table]}
    stored = data.pop((keys.user_pk(user_id), keys.PROFILE_SK), {})
    holdings = holdings_in(stored)
    prices = prices_in(found[system_table], {h.symbol for h in holdings} if asked is None else asked)
    manual = Decimal(stored.get("cash_balance", ZERO))
    return ValuationReads(prices, manual, accounts_cash_in(stored), data, holdings)


def holdings_in(profile: Item) -> list[HeldPosition]:
    """The open positions a profile item holds, in position-id order (the positions index's order)."""
    names = sorted(name for name in profile if name.startswith(HOLDING_PREFIX))
    return [decode_holding(str(profile[name])) for name in names]


def get_cash(table: str, user_id: str) -> Decimal:
    item = get_item(table, key(keys.user_pk(user_id), keys.PROFILE_SK), projection="cash_balance")
    return Decimal(item.get("cash_balance", ZERO)) if item else ZERO


def set_cash(table: str, user_id: str, amount: Decimal, now: datetime) -> None:
    client().update_item(
        TableName=table,
        Key=key(keys.user_pk(user_id), keys.PROFILE_SK),
        UpdateExpression="SET cash_balance = :cash, cash_updated_at = :now, gsi3pk = :registry, gsi3sk = :user",
        ExpressionAttributeValues={
            ":cash": serialize_value(amount),
            ":now": serialize_value(now),
            **keys.registry_values(user_id),
        },
    )
