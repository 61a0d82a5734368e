"""Binance USD-M futures public ticker: ``GET /fapi/v2/ticker/price`` without a symbol answers every symbol at
once as ``[{"symbol": "BTCUSDT", "price": "6000.01", "time": 1589437530011}, ...]`` (prices are strings); no key
is needed. One request serves any number of symbols, so a batch is never split."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from goalpost.edges.market.http import JsonHttp, MarketHttpError
from goalpost.edges.market.models import FetchResult, Quote, sort_quotes
from goalpost.settings import get_settings

SOURCE = "binance"
PATH = "/fapi/v2/ticker/price"
ALL_SYMBOLS_BATCH = 1_000_000


class MalformedTicker(ValueError):
    pass


def parse_tickers(body: Any, wanted: Sequence[str]) -> tuple[dict[str, Quote], list[str]]:
    """Quotes for the ``wanted`` symbols in a ticker answer (the list, or the single object ``?symbol=``
    gives), and the wanted symbols whose price was there but not acceptable."""
    if isinstance(body, dict) and "symbol" in body:
        body = [body]
    if not isinstance(body, list):
        raise MalformedTicker(f"expected a JSON list, got {type(body).__name__}")
    wanted_set = set(wanted)
    prices: dict[str, Any] = {}
    for item in body:
        if isinstance(item, dict) and isinstance(item.get("symbol"), str) and item["symbol"] in wanted_set:
            prices[item["symbol"]] = item.get("price")
    # A symbol not listed on the exchange is left out.
    return sort_quotes(((symbol, prices[symbol]) for symbol in wanted if symbol in prices), SOURCE)


class BinanceProvider:
    name = SOURCE
    max_batch = ALL_SYMBOLS_BATCH

    def __init__(self, base_url: str | None = None, *, http: JsonHttp | None = None) -> None:
        url = base_url if base_url is not None else get_settings().binance_futures_url
        self.base_url = url.rstrip("/")
        self.http = http or JsonHttp()

    def fetch(self, symbols: Sequence[str]) -> FetchResult:
        result = FetchResult()
        if not symbols:
            return result
        try:
            response = self.http.get(f"{self.base_url}{PATH}", label=SOURCE)
            result.requests += response.requests
            quotes, rejected = parse_tickers(response.body, symbols)
        except MarketHttpError as error:
            result.requests += error.requests
            result.errors.append(f"{SOURCE}: ticker for {len(symbols)} symbols: {error.reason}")
            return result
        except MalformedTicker as error:
            result.errors.append(f"{SOURCE}: ticker for {len(symbols)} symbols: malformed answer ({error})")
            return result
        result.quotes.update(quotes)
        result.rejected.extend(rejected)
        return result
