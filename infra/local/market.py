"""The simulated market: a real HTTP server on loopback that answers as Alpaca's market data v2 and Binance's
USD-M futures ticker answer, so that the production clients are what talk to it (``make run`` and the tests).

- ``GET /v2/stocks/snapshots?symbols=A,B`` -> ``{"A": {"latestTrade", "latestQuote", "minuteBar", "dailyBar",
  "prevDailyBar"}}`` and ``GET /v2/stocks/trades/latest?symbols=A,B`` -> ``{"trades": {"A": {...}}}``; both
  want the ``APCA-API-KEY-ID`` and ``APCA-API-SECRET-KEY`` headers (``401`` without them).
- ``GET /fapi/v2/ticker/price`` -> ``[{"symbol", "price": "<string>", "time"}]``; with ``?symbol=X`` one object,
  or ``400 {"code": -1121, "msg": "Invalid symbol."}``.

``configure()`` is ``PUT /_local/market``: ``{"prices": {"AAPL": 175.0}, "fault": null}``. A price is a number,
or one of the strings "NaN", "Infinity", "-Infinity" (or a numeric string), so that tests can make the market
send what a client must refuse; or an object ``{"trade", "daily_close", "prev_close"}`` (each a price or null)
to send a snapshot whose latest trade or daily bar is missing. A key left out of the body keeps its value.
Faults: ``error`` (HTTP 500), ``timeout`` (answers only after ``timeout_delay_seconds``), ``garbage`` (a
malformed ``200`` body), ``rate_limit`` (``429`` with ``Retry-After: 1``), ``redirect`` (``302`` to another
host, which a client must not follow with its keys).
Symbols not set are unknown and left out of answers, unless ``random_walk`` (demo mode): then an unknown
symbol starts at a price derived from its name and moves a little on every request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SNAPSHOTS_PATH = "/v2/stocks/snapshots"
LATEST_TRADES_PATH = "/v2/stocks/trades/latest"
TICKER_PATH = "/fapi/v2/ticker/price"
ALPACA_PATHS = frozenset({SNAPSHOTS_PATH, LATEST_TRADES_PATH})
MARKET_PATHS = ALPACA_PATHS | {TICKER_PATH}
FAULTS = ("error", "timeout", "garbage", "rate_limit", "redirect")
REDIRECT_TARGET = "http://127.0.0.1:9/elsewhere"  # the discard port: nothing answers there
SYMBOL_MAX_LENGTH = 20
SYMBOL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-/")
PRICE_PARTS = ("trade", "daily_close", "prev_close")
GARBAGE = b'{"AAPL": {"latestTrade": {"t": "2024-01-02T15:04:05Z", "p": 17\x00\xff<html>502 Bad Gateway'
# Perpetuals the ticker lists in demo mode (the real one lists the exchange's, whoever asks).
CRYPTO_UNIVERSE = (
    "BTCUSDT",
    "ETHUSDT",
    "BNBUSDT",
    "SOLUSDT",
    "XRPUSDT",
    "DOGEUSDT",
    "ADAUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "DOTUSDT",
    "LTCUSDT",
    "BCHUSDT",
    "BTCUSDC",
    "ETHUSDC",
)
ANCHORS = {
    "BTC": Decimal("65000.00"),
    "ETH": Decimal("3500.00"),
    "BNB": Decimal("600.00"),
    "SOL": Decimal("150.00"),
    "XRP": Decimal("0.5500"),
    "DOGE": Decimal("0.1500"),
    "ADA": Decimal("0.4500"),
}
# Well-known stocks start near their usual level too, so the demo's positions meet a market that matches them.
STOCK_ANCHORS = {
    "AAPL": Decimal("190.00"),
    "MSFT": Decimal("420.00"),
    "TSLA": Decimal("240.00"),
    "NVDA": Decimal("120.00"),
    "AMZN": Decimal("185.00"),
    "GOOGL": Decimal("170.00"),
    "SPY": Decimal("560.00"),
}
QUOTE_ASSETS = ("USDT", "USDC", "BUSD")
WALK_STEP = 0.002  # standard deviation of one step, as a fraction of the price
CENT = Decimal("0.01")
TICK = Decimal("0.0001")


@dataclass(frozen=True)
class SymbolPrices:
    """What the market says about one symbol. ``simple``: set as one number (then all three are that)."""

    trade: Decimal | None
    daily_close: Decimal | None
    prev_close: Decimal | None
    simple: bool = True

    @classmethod
    def of(cls, price: Decimal) -> SymbolPrices:
        return cls(price, price, price)

    def price(self) -> Decimal | None:
        """The one price of a format that has only one (latest trade, else daily close, else previous close)."""
        for value in (self.trade, self.daily_close, self.prev_close):
            if value is not None:
                return value
        return None

    def as_json(self) -> Any:
        if self.simple and self.trade is not None:
            return _json_number(self.trade)
        return {name: _json_number(getattr(self, name)) for name in PRICE_PARTS}


def _json_number(value: Decimal | None) -> Any:
    if value is None:
        return None
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def _parse_price(symbol: str, value: Any, part: str | None = None) -> Decimal:
    where = f"prices[{symbol!r}]" + (f".{part}" if part else "")
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{where} must be a number (or a string such as 'NaN' or 'Infinity')")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{where} is not a number: {value!r}") from None
    return Decimal("NaN") if price.is_snan() else price


def _parse_symbol(symbol: Any) -> str:
    if not isinstance(symbol, str):
        raise ValueError("prices must map symbols to prices")
    upper = symbol.strip().upper()
    if not 1 <= len(upper) <= SYMBOL_MAX_LENGTH or not set(upper) <= SYMBOL_CHARS:
        raise ValueError(f"symbol {symbol!r} must be 1..{SYMBOL_MAX_LENGTH} of A-Z 0-9 . - /")
    return upper


def parse_prices(prices: Any) -> dict[str, SymbolPrices]:
    if not isinstance(prices, dict):
        raise ValueError('prices must be an object of symbol -> price, e.g. {"AAPL": 175.0}')
    parsed: dict[str, SymbolPrices] = {}
    for raw_symbol, value in prices.items():
        symbol = _parse_symbol(raw_symbol)
        if isinstance(value, dict):
            unknown = set(value) - set(PRICE_PARTS)
            if unknown:
                raise ValueError(f"prices[{symbol!r}] may only have {list(PRICE_PARTS)}, not {sorted(unknown)}")
            parts = {
                name: None if value.get(name) is None else _parse_price(symbol, value[name], name)
                for name in PRICE_PARTS
            }
            parsed[symbol] = SymbolPrices(parts["trade"], parts["daily_close"], parts["prev_close"], simple=False)
        else:
            parsed[symbol] = SymbolPrices.of(_parse_price(symbol, value))
    return parsed


def _number(value: Decimal) -> str:
    """A Decimal as a JSON number token, digit for digit (NaN and infinities as Python's json writes them:
    a provider's bad day)."""
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "Infinity" if value > 0 else "-Infinity"
    return format(value, "f")


def dumps(value: Any) -> bytes:
    """JSON that writes Decimals exactly (the json module would need them as floats)."""

    def encode(item: Any) -> str:
        if isinstance(item, Decimal):
            return _number(item)
        if isinstance(item, dict):
            return "{" + ", ".join(f"{json.dumps(str(k))}: {encode(v)}" for k, v in item.items()) + "}"
        if isinstance(item, list | tuple):
            return "[" + ", ".join(encode(v) for v in item) + "]"
        return json.dumps(item)

    return encode(value).encode()


def _stable_int(symbol: str, salt: str = "") -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}{symbol}".encode()).digest()[:8], "big")


