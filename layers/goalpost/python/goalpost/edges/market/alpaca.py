"""Alpaca market data v2: stock snapshots (or latest trades), up to 100 symbols a request.

Wire formats read (camelCase keys as the API sends them, prices as JSON numbers):
- ``GET /v2/stocks/snapshots?symbols=A,B&feed=iex`` -> ``{"A": {"latestTrade": {"t", "x", "p", "s", ...},
  "latestQuote": {...}, "minuteBar": {...}, "dailyBar": {"t", "o", "h", "l", "c", "v", "n", "vw"},
  "prevDailyBar": {...}}, ...}``, also seen wrapped as ``{"snapshots": {...}}``;
- ``GET /v2/stocks/trades/latest?symbols=A,B&feed=iex`` -> ``{"trades": {"A": {"t", "x", "p", "s", ...}}}``,
  or the bare symbol-keyed map.
Symbols the provider does not know are left out of its answer (or come as ``null``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from goalpost.edges.market.http import JsonHttp, MarketHttpError
from goalpost.edges.market.models import FetchResult, Quote, sort_quotes
from goalpost.edges.secrets import json_secret
from goalpost.observability import logger
from goalpost.settings import get_settings

SOURCE = "alpaca"
MAX_SYMBOLS_PER_REQUEST = 100
SECRET_MAX_AGE_SECONDS = 300
ENDPOINTS = {"snapshots": "/v2/stocks/snapshots", "trades": "/v2/stocks/trades/latest"}
WRAPPERS = ("snapshots", "trades")
# A snapshot's price: the latest trade, else today's bar close, else the previous day's close.
SNAPSHOT_PRICE_PATHS = (("latestTrade", "p"), ("dailyBar", "c"), ("prevDailyBar", "c"))
SNAPSHOT_KEYS = frozenset(part for part, _ in SNAPSHOT_PRICE_PATHS) | {"latestQuote", "minuteBar"}


class MalformedAnswer(ValueError):
    pass


def credential_headers(secret_arn: str) -> dict[str, str]:
    """The API key headers from the secret ``{"key_id", "secret_key"}`` (cached a few minutes);
    none when no secret is configured (the simulated market in tests may want them anyway)."""
    if not secret_arn:
        return {}
    secret = json_secret(secret_arn, SECRET_MAX_AGE_SECONDS)
    if not isinstance(secret, dict):
        raise ValueError("the Alpaca secret is not a JSON object")
    key_id, secret_key = secret.get("key_id"), secret.get("secret_key")
    if not isinstance(key_id, str) or not key_id or not isinstance(secret_key, str) or not secret_key:
        raise ValueError("the Alpaca secret needs non-empty key_id and secret_key")
    return {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret_key}


def _raw_price(entry: Any) -> Any:
    """The provider's price for one symbol's entry (a snapshot or a trade), unvalidated; None when absent or
    when the entry is not an object. The first part present decides: a latest trade with a bad price is a bad
    price, not a reason to fall back to an older close."""
    if not isinstance(entry, Mapping):
        return None
    if "p" in entry and not SNAPSHOT_KEYS & entry.keys():
        return entry.get("p")
    for part, key in SNAPSHOT_PRICE_PATHS:
        value = entry.get(part)
        if isinstance(value, Mapping) and value.get(key) is not None:
            return value[key]
    return None


def parse_prices(body: Any, wanted: Sequence[str]) -> tuple[dict[str, Quote], list[str]]:
    """Quotes for the ``wanted`` symbols in an answer of either endpoint, and the symbols whose price was
    there but not acceptable. Raises MalformedAnswer when the answer is not one of the known shapes."""
    if not isinstance(body, dict):
        raise MalformedAnswer(f"expected a JSON object, got {type(body).__name__}")
    entries: Mapping[str, Any] = body
    for wrapper in WRAPPERS:
        if wrapper in body:
            inner = body[wrapper]
            if inner is None:
                inner = {}
            if not isinstance(inner, dict):
                raise MalformedAnswer(f"expected an object under {wrapper!r}")
            entries = inner
            break
    # A symbol unknown to the provider is left out of its answer, or comes as null.
    known = (symbol for symbol in wanted if entries.get(symbol) is not None)
    return sort_quotes(((symbol, _raw_price(entries[symbol])) for symbol in known), SOURCE)


class AlpacaProvider:
    name = SOURCE
    max_batch = MAX_SYMBOLS_PER_REQUEST

    def __init__(
        self,
        base_url: str | None = None,
        *,
        feed: str | None = None,
        secret_arn: str | None = None,
        endpoint: str = "snapshots",
        http: JsonHttp | None = None,
    ) -> None:
        settings = get_settings()
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {sorted(ENDPOINTS)}")
        self.base_url = (base_url if base_url is not None else settings.alpaca_data_url).rstrip("/")
        self.feed = feed if feed is not None else settings.alpaca_feed
        self.secret_arn = secret_arn if secret_arn is not None else settings.alpaca_secret_arn
        self.path = ENDPOINTS[endpoint]
        self.http = http or JsonHttp()

    def url(self, symbols: Sequence[str]) -> str:
        query = {"symbols": ",".join(symbols)}
        if self.feed:
            query["feed"] = self.feed
        return f"{self.base_url}{self.path}?{urlencode(query, safe=',')}"

    def fetch(self, symbols: Sequence[str]) -> FetchResult:
        result = FetchResult()
        if not symbols:
            return result
        try:
            headers = credential_headers(self.secret_arn)
        except Exception as error:  # whatever Secrets Manager says, the job carries on with an error line
            logger.warning("Alpaca credentials unavailable", extra={"error": repr(error)})
            result.errors.append(f"{SOURCE}: credentials unavailable ({type(error).__name__}: {error})"[:200])
            return result
        for start in range(0, len(symbols), self.max_batch):
            batch = list(symbols[start : start + self.max_batch])
            try:
                response = self.http.get(self.url(batch), headers, label=SOURCE)
                result.requests += response.requests
                quotes, rejected = parse_prices(response.body, batch)
            except MarketHttpError as error:
                result.requests += error.requests
                result.errors.append(f"{SOURCE}: batch of {len(batch)} symbols from {batch[0]}: {error.reason}")
                continue
            except MalformedAnswer as error:
                result.errors.append(
                    f"{SOURCE}: batch of {len(batch)} symbols from {batch[0]}: malformed answer ({error})"
                )
                continue
            result.quotes.update(quotes)
            result.rejected.extend(rejected)
        return result
