"""The connected accounts' sync in the cost model is arithmetic on named assumptions (nothing measured but a
close's write units): these pin the figures docs/cost.md states, so a changed assumption shows here."""

from __future__ import annotations

import pytest

from tests.bench import cost

MEASURED = {"monitor": {"write_units_per_close": 37.25}}


def quantities(provider: str) -> dict[str, float]:
    return {line.what: line.quantity for line in cost.sync_lines(provider, MEASURED["monitor"])}


def test_kms_is_paid_per_shards_data_key_not_per_account() -> None:
    # 64 environments x 64 shards' data keys, once per 2-hour life (360 a month), over 100,000 accounts.
    assert cost.kms_decrypts_per_account() == pytest.approx(64 * 64 * 360 / 100_000)
    # At most 2 connecting environments x one data key every 5 minutes.
    assert cost.kms_data_keys_made_per_account() == pytest.approx(2 * 8_640 / 100_000)


def test_the_worker_is_billed_for_its_cpu_time_once_the_waits_overlap() -> None:
    # 150 ms of waiting / 32 threads = 4.7 ms; 2.8 ms of CPU at 512/1769 of a vCPU = 9.7 ms: the CPU decides.
    assert cost.sync_threads() == 32
    assert cost.sync_worker().memory_mb == 512
    assert cost.sync_billed_seconds_per_account() == pytest.approx(0.0028 * 1769 / 512)
    # Billed GB-seconds per sync do not depend on the memory while CPU-bound: CPU seconds x 1769 / 1024.
    gb_seconds = cost.sync_billed_seconds_per_account() * cost.sync_worker().memory_mb / 1024
    assert gb_seconds == pytest.approx(0.0028 * 1769 / 1024)


def test_an_account_month_by_kind() -> None:
    binance, alpaca = quantities("binance"), quantities("alpaca")
    assert binance["provider requests"] == pytest.approx(43_200 * 2.6)  # 2, plus userTrades for 30% x 2 symbols
    assert alpaca["provider requests"] == 43_200 * 3
    # The positions' Query: the 30% holding accounts every minute, the others once in 15.
    assert binance["DynamoDB reads: open positions"] == pytest.approx(43_200 * (0.3 + 0.7 / 15) * 0.5)
    # No write for a sync that changed nothing: the 2-item record (2 + 1 KB, 2 units a KB, and both items' gsi3
    # copies: 9 units) once after each open's and close's fills, and for Binance's funding of holding accounts.
    assert alpaca["DynamoDB writes: records alone (account, profile)"] == 40 * 9
    assert binance["DynamoDB writes: records alone (account, profile)"] == (40 + 3 * 30 * 0.3) * 9
    # The monitor's close plus the account item in the transaction (2 KB x 2) and in gsi3 (2).
    assert binance["DynamoDB writes: closes"] == 20 * (37.25 + 6)
    assert binance["DynamoDB writes: opens"] == 20 * 18
    # One run record a shard a minute, over the shard's accounts.
    assert binance["DynamoDB writes: shard run records"] == pytest.approx(43_200 * 64 / 100_000)
    assert binance["worker: Lambda GB-seconds"] == pytest.approx(43_200 * 0.0028 * 1769 / 1024)


def test_a_connected_account_costs_at_most_six_thousandths_of_a_dollar_a_month() -> None:
    """Issue 25's budget for the sync: $0.006 an account, $0.0006 a user over all users (10% connected)."""
    sync = cost.account_sync(MEASURED)
    assert sync["dollars_per_account_month"] <= 0.006
    assert sync["dollars_per_user_month"] <= 0.0006


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