def starting_price(symbol: str) -> Decimal:
    """A plausible, repeatable first price for a symbol nobody set: well-known coins near their usual
    level, anything else between 5 and 500."""
    if symbol in STOCK_ANCHORS:
        return STOCK_ANCHORS[symbol]
    for quote in QUOTE_ASSETS:
        base = symbol.removesuffix(quote)
        if base != symbol and base in ANCHORS:
            return ANCHORS[base]
    return Decimal(500 + _stable_int(symbol) % 49500) / 100


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"  # Alpaca stamps with nanoseconds


def _bar(symbol: str, close: Decimal | None, start: datetime, volume_scale: int) -> dict[str, Any] | None:
    if close is None:
        return None
    volume = 1000 + _stable_int(symbol, start.isoformat()) % volume_scale
    return {
        "t": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "o": close,
        "h": close,
        "l": close,
        "c": close,
        "v": volume,
        "n": volume // 50 + 1,
        "vw": close,
    }


def _trade(symbol: str, price: Decimal | None, now: datetime) -> dict[str, Any] | None:
    if price is None:
        return None
    return {
        "t": _iso(now),
        "x": "V",
        "p": price,
        "s": 100,
        "c": ["@"],
        "i": _stable_int(symbol, _iso(now)) % 10**14,
        "z": "C" if _stable_int(symbol) % 2 else "A",
    }


