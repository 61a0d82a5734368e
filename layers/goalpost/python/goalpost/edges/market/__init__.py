"""Market data: price providers (Alpaca stocks, Binance USD-M futures) behind one small interface, and the
router that sends each symbol to its provider. ``market_data().fetch_all(symbols)`` is what the jobs call."""

from __future__ import annotations

from goalpost.edges.market.alpaca import AlpacaProvider
from goalpost.edges.market.binance import BinanceProvider
from goalpost.edges.market.http import JsonHttp, MarketHttpError, RetryPolicy
from goalpost.edges.market.models import FetchResult, PriceProvider, Quote
from goalpost.edges.market.router import MarketData, market_data, parse_routes, reset_market_data

__all__ = [
    "AlpacaProvider",
    "BinanceProvider",
    "FetchResult",
    "JsonHttp",
    "MarketData",
    "MarketHttpError",
    "PriceProvider",
    "Quote",
    "RetryPolicy",
    "market_data",
    "parse_routes",
    "reset_market_data",
]
