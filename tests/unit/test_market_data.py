"""The real market-data clients against the real simulated market on loopback: both wire formats, price
fallbacks, batching, routing, every fault, invalid prices, authentication through Secrets Manager (moto) read
with botocore and cached (``goalpost.edges.secrets``), and Decimal prices that survive the wire digit for
digit; and the price cache's stored form and write plan (which prices a run writes, in which UpdateItems),
without AWS."""

from __future__ import annotations

import json
import random
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
import urllib3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from goalpost import aws
from goalpost.data import keys
from goalpost.data import prices as price_store
from goalpost.domain.portfolio import FRESH_FOR, CachedPrice
from goalpost.edges.market.alpaca import AlpacaProvider, MalformedAnswer, parse_prices
from goalpost.edges.market.binance import BinanceProvider
from goalpost.edges.market.http import RetryPolicy
from goalpost.edges.market.models import Quote
from goalpost.edges.market.router import MarketData, market_data, parse_routes
from goalpost.services.prices import REFRESH_AFTER, due_for_write
from goalpost.settings import reset_settings
from infra.local.market import SimulatedMarket, starting_price
from tests.depth import scaled

KEY_ID, SECRET_KEY = "test-key", "test-secret"
TIMEOUT_DELAY = 4.0  # far above the client timeouts, so "gave up in time" holds on a loaded machine
SNAPSHOTS, TRADES, TICKER = "/v2/stocks/snapshots", "/v2/stocks/trades/latest", "/fapi/v2/ticker/price"


@pytest.fixture(scope="module")
def market() -> Iterator[SimulatedMarket]:
    simulated = SimulatedMarket(timeout_delay_seconds=TIMEOUT_DELAY, credentials=(KEY_ID, SECRET_KEY)).start()
    yield simulated
    simulated.stop()


@pytest.fixture(scope="module")
def secret_arn() -> Iterator[str]:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        secret = json.dumps({"key_id": KEY_ID, "secret_key": SECRET_KEY})
        yield client.create_secret(Name="goalpost/alpaca", SecretString=secret)["ARN"]
    aws.reset_clients()


