"""Which provider prices a symbol, and when its market trades.

A price route is ``provider=pattern[,pattern...]``; the first route with a matching pattern names the symbol's
provider (``"binance=*USDT,*USDC;alpaca=*"``). Binance's crypto markets trade always; Alpaca's US equities in
the regular session, 9:30 to 16:00 New York time on weekdays (exchange holidays are not known here: on those
days the session is taken as open, which costs a few snapshots and loses nothing).

New York time is worked out with the US daylight-saving rule in force since 2007 (second Sunday of March to
first Sunday of November, at 2:00 local) rather than from a time-zone database, which a Lambda runtime need
not carry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from fnmatch import fnmatchcase

Routes = list[tuple[str, tuple[str, ...]]]

ALWAYS_OPEN = frozenset({"binance"})
SESSION_OPEN = time(9, 30)
SESSION_CLOSE = time(16, 0)
EASTERN_STANDARD = timedelta(hours=-5)
EASTERN_DAYLIGHT = timedelta(hours=-4)


def parse_routes(text: str) -> Routes:
    """``"binance=*USDT,*USDC;alpaca=*"`` -> ``[("binance", ("*USDT", "*USDC")), ("alpaca", ("*",))]``."""
    routes: Routes = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, patterns = part.partition("=")
        names = tuple(p.strip() for p in patterns.split(",") if p.strip())
        if not sep or not name.strip() or not names:
            raise ValueError(f"price route {part.strip()!r} is not 'provider=pattern[,pattern...]'")
        routes.append((name.strip(), names))
    return routes


def provider_of(symbol: str, routes: Routes) -> str | None:
    for name, patterns in routes:
        if any(fnmatchcase(symbol, pattern) for pattern in patterns):
            return name
    return None


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def new_york_offset(moment: datetime) -> timedelta:
    """New York's offset from UTC at ``moment``: daylight time from 2:00 EST on the second Sunday of March
    (7:00 UTC) to 2:00 EDT on the first Sunday of November (6:00 UTC)."""
    utc = moment.astimezone(UTC)
    starts = datetime.combine(_nth_sunday(utc.year, 3, 2), time(7), UTC)
    ends = datetime.combine(_nth_sunday(utc.year, 11, 1), time(6), UTC)
    return EASTERN_DAYLIGHT if starts <= utc < ends else EASTERN_STANDARD


def us_equities_open(moment: datetime) -> bool:
    """Whether the US regular session is on at ``moment`` (its close, 16:00, included)."""
    local = moment.astimezone(UTC).replace(tzinfo=None) + new_york_offset(moment)
    return local.weekday() < 5 and SESSION_OPEN <= local.time() <= SESSION_CLOSE


class OpenMarkets:
    """Which markets trade at one moment, worked out once for the many portfolios looked at then (a snapshot
    shard's thousands of owners share the slot's clock and their symbols' providers)."""

    def __init__(self, routes: Routes, moment: datetime) -> None:
        self.routes = routes
        self.us_equities = us_equities_open(moment)
        self._providers: dict[str, str | None] = {}

    def _provider(self, symbol: str) -> str | None:
        if symbol not in self._providers:
            self._providers[symbol] = provider_of(symbol, self.routes)
        return self._providers[symbol]

    def any_trades(self, symbols: Iterable[str]) -> bool:
        """Whether any of ``symbols`` trades: a provider of 24/7 markets always (and a symbol no route names,
        as nothing says when it closes); the US session otherwise."""
        for symbol in symbols:
            provider = self._provider(symbol)
            if provider is None or provider in ALWAYS_OPEN or self.us_equities:
                return True
        return False
