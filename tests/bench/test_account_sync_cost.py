"""The connected accounts' sync in the cost model is arithmetic on named assumptions (nothing measured but a
close's write units): these pin the figures docs/cost.md states, so a changed assumption shows here."""

from __future__ import annotations

import pytest

from tests.bench import cost

MEASURED = {"monitor": {"write_units_per_close": 37.25}}


def quantities(provider: str) -> dict[str, float]:
    return {line.what: line.quantity for line in cost.sync_lines(provider, MEASURED["monitor"])}


def test_the_kms_cache_hit_rate_follows_from_random_shard_assignment() -> None:
    # 14 later minutes, each landing on the same worker with probability 1/16: 0.875 hits per miss.
    assert cost.kms_cache_hit_rate() == pytest.approx(0.875 / 1.875)


def test_an_account_month_by_kind() -> None:
    binance, alpaca = quantities("binance"), quantities("alpaca")
    assert binance["provider requests"] == pytest.approx(43_200 * 2.6)  # 2, plus userTrades for 30% x 2 symbols
    assert alpaca["provider requests"] == 43_200 * 3
    assert binance["KMS Decrypt requests"] == pytest.approx(43_200 * (1 - cost.kms_cache_hit_rate()))
    # Every 5 minutes: the 2-item transaction (2 + 1 KB, 2 units a KB) and both items' gsi3 copies.
    assert binance["DynamoDB writes: recorded syncs (account, profile)"] == 43_200 / 5 * 9
    # The monitor's close plus the account item in the transaction (2 KB x 2) and in gsi3 (2).
    assert binance["DynamoDB writes: closes"] == 20 * (37.25 + 6)
    assert binance["worker: Lambda GB-seconds"] == pytest.approx(43_200 * 0.150 / 8)


def test_every_user_carries_a_tenth_of_an_accounts_month() -> None:
    sync = cost.account_sync(MEASURED)
    assert sync["accounts"] == 100_000
    assert sync["dollars_per_user_month"] == pytest.approx(sync["dollars_per_account_month"] * 0.1)
    dollars = [figures["dollars_per_account_month"] for figures in sync["providers"].values()]
    assert sync["dollars_per_account_month"] == pytest.approx(sum(dollars) / 2)


def test_the_rate_limit_arithmetic() -> None:
    limits = cost.sync_rate_limits()
    binance, alpaca = limits["binance"], limits["alpaca"]
    assert (binance["weight_per_sync"], binance["weight_per_sync_without_positions"]) == (20, 10)
    assert binance["weight_per_minute"] == 50_000 * 20
    assert binance["ips_for_every_minute"] == 417  # 1,000,000 / 2,400, rounded up
    assert (binance["accounts_per_ip_minute"], binance["paced_accounts_per_ip_minute"]) == (120, 100)
    assert binance["minutes_between_syncs_one_ip"] == 500
    assert alpaca["share_of_limit"] == pytest.approx(0.015)
