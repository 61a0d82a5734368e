"""When markets trade: New York's offset against the time-zone database, the US session's edges, and which
portfolios trade (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.markets import OpenMarkets, new_york_offset, parse_routes, provider_of, us_equities_open

NEW_YORK = ZoneInfo("America/New_York")
ROUTES = parse_routes("binance=*USDT,*USDC;alpaca=*")


@given(st.datetimes(min_value=datetime(2008, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)))
def test_the_new_york_offset_is_the_time_zone_databases(moment: datetime) -> None:
    assert new_york_offset(moment) == moment.astimezone(NEW_YORK).utcoffset()


@pytest.mark.parametrize(
    ("utc", "open_"),
    [
        (datetime(2026, 11, 23, 14, 29), False),  # Monday 9:29 EST
        (datetime(2026, 11, 23, 14, 30), True),  # 9:30: the open
        (datetime(2026, 11, 23, 21, 0), True),  # 16:00: the close, included
        (datetime(2026, 11, 23, 21, 5), False),
        (datetime(2026, 7, 6, 13, 30), True),  # 9:30 EDT
        (datetime(2026, 7, 6, 20, 5), False),  # 16:05 EDT
        (datetime(2026, 11, 21, 15, 0), False),  # Saturday
        (datetime(2026, 11, 22, 15, 0), False),  # Sunday
        (datetime(2026, 11, 28, 1, 0), False),  # Friday 20:00 in New York, Saturday in UTC
    ],
)
def test_the_us_session(utc: datetime, open_: bool) -> None:
    assert us_equities_open(utc.replace(tzinfo=UTC)) is open_


@given(st.datetimes(min_value=datetime(2008, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)))
def test_the_session_is_weekdays_from_half_past_nine_to_four_in_new_york(moment: datetime) -> None:
    local = moment.astimezone(NEW_YORK)
    minutes = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    expected = local.weekday() < 5 and 9 * 60 + 30 <= minutes <= 16 * 60
    assert us_equities_open(moment) is expected


def test_crypto_and_unrouted_symbols_always_trade_stocks_in_their_session() -> None:
    saturday, monday = datetime(2026, 11, 21, 15, tzinfo=UTC), datetime(2026, 11, 23, 15, tzinfo=UTC)
    assert provider_of("BTCUSDT", ROUTES) == "binance"
    assert provider_of("AAPL", ROUTES) == "alpaca"
    assert OpenMarkets(ROUTES, saturday).any_trades(["AAPL", "BTCUSDT"])
    assert not OpenMarkets(ROUTES, saturday).any_trades(["AAPL", "MSFT"])
    assert OpenMarkets(ROUTES, monday).any_trades(["AAPL", "MSFT"])
    assert not OpenMarkets(ROUTES, monday).any_trades([])  # cash alone: no market of its own
    assert OpenMarkets(parse_routes("binance=*USDT"), saturday).any_trades(["AAPL"])  # no route: never closes
    assert OpenMarkets(ROUTES, saturday + timedelta(days=2)).any_trades(["AAPL"])
