"""A connected account's cash as its owner's profile holds it (``a_<account id>``): written and read back
exactly, from the item as the codec gives it and as DynamoDB returns it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from goalpost.data import account_cash
from goalpost.data.account_cash import AccountCash
from goalpost.data.codec import serialize
from goalpost.domain.portfolio import value_portfolio

SYNCED = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "entry",
    [
        AccountCash("01JE5M2Q8Z0000000000000001", "binance_futures", "Main", Decimal("23.72469206"), SYNCED),
        AccountCash("01JE5M2Q8Z0000000000000002", "alpaca", None, Decimal("-23140.20"), None),
        AccountCash("01JE5M2Q8Z0000000000000003", "alpaca", "Épargne 💶 «paper»", Decimal("1E+2"), SYNCED),
        AccountCash("01JE5M2Q8Z0000000000000004", "alpaca", "", Decimal("0.10000000000000000000000000001"), SYNCED),
    ],
)
def test_an_entry_reads_back_as_it_was_written(entry: AccountCash) -> None:
    text = account_cash.encode(entry)
    read = account_cash.decode(entry.account_id, text)
    assert read == entry
    assert str(read.cash) == str(entry.cash)  # the same digits and exponent, not merely an equal number


def test_a_profile_gives_its_accounts_in_id_order_and_their_sum() -> None:
    later = AccountCash("01JE5M2Q8Z0000000000000009", "alpaca", None, Decimal("0.20"), None)
    earlier = AccountCash("01JE5M2Q8Z0000000000000001", "binance_futures", "B", Decimal("1000.10"), SYNCED)
    profile = {
        "pk": "USER#alice",
        "sk": "PROFILE",
        "cash_balance": Decimal("5"),
        "h_01JE5M2Q8Z0000000000000005": "AAPL|L|1|2",  # a holding, not an account
        account_cash.account_cash_name(later.account_id): account_cash.encode(later),
        account_cash.account_cash_name(earlier.account_id): account_cash.encode(earlier),
    }
    assert account_cash.accounts_cash_in(profile) == [earlier, later]
    assert account_cash.accounts_cash_in(serialize(profile), raw=True) == [earlier, later]
    assert account_cash.total_account_cash(profile) == Decimal("1000.30")
    assert account_cash.total_account_cash(serialize(profile), raw=True) == Decimal("1000.30")
    assert account_cash.accounts_cash_in({"pk": "USER#bob", "cash_balance": Decimal(1)}) == []
    assert account_cash.total_account_cash({}) == 0


def test_the_portfolio_cash_is_the_cash_given_plus_each_accounts() -> None:
    accounts = [
        AccountCash("01JE5M2Q8Z0000000000000001", "binance_futures", "B", Decimal("1000.10"), SYNCED),
        AccountCash("01JE5M2Q8Z0000000000000002", "alpaca", None, Decimal("0.20"), None),
    ]
    value = value_portfolio([], {}, Decimal("5000.5"), SYNCED, accounts)
    assert (value.cash_balance, value.total_value, value.investment_value) == (
        Decimal("6000.80"),
        Decimal("6000.80"),
        0,
    )
    assert list(value.accounts) == accounts
    assert value_portfolio([], {}, Decimal("5000.5"), SYNCED).accounts == ()