def use_settings(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    aws.reset_clients()  # also forgets the cached secrets and market_data()


@pytest.fixture(autouse=True)
def env(market: SimulatedMarket, secret_arn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(
        monkeypatch,
        ALPACA_DATA_URL=market.url,
        BINANCE_FUTURES_URL=market.url,
        ALPACA_SECRET_ARN=secret_arn,
        ALPACA_FEED="iex",
        GOALPOST_PRICE_ROUTES="binance=*USDT,*USDC,*BUSD;alpaca=*",
        GOALPOST_MARKET_TIMEOUT_SECONDS="2",
        GOALPOST_MARKET_RETRIES="1",
        GOALPOST_MARKET_BACKOFF_SECONDS="0",
        GOALPOST_MARKET_BACKOFF_CAP_SECONDS="0",
    )
    market.configure({"prices": {}, "fault": None})
    market.reset_counts()
    yield
    market.configure({"prices": {}, "fault": None})
    monkeypatch.undo()
    reset_settings()
    aws.reset_clients()


def prices(result: Any) -> dict[str, Decimal]:
    return {symbol: quote.price for symbol, quote in result.quotes.items()}


# ------------------------------------------------------------------ wire formats and prices


def test_snapshots_give_the_latest_trade_price_as_an_exact_decimal(market: SimulatedMarket) -> None:
    market.configure({"prices": {"AAPL": 175.25, "MSFT": "412.10", "BRK.B": 0.0001}})

    result = market_data().fetch_all(["AAPL", "MSFT", "BRK.B", "NOPE"])

    assert prices(result) == {"AAPL": Decimal("175.25"), "MSFT": Decimal("412.10"), "BRK.B": Decimal("0.0001")}
    assert all(isinstance(q.price, Decimal) and q.source == "alpaca" for q in result.quotes.values())
    assert (result.requests, result.errors, result.rejected) == (1, [], [])
    assert market.requests == {SNAPSHOTS: 1}


def test_latest_trades_endpoint_is_read_too(market: SimulatedMarket) -> None:
    market.configure({"prices": {"AAPL": 175.5, "ONLYBAR": {"daily_close": 10}}})

    result = AlpacaProvider(endpoint="trades").fetch(["AAPL", "ONLYBAR"])

    # A symbol without a latest trade is left out of this endpoint's answer (no trade, no price).
    assert prices(result) == {"AAPL": Decimal("175.5")}
    assert market.requests == {TRADES: 1}


def test_the_simulated_wire_formats_look_like_the_providers(market: SimulatedMarket) -> None:
    market.configure({"prices": {"AAPL": 175.25, "BTCUSDT": 65000.5}})
    auth = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET_KEY}

    snapshot = urllib3.request("GET", f"{market.url}{SNAPSHOTS}?symbols=AAPL,NOPE&feed=iex", headers=auth).json()
    trades = urllib3.request("GET", f"{market.url}{TRADES}?symbols=AAPL", headers=auth).json()
    tickers = urllib3.request("GET", f"{market.url}{TICKER}").json()
    single = urllib3.request("GET", f"{market.url}{TICKER}?symbol=BTCUSDT").json()
    unknown = urllib3.request("GET", f"{market.url}{TICKER}?symbol=NOPEUSDT")
    unauthorized = urllib3.request("GET", f"{market.url}{SNAPSHOTS}?symbols=AAPL")

    assert set(snapshot) == {"AAPL"}
    assert set(snapshot["AAPL"]) == {"latestTrade", "latestQuote", "minuteBar", "dailyBar", "prevDailyBar"}
    assert {"t", "x", "p", "s", "c", "i", "z"} <= set(snapshot["AAPL"]["latestTrade"])
    assert {"t", "o", "h", "l", "c", "v", "n", "vw"} == set(snapshot["AAPL"]["dailyBar"])
    assert snapshot["AAPL"]["latestTrade"]["p"] == 175.25
    assert trades["trades"]["AAPL"]["p"] == 175.25
    assert {"symbol": "BTCUSDT", "price": "65000.5"}.items() <= next(
        t for t in tickers if t["symbol"] == "BTCUSDT"
    ).items()
    assert isinstance(single["time"], int)
    assert single["price"] == "65000.5"
    assert (unknown.status, unknown.json()) == (400, {"code": -1121, "msg": "Invalid symbol."})
    assert unauthorized.status == 401


def test_both_alpaca_shapes_are_understood() -> None:
    trade = {"t": "2024-01-02T15:04:05Z", "x": "V", "p": Decimal("10.5"), "s": 100}
    snap = {"latestTrade": trade, "dailyBar": {"c": Decimal("9")}, "prevDailyBar": {"c": Decimal("8")}}

    for body in (
        {"AAPL": snap},
        {"snapshots": {"AAPL": snap}},
        {"trades": {"AAPL": trade}},
        {"AAPL": trade},
    ):
        quotes, rejected = parse_prices(body, ["AAPL", "MSFT"])
        assert ({s: q.price for s, q in quotes.items()}, rejected) == ({"AAPL": Decimal("10.5")}, [])
    assert parse_prices({"AAPL": None, "MSFT": {"latestTrade": None}}, ["AAPL", "MSFT"]) == ({}, ["MSFT"])
    for bad in ([], "x", {"snapshots": []}, {"trades": 3}):
        with pytest.raises(MalformedAnswer):
            parse_prices(bad, ["AAPL"])


def test_price_falls_back_to_daily_close_then_previous_close(market: SimulatedMarket) -> None:
    market.configure(
        {
            "prices": {
                "TRADE": {"trade": 11, "daily_close": 10, "prev_close": 9},
                "DAY": {"trade": None, "daily_close": "10.25", "prev_close": 9},
                "PREV": {"prev_close": 9.5},
                "NONE": {},
            }
        }
    )

    result = market_data().fetch_all(["TRADE", "DAY", "PREV", "NONE"])

    assert prices(result) == {"TRADE": Decimal("11"), "DAY": Decimal("10.25"), "PREV": Decimal("9.5")}
    assert result.rejected == ["NONE"]  # it came back without any price at all


# ------------------------------------------------------------------ batching and routing


def test_250_stock_symbols_take_three_alpaca_requests(market: SimulatedMarket) -> None:
    symbols = [f"S{n:03d}" for n in range(250)]
    market.configure({"prices": {s: 100 + n for n, s in enumerate(symbols)}})

    result = MarketData(concurrency=1).fetch_all([*symbols, *symbols[:10]])  # duplicates asked once

    assert len(result.quotes) == 250
    assert result.quotes["S249"].price == Decimal("349")
    assert result.requests == 3
    assert market.requests == {SNAPSHOTS: 3}


def test_batches_run_concurrently_with_the_same_result(market: SimulatedMarket) -> None:
    symbols = [f"C{n:03d}" for n in range(450)]
    market.configure({"prices": dict.fromkeys(symbols, 5)})

    result = MarketData(concurrency=4).fetch_all(symbols)

    assert (len(result.quotes), result.requests, result.errors) == (450, 5, [])


def test_crypto_goes_to_binance_and_stocks_to_alpaca(market: SimulatedMarket) -> None:
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": "65000.12", "ETHUSDC": 3500, "DOGEBUSD": 0.15}})

    result = market_data().fetch_all(["AAPL", "BTCUSDT", "ETHUSDC", "DOGEBUSD"])

    assert {s: q.source for s, q in result.quotes.items()} == {
        "AAPL": "alpaca",
        "BTCUSDT": "binance",
        "ETHUSDC": "binance",
        "DOGEBUSD": "binance",
    }
    assert result.quotes["BTCUSDT"].price == Decimal("65000.12")
    assert market.requests == {SNAPSHOTS: 1, TICKER: 1}  # one ticker request serves every crypto symbol


def test_routes_are_configurable(market: SimulatedMarket, monkeypatch: pytest.MonkeyPatch) -> None:
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": 65000}})
    use_settings(monkeypatch, GOALPOST_PRICE_ROUTES="binance=AAPL; alpaca=BTC*")

    result = market_data().fetch_all(["AAPL", "BTCUSDT", "ETHUSDT"])

    assert {s: q.source for s, q in result.quotes.items()} == {"AAPL": "binance", "BTCUSDT": "alpaca"}
    assert result.errors == ["no price route for 1 symbols: ETHUSDT"]
    assert MarketData(routes="alpaca=*;binance=*").route("BTCUSDT") == "alpaca"  # first match wins


def test_bad_routes_are_refused() -> None:
    assert parse_routes("binance=*USDT,*USDC;alpaca=*") == [("binance", ("*USDT", "*USDC")), ("alpaca", ("*",))]
    for routes in ("binance", "=*", "alpaca=", "kraken=*"):
        with pytest.raises(ValueError, match="route"):
            MarketData(routes=routes)


# ------------------------------------------------------------------ faults


@pytest.mark.parametrize("fault", ["error", "rate_limit"])
def test_a_failing_market_is_retried_then_reported(market: SimulatedMarket, fault: str) -> None:
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": 65000}, "fault": fault})

    result = market_data().fetch_all(["AAPL", "BTCUSDT"])

    status = "HTTP 500" if fault == "error" else "HTTP 429"
    assert result.quotes == {}
    assert result.requests == 4  # two providers, one retry each
    assert len(result.errors) == 2
    assert all(status in line and "after 2 attempts" in line for line in result.errors)
    assert market.requests == {SNAPSHOTS: 2, TICKER: 2}


def test_a_redirect_is_not_followed_nor_retried(market: SimulatedMarket) -> None:
    """A 3xx could send the Alpaca keys to another host: it is an error line, and the market is asked once."""
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": 65000}, "fault": "redirect"})

    result = market_data().fetch_all(["AAPL", "BTCUSDT"])

    assert (result.quotes, result.requests) == ({}, 2)
    assert len(result.errors) == 2
    assert all("HTTP 302" in line for line in result.errors)
    assert market.requests == {SNAPSHOTS: 1, TICKER: 1}


def test_a_timeout_gives_up_in_time(market: SimulatedMarket, monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, GOALPOST_MARKET_TIMEOUT_SECONDS="0.2", GOALPOST_MARKET_RETRIES="0")
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": 65000}, "fault": "timeout"})

    started = time.monotonic()
    result = market_data().fetch_all(["AAPL", "BTCUSDT"])
    elapsed = time.monotonic() - started

    assert result.quotes == {}
    assert len(result.errors) == 2
    assert all("timed out" in line for line in result.errors)
    assert elapsed < TIMEOUT_DELAY  # both providers asked at once, each given up after 0.2 s


def test_garbage_is_an_error_line_and_not_retried(market: SimulatedMarket) -> None:
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": 65000}, "fault": "garbage"})

    result = market_data().fetch_all(["AAPL", "BTCUSDT"])

    assert result.quotes == {}
    assert result.requests == 2
    assert len(result.errors) == 2
    assert all("malformed" in line for line in result.errors)


def test_a_429_is_retried_after_retry_after_capped_and_then_reported(
    market: SimulatedMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, GOALPOST_MARKET_BACKOFF_CAP_SECONDS="0.2", GOALPOST_MARKET_RETRIES="1")
    market.configure({"prices": {"AAPL": 175}, "fault": "rate_limit"})
    started = time.monotonic()
    limited = market_data().fetch_all(["AAPL"])
    assert time.monotonic() - started >= 0.2  # it waited (Retry-After: 1, capped at 0.2 s) before its retry
    assert (limited.requests, limited.quotes, len(limited.errors)) == (2, {}, 1)
    market.configure({"fault": None})
    assert prices(market_data().fetch_all(["AAPL"])) == {"AAPL": Decimal("175")}


def test_retry_after_is_capped_by_the_backoff_cap() -> None:
    policy = RetryPolicy(retries=3, backoff_seconds=0.5, backoff_cap_seconds=0.4)
    rng = random.Random(1)
    assert policy.delay(0, 1.0, rng) == 0.4
    assert policy.delay(0, 0.1, rng) == 0.1
    assert all(0 <= policy.delay(n, None, rng) <= 0.4 for n in range(10))


def test_a_provider_that_keeps_failing_is_skipped_for_the_rest_of_the_run(
    market: SimulatedMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, GOALPOST_MARKET_RETRIES="0")
    symbols = [f"F{n:03d}" for n in range(500)]
    market.configure({"prices": dict.fromkeys(symbols, 1), "fault": "error"})

    result = MarketData(concurrency=1, breaker_threshold=3).fetch_all(symbols)

    assert result.quotes == {}
    assert result.requests == 3
    assert result.errors[-1] == "alpaca: 200 symbols skipped after 3 failed batches"


def test_an_unreachable_provider_is_an_error_line() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = MarketData({"binance": BinanceProvider(f"http://127.0.0.1:{port}")}, "binance=*").fetch_all(["BTCUSDT"])

    assert result.quotes == {}
    assert result.requests == 2
    assert len(result.errors) == 1
    assert "connection failed" in result.errors[0]


def test_a_provider_that_breaks_its_promise_does_not_escape() -> None:
    class Exploding:
        name = "boom"
        max_batch = 10

        def fetch(self, symbols: Any) -> Any:
            raise RuntimeError("kaboom")

    result = MarketData({"boom": Exploding()}, "boom=*").fetch_all(["AAPL"])

    assert result.quotes == {}
    assert result.errors == ["boom: 1 symbols: RuntimeError: kaboom"]


def test_invalid_prices_are_rejected_and_the_rest_kept(market: SimulatedMarket) -> None:
    bad = {"NAN": "NaN", "NEG": -5, "ZERO": 0, "INF": "Infinity"}
    good = {"AAPL": 175}
    market.configure({"prices": {**bad, **good, **{f"{s}USDT": v for s, v in bad.items()}, "BTCUSDT": 65000.5}})
    wanted = [*bad, *good, *(f"{s}USDT" for s in bad), "BTCUSDT"]

    result = market_data().fetch_all(wanted)

    assert prices(result) == {"AAPL": Decimal("175"), "BTCUSDT": Decimal("65000.5")}
    assert sorted(result.rejected) == sorted([*bad, *(f"{s}USDT" for s in bad)])
    assert result.errors == []


@pytest.mark.parametrize(
    "raw", ["NaN", "-1", "0", "Infinity", "abc", True, None, [1], "1e999999999", "1e-200", "1." + "1" * 40]
)
def test_quote_refuses_what_is_not_a_price(raw: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (pydantic's message varies)
        Quote(symbol="X", price=raw, source="alpaca")


# ------------------------------------------------------------------ authentication


def test_without_a_secret_no_keys_are_sent_and_alpaca_says_401(
    market: SimulatedMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, ALPACA_SECRET_ARN="")
    market.configure({"prices": {"AAPL": 175, "BTCUSDT": 65000}})

    result = market_data().fetch_all(["AAPL", "BTCUSDT"])

    assert prices(result) == {"BTCUSDT": Decimal("65000")}  # Binance's public ticker needs no key
    assert result.errors == ["alpaca: batch of 1 symbols from AAPL: HTTP 401: request is not authorized"]
    assert result.requests == 2  # a 401 is not retried


def test_the_secret_is_read_once_and_cached(
    market: SimulatedMarket, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    market.configure({"prices": {"AAPL": 175}})
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    assert prices(market_data().fetch_all(["AAPL"])) == {"AAPL": Decimal("175")}

    rotated = json.dumps({"key_id": "rotated", "secret_key": "rotated"})
    secrets.put_secret_value(SecretId=secret_arn, SecretString=rotated)
    try:
        # Still the cached keys (max age), so still accepted by the market, which wants the old ones...
        assert prices(market_data().fetch_all(["AAPL"])) == {"AAPL": Decimal("175")}
        # ...until the cache is dropped: then the rotated keys are read and sent.
        aws.reset_clients()
        result = market_data().fetch_all(["AAPL"])
        assert result.quotes == {}
        assert "HTTP 401" in result.errors[0]
    finally:
        secrets.put_secret_value(
            SecretId=secret_arn, SecretString=json.dumps({"key_id": KEY_ID, "secret_key": SECRET_KEY})
        )


def test_an_unreadable_secret_is_an_error_line(
    market: SimulatedMarket, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, ALPACA_SECRET_ARN=secret_arn.replace("goalpost/alpaca", "missing"))
    market.configure({"prices": {"AAPL": 175}})

    result = market_data().fetch_all(["AAPL"])

    assert (result.quotes, result.requests) == ({}, 0)
    assert result.errors[0].startswith("alpaca: credentials unavailable")


# ------------------------------------------------------------------ exact decimals on the wire

# Every finite positive Decimal a price can be (what DynamoDB can store: up to 38 significant digits).
POSITIVE_PRICES = st.builds(
    lambda coefficient, exponent: Decimal(f"{coefficient}E{exponent}"),
    st.integers(min_value=1, max_value=10**38 - 1),
    st.integers(min_value=-60, max_value=60),
)


@settings(max_examples=scaled(40, 400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=POSITIVE_PRICES)
def test_any_finite_positive_decimal_round_trips(market: SimulatedMarket, price: Decimal) -> None:
    market.configure({"prices": {"AAPL": price, "BTCUSDT": price}})

    stocks = AlpacaProvider().fetch(["AAPL"])
    crypto = BinanceProvider().fetch(["BTCUSDT"])

    assert stocks.quotes["AAPL"].price == price
    assert crypto.quotes["BTCUSDT"].price == price


# ------------------------------------------------------------------ the simulated market itself


def test_configure_refuses_a_bad_body_with_a_clear_message(market: SimulatedMarket) -> None:
    for body, message in [
        ([], "JSON object"),
        ({"prices": [1]}, "object of symbol"),
        ({"prices": {"AAPL": "cheap"}}, "not a number"),
        ({"prices": {"AAPL": True}}, "must be a number"),
        ({"prices": {"AAPL": None}}, "must be a number"),
        ({"prices": {"": 1}}, "symbol"),
        ({"prices": {"AAPL": {"close": 1}}}, "may only have"),
        ({"fault": "meltdown"}, "fault must be"),
        ({"price": {}}, "unknown fields"),
    ]:
        with pytest.raises(ValueError, match=message):
            market.configure(body)


def test_configure_returns_the_new_state(market: SimulatedMarket) -> None:
    state = market.configure({"prices": {"aapl": 175.5, "X": "NaN", "Y": {"daily_close": 2}}, "fault": "garbage"})

    assert state == {
        "prices": {"AAPL": 175.5, "X": "NaN", "Y": {"trade": None, "daily_close": 2.0, "prev_close": None}},
        "fault": "garbage",
        "random_walk": False,
    }
    assert market.configure({"fault": None})["prices"] == state["prices"]  # what is left out is kept
    json.dumps(state)


def test_counts_per_path_and_reset(market: SimulatedMarket) -> None:
    urllib3.request("GET", f"{market.url}{TICKER}")
    urllib3.request("GET", f"{market.url}{TICKER}")
    urllib3.request("GET", f"{market.url}/elsewhere")
    assert market.requests == {TICKER: 2, "/elsewhere": 1}
    market.reset_counts()
    assert market.requests == {}


def test_demo_mode_walks_unknown_symbols_from_a_repeatable_start(monkeypatch: pytest.MonkeyPatch) -> None:
    walks = []
    for _ in range(2):
        with SimulatedMarket(random_walk=True, seed=7, credentials=(KEY_ID, SECRET_KEY)) as demo:
            use_settings(monkeypatch, ALPACA_DATA_URL=demo.url, BINANCE_FUTURES_URL=demo.url)
            demo.configure({"prices": {"AAPL": 175}})
            walks.append([prices(market_data().fetch_all(["AAPL", "ZZZZ", "BTCUSDT"])) for _ in range(5)])
    first, second = walks

    assert first == second  # same seed, same walk
    assert all(step["AAPL"] == Decimal("175") for step in first)  # set symbols stay put
    assert first[0]["ZZZZ"] == starting_price("ZZZZ")
    assert Decimal(5) <= starting_price("ZZZZ") < Decimal(500)
    assert first[0]["BTCUSDT"] == Decimal("65000.00")
    assert len({step["ZZZZ"] for step in first}) > 1  # it moves...
    assert all(abs(step["ZZZZ"] / first[0]["ZZZZ"] - 1) < Decimal("0.05") for step in first)  # ...a little


def test_concurrent_fetches_read_the_secret_once(
    market: SimulatedMarket, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The price update fetches its batches on several threads; a cold container reads the secret once."""
    from concurrent.futures import ThreadPoolExecutor

    from goalpost.edges.secrets import json_secret

    aws.reset_clients()
    reads = []
    client = aws.client("secretsmanager")
    client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: reads.append(1))
    with ThreadPoolExecutor(max_workers=4) as pool:
        values = list(pool.map(lambda _: json_secret(secret_arn, 300), range(8)))
    assert values == [{"key_id": KEY_ID, "secret_key": SECRET_KEY}] * 8
    assert len(reads) == 1


# ------------------------------------------------------------------ the packed price cache (no AWS)
def _cached(symbol: str, price: str, at: datetime, source: str = "alpaca") -> CachedPrice:
    return CachedPrice(symbol=symbol, price=Decimal(price), updated_at=at, source=source)


@settings(max_examples=scaled(200, 2000), deadline=None)
@given(
    price=POSITIVE_PRICES | st.decimals(allow_nan=False, allow_infinity=False),
    at=st.datetimes(timezones=st.just(UTC)),
    source=st.text(min_size=0, max_size=30),
)
def test_a_stored_price_decodes_to_exactly_what_was_encoded(price: Decimal, at: datetime, source: str) -> None:
    encoded = price_store.encode_price(CachedPrice(symbol="X", price=price, updated_at=at, source=source))
    decoded = price_store.decode_price("X", encoded)
    assert decoded.price.as_tuple() == price.as_tuple()  # the same digits and exponent, not just the same value
    assert (decoded.updated_at, decoded.source) == (at, source)


def test_a_stored_price_is_compact() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert price_store.encode_price(_cached("BTCUSDT", "65000.5", at, "binance")) == "65000.5|1767323045678901|binance"


def test_only_new_changed_or_due_prices_are_written() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    recent, due_at = now - REFRESH_AFTER + timedelta(seconds=1), now - REFRESH_AFTER
    previous = {
        "SAME": _cached("SAME", "10", recent),
        "SAMEVALUE": _cached("SAMEVALUE", "10.0", recent),
        "MOVED": _cached("MOVED", "10", recent),
        "OLD": _cached("OLD", "10", due_at),
        "SOURCE": _cached("SOURCE", "10", recent, "elsewhere"),
    }
    fetched = [_cached(s, "10", now) for s in ("SAME", "SAMEVALUE", "OLD", "SOURCE", "NEW")] + [
        _cached("MOVED", "10.01", now)
    ]
    due, unchanged = due_for_write(fetched, previous, now)
    assert sorted(p.symbol for p in due) == ["MOVED", "NEW", "OLD", "SOURCE"]
    assert sorted(p.symbol for p in unchanged) == ["SAME", "SAMEVALUE"]


def test_writes_are_one_update_per_shard_of_only_the_written_symbols() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    symbols = [f"T{n}" for n in range(1000)]
    requests = price_store.update_requests("system", [_cached(s, "1", now) for s in symbols])
    shards = {keys.shard_of(s, keys.PRICE_SHARDS) for s in symbols}
    assert len(requests) == len(shards)
    for request in requests:
        names = request["ExpressionAttributeNames"]
        symbols_set = {v for k, v in names.items() if k != "#e"}
        shards = {keys.shard_of(s, keys.PRICE_SHARDS) for s in symbols_set}
        assert [request["Key"]["pk"]["S"]] == [keys.prices_pk(shard) for shard in shards]
        assert request["UpdateExpression"].startswith("SET ")
        assert " REMOVE " not in request["UpdateExpression"]
        assert len(names) == len(request["ExpressionAttributeValues"])
    assert sorted(v for r in requests for k, v in r["ExpressionAttributeNames"].items() if k != "#e") == sorted(symbols)


def test_an_update_never_passes_the_expression_limit_nor_repeats_a_symbol() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    long_symbols = (f"{'Z' * 14}{n}" for n in range(10**6))  # long names, 250 of them in shard 0
    crowd = [s for s in long_symbols if keys.shard_of(s, keys.PRICE_SHARDS) == 0][:250]
    repeated = [_cached(s, "1", now) for s in crowd] + [_cached(s, "2", now) for s in crowd[:100]]
    requests = price_store.update_requests("system", repeated)
    assert len(requests) == -(-250 // price_store.SYMBOLS_PER_UPDATE)  # 250 symbols, each once
    for request in requests:
        assert len(request["UpdateExpression"].encode()) < price_store.MAX_EXPRESSION_BYTES
        symbols = [v for k, v in request["ExpressionAttributeNames"].items() if k != "#e"]
        assert len(symbols) == len(set(symbols)) <= price_store.SYMBOLS_PER_UPDATE
    written = {
        name: request["ExpressionAttributeValues"][":" + key[1:]]["S"]
        for request in requests
        for key, name in request["ExpressionAttributeNames"].items()
        if key != "#e"
    }
    assert len(written) == len(crowd)
    assert {written[s].split("|")[0] for s in crowd[:100]} == {"2"}  # the last given wins


def test_the_refresh_interval_leaves_prices_fresh() -> None:
    # The worst lag of an unchanged price's updated_at is the interval plus one run's period (10 s).
    assert REFRESH_AFTER + timedelta(seconds=10) < FRESH_FOR / 2