def snapshot(symbol: str, prices: SymbolPrices, now: datetime) -> dict[str, Any]:
    """An Alpaca stock snapshot (camelCase parts, single-letter fields, prices as JSON numbers)."""
    trade = prices.trade
    day = now.replace(hour=4, minute=0, second=0, microsecond=0)
    minute = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    quote = None
    if trade is not None:
        quote = {
            "t": _iso(now),
            "ax": "V",
            "ap": trade + CENT if trade.is_finite() else trade,
            "as": 2,
            "bx": "V",
            "bp": trade - CENT if trade.is_finite() else trade,
            "bs": 3,
            "c": ["R"],
            "z": "C",
        }
    return {
        "latestTrade": _trade(symbol, trade, now),
        "latestQuote": quote,
        "minuteBar": _bar(symbol, trade, minute, 10_000),
        "dailyBar": _bar(symbol, prices.daily_close, day, 5_000_000),
        "prevDailyBar": _bar(symbol, prices.prev_close, day - timedelta(days=1), 5_000_000),
    }


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json_answer(status: int, body: Any, *headers: tuple[str, str]) -> Answer:
    return Answer(status, dumps(body), headers)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection frees its thread after this
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        try:
            answer = self.server.market.answer(self.path, self.headers)
        except Exception as error:  # a simulator bug still gets an answer, as a real provider's would
            answer = _json_answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": f"simulator error: {error!r}"})
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True  # the client gave up (a timeout fault): nothing to tell it


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a request sleeping through a timeout fault
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], market: SimulatedMarket) -> None:
        super().__init__(address, _Handler)
        self.market = market
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hangs up on kept-alive clients, so that none goes on talking to a stopped market."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-answer is part of the game here


