"""Which provider prices which symbol, in batches each provider accepts; one merged result that never raises."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from goalpost import aws
from goalpost.domain.markets import parse_routes, provider_of
from goalpost.edges.market.alpaca import AlpacaProvider
from goalpost.edges.market.binance import BinanceProvider
from goalpost.edges.market.models import FetchResult, PriceProvider
from goalpost.observability import logger, metrics
from goalpost.settings import get_settings

DEFAULT_CONCURRENCY = 4
# After this many failed batches in a row, a provider's remaining batches are skipped for this run: a provider
# that is down would otherwise cost every batch its timeouts and retries (100 batches x 3 attempts x 3 s).
DEFAULT_BREAKER_THRESHOLD = 3
SAMPLE = 5


def default_providers() -> dict[str, PriceProvider]:
    return {"alpaca": AlpacaProvider(), "binance": BinanceProvider()}


class _Breaker:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def open(self, provider: str) -> bool:
        with self._lock:
            return self.threshold > 0 and self.failures.get(provider, 0) >= self.threshold

    def record(self, provider: str, failed: bool) -> None:
        with self._lock:
            self.failures[provider] = self.failures.get(provider, 0) + 1 if failed else 0


class MarketData:
    def __init__(
        self,
        providers: Mapping[str, PriceProvider] | None = None,
        routes: str | None = None,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
    ) -> None:
        self.providers: dict[str, PriceProvider] = dict(providers) if providers is not None else default_providers()
        self.routes = parse_routes(routes if routes is not None else get_settings().price_routes)
        unknown = sorted({name for name, _ in self.routes} - set(self.providers))
        if unknown:
            raise ValueError(f"price routes name unknown providers {unknown}; known: {sorted(self.providers)}")
        self.concurrency = max(1, concurrency)
        self.breaker_threshold = breaker_threshold

    def route(self, symbol: str) -> str | None:
        return provider_of(symbol, self.routes)

    def fetch_all(self, symbols: Sequence[str]) -> FetchResult:
        """Every symbol's price from the provider its route names. Never raises: what fails is an error line
        (and the symbols it concerned simply have no quote)."""
        try:
            result = self._fetch_all(symbols)
        except Exception as error:  # a bug here must not take the job down with it
            logger.exception("Market data fetch failed")
            result = FetchResult(errors=[f"market data: unexpected {type(error).__name__}: {error}"[:200]])
        self._record(result)
        return result

    def _by_provider(self, symbols: Sequence[str], result: FetchResult) -> dict[str, list[str]]:
        """The symbols (de-duplicated, in order) under the provider each routes to; the unrouted are an error."""
        by_provider: dict[str, list[str]] = {}
        unrouted: list[str] = []
        for symbol in dict.fromkeys(symbols):
            name = self.route(symbol)
            if name is None:
                unrouted.append(symbol)
            else:
                by_provider.setdefault(name, []).append(symbol)
        if unrouted:
            result.errors.append(f"no price route for {len(unrouted)} symbols: {', '.join(unrouted[:SAMPLE])}")
        return by_provider

    def _fetch_all(self, symbols: Sequence[str]) -> FetchResult:
        result = FetchResult()
        by_provider = self._by_provider(symbols, result)
        batches = [
            (name, wanted[start : start + self._batch_size(name)])
            for name, wanted in by_provider.items()
            for start in range(0, len(wanted), self._batch_size(name))
        ]
        breaker = _Breaker(self.breaker_threshold)

        def run(name: str, batch: list[str]) -> FetchResult | None:
            if breaker.open(name):
                return None
            try:
                outcome = self.providers[name].fetch(batch)
            except Exception as error:  # a provider is not trusted to keep its promise not to raise
                logger.exception("Price provider raised", extra={"provider": name})
                outcome = FetchResult(errors=[f"{name}: {len(batch)} symbols: {type(error).__name__}: {error}"[:200]])
            breaker.record(name, failed=bool(outcome.errors) and not outcome.quotes)
            return outcome

        if len(batches) <= 1 or self.concurrency == 1:
            outcomes = [run(name, batch) for name, batch in batches]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                outcomes = list(pool.map(lambda item: run(*item), batches))

        skipped: dict[str, int] = {}
        for (name, batch), outcome in zip(batches, outcomes, strict=True):
            if outcome is None:
                skipped[name] = skipped.get(name, 0) + len(batch)
            else:
                result.merge(outcome)
        for name, count in skipped.items():
            result.errors.append(f"{name}: {count} symbols skipped after {self.breaker_threshold} failed batches")
        return result

    def _batch_size(self, name: str) -> int:
        return max(1, int(self.providers[name].max_batch))

    @staticmethod
    def _record(result: FetchResult) -> None:
        if result.errors:
            logger.warning("Market data errors", extra={"errors": result.errors})
        if result.rejected:
            logger.warning(
                "Market data prices rejected",
                extra={"count": len(result.rejected), "symbols": result.rejected[:20]},
            )
        metrics.add_metric(name="MarketRequests", unit="Count", value=result.requests)
        metrics.add_metric(name="MarketErrors", unit="Count", value=len(result.errors))
        metrics.add_metric(name="MarketRejectedPrices", unit="Count", value=len(result.rejected))
        metrics.add_metric(name="MarketQuotes", unit="Count", value=len(result.quotes))


@cache
def market_data() -> MarketData:
    """The process's router over the default providers, built from the settings on first use."""
    return MarketData()


def reset_market_data() -> None:
    market_data.cache_clear()


aws.on_reset(reset_market_data)