class SimulatedMarket:
    def __init__(
        self,
        random_walk: bool = False,
        seed: int | None = None,
        timeout_delay_seconds: float = 5.0,
        *,
        credentials: tuple[str, str] | None = None,
        crypto_universe: tuple[str, ...] = CRYPTO_UNIVERSE,
    ) -> None:
        """``credentials``: the (key id, secret key) the Alpaca routes insist on; any non-empty pair when None."""
        self.random_walk = random_walk
        self.timeout_delay_seconds = timeout_delay_seconds
        self.credentials = credentials
        self.crypto_universe = crypto_universe
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self._walkers: dict[str, random.Random] = {}
        self._lock = threading.Lock()
        self._prices: dict[str, SymbolPrices] = {}
        self._walk: dict[str, Decimal] = {}
        self._fault: str | None = None
        self._counts: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        from infra.local.exchange import SimulatedExchange  # it answers with this module's Answer

        # The accounts of PUT /_local/exchange, served on this same server (Binance's and Alpaca's paths).
        self.exchange = SimulatedExchange(fault_answer=self.fault_answer, mark_price=self._mark_price)

    # ------------------------------------------------------------ lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> SimulatedMarket:
        if self._server is not None:
            raise RuntimeError("the simulated market is already running")
        self._stopping = threading.Event()
        self._server = _Server((host, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="simulated-market", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes requests sleeping through a timeout fault
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SimulatedMarket:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulated market is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------ control

    def configure(self, body: Any) -> dict[str, Any]:
        """``PUT /_local/market``. Raises ValueError (with a message fit for a 4xx answer) for a bad body."""
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        unknown = set(body) - {"prices", "fault"}
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; expected 'prices' and/or 'fault'")
        prices = parse_prices(body["prices"]) if "prices" in body else None
        fault = body.get("fault")
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"fault must be null or one of {list(FAULTS)}")
        with self._lock:
            if prices is not None:
                self._prices = prices
            if "fault" in body:
                self._fault = fault
        return self.state()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "prices": {symbol: prices.as_json() for symbol, prices in self._prices.items()},
                "fault": self._fault,
                "random_walk": self.random_walk,
            }

    @property
    def requests(self) -> Counter[str]:
        """Requests served so far, per path (a copy)."""
        with self._lock:
            return Counter(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    # ------------------------------------------------------------ serving

    def answer(self, target: str, headers: Any) -> Answer:
        split = urlsplit(target)
        path = split.path
        query = parse_qs(split.query)
        with self._lock:
            self._counts[path] += 1
            fault = self._fault
        if self.exchange.serves(path):
            # The market's fault is the providers' bad day for every key (an account's own, for its key only).
            faulty = self.fault_answer(fault, self.exchange.is_alpaca(path))
            return faulty if faulty is not None else self.exchange.answer(target, headers)
        if path not in MARKET_PATHS:
            return _json_answer(HTTPStatus.NOT_FOUND, {"message": "Not Found"})
        alpaca = path in ALPACA_PATHS
        if alpaca and not self._authorized(headers):
            return _json_answer(HTTPStatus.UNAUTHORIZED, {"code": 40110000, "message": "request is not authorized"})
        faulty = self.fault_answer(fault, alpaca)
        if faulty is not None:
            return faulty
        now = datetime.now(UTC)
        if alpaca:
            return self._alpaca_answer(path, query, now)
        return self._ticker(query.get("symbol", [None])[0], now)

    def fault_answer(self, fault: str | None, alpaca: bool) -> Answer | None:
        """What a fault answers (the market's, or an exchange account's), in the provider's own error shapes
        (None: answer normally; a timeout answers normally, late)."""
        if fault == "error":
            if alpaca:
                return _json_answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "internal server error"})
            return _json_answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"code": -1000, "msg": "An unknown error occurred."})
        if fault == "rate_limit":
            body = {"message": "too many requests."} if alpaca else {"code": -1003, "msg": "Too many requests."}
            return _json_answer(HTTPStatus.TOO_MANY_REQUESTS, body, ("Retry-After", "1"))
        if fault == "garbage":
            return Answer(HTTPStatus.OK, GARBAGE)
        if fault == "redirect":
            return _json_answer(HTTPStatus.FOUND, {"message": "moved"}, ("Location", REDIRECT_TARGET))
        if fault == "timeout":
            self._stopping.wait(self.timeout_delay_seconds)
        return None

    def _alpaca_answer(self, path: str, query: dict[str, list[str]], now: datetime) -> Answer:
        symbols = [s.strip() for s in ",".join(query.get("symbols", [])).split(",") if s.strip()]
        if not symbols:
            return _json_answer(HTTPStatus.BAD_REQUEST, {"code": 40010001, "message": "symbols is required"})
        known = self._lookup(symbols)
        if path == SNAPSHOTS_PATH:
            return _json_answer(HTTPStatus.OK, {s: snapshot(s, p, now) for s, p in known.items()})
        trades = {s: _trade(s, p.trade, now) for s, p in known.items() if p.trade is not None}
        return _json_answer(HTTPStatus.OK, {"trades": trades})

    def _authorized(self, headers: Any) -> bool:
        key_id = headers.get("APCA-API-KEY-ID") or ""
        secret_key = headers.get("APCA-API-SECRET-KEY") or ""
        if self.credentials is not None:
            return (key_id, secret_key) == self.credentials
        return bool(key_id and secret_key)

    def _ticker(self, symbol: str | None, now: datetime) -> Answer:
        millis = int(now.timestamp() * 1000)
        if symbol is not None:
            price = self._lookup([symbol.strip().upper()]).get(symbol.strip().upper())
            value = price.price() if price is not None else None
            if value is None:
                return _json_answer(HTTPStatus.BAD_REQUEST, {"code": -1121, "msg": "Invalid symbol."})
            return _json_answer(
                HTTPStatus.OK, {"symbol": symbol.strip().upper(), "price": _number(value), "time": millis}
            )
        with self._lock:
            listed = list(self._prices)
            if self.random_walk:  # the exchange's own perpetuals, and any other pair someone asked for
                crypto = [s for s in self._walk if s.endswith(QUOTE_ASSETS)]
                listed += [s for s in (*self.crypto_universe, *crypto) if s not in self._prices]
        tickers = []
        for name, prices in self._lookup(list(dict.fromkeys(listed))).items():
            value = prices.price()
            if value is not None:
                tickers.append({"symbol": name, "price": _number(value), "time": millis})
        return _json_answer(HTTPStatus.OK, tickers)

    def _mark_price(self, symbol: str) -> Decimal | None:
        """The price an exchange marks a position at: the market's, when it has one (no random-walk step)."""
        with self._lock:
            known = self._prices.get(symbol)
            return known.price() if known is not None else self._walk.get(symbol)

    def _lookup(self, symbols: list[str]) -> dict[str, SymbolPrices]:
        """The symbols the market knows, with their prices (random-walk symbols take a step)."""
        found: dict[str, SymbolPrices] = {}
        with self._lock:
            for symbol in symbols:
                if symbol in self._prices:
                    found[symbol] = self._prices[symbol]
                elif self.random_walk:
                    found[symbol] = SymbolPrices.of(self._step(symbol))
        return found

    def _step(self, symbol: str) -> Decimal:
        current = self._walk.get(symbol)
        if current is None:
            price = starting_price(symbol)
            # One generator per symbol: its walk depends on the seed and its own requests only, not on the
            # order in which concurrent requests for other symbols arrive.
            self._walkers[symbol] = random.Random(f"{self.seed}:{symbol}")  # noqa: S311 (a simulation)
        else:
            factor = Decimal(str(round(1 + self._walkers[symbol].gauss(0, WALK_STEP), 6)))
            unit = CENT if current >= 1 else TICK
            price = max(unit, (current * factor).quantize(unit))
        self._walk[symbol] = price
        return price
