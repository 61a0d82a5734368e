"""The demo's trading bot (``make run ARGS=--demo``): now and then it changes the demo's simulated Binance USD-M
futures account as a bot trading it would, so that the account sync has something to follow. It opens a
position with a MARKET order, or closes one with the take-profit or stop-loss order that would have fired at
the market's price, and keeps the wallet as Binance does: realized P&L in, commissions out.

``next_trade`` is the whole change, pure; ``DemoTrader`` is the thread that applies it every few minutes."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from infra.local.exchange import SimulatedExchange
from infra.local.exchange_accounts import Account, Fill, Holding, with_history
from infra.local.market import starting_price

TAKER_FEE_RATE = Decimal("0.0005")  # Binance USD-M futures' standard taker commission, in USDT
COMMISSION_UNIT = Decimal("0.00000001")  # Binance reports commissions to 8 places
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT")
MAX_OPEN_POSITIONS = 3
LEVERAGES = (2, 3, 5, 10)
MARGIN_FRACTIONS = (Decimal("0.03"), Decimal("0.05"), Decimal("0.08"))  # of the wallet, per new position
FIRST_ORDER_ID = 4_051_236_000
# Binance numbers orders across every symbol and account, so one account's next order id is well above its last.
ORDER_ID_GAP = (1_000, 90_000)
INTERVAL_SECONDS = (120.0, 300.0)
BINANCE = "binance_futures"


def commission(price: Decimal, quantity: Decimal) -> Decimal:
    return (price * quantity * TAKER_FEE_RATE).quantize(COMMISSION_UNIT)


def lot_size(price: Decimal) -> Decimal:
    """A quantity step that fits the price, as the exchange's own (BTCUSDT's and ETHUSDT's are 0.001)."""
    if price >= 1000:
        return Decimal("0.001")
    if price >= 10:
        return Decimal("0.01")
    return Decimal(1)


def _next_order_id(account: Account, rng: random.Random) -> str:
    last = max((int(f.order_id) for f in account.fills if f.order_id.isdigit()), default=FIRST_ORDER_ID)
    return str(last + rng.randint(*ORDER_ID_GAP))


def _fill_time(account: Account, now: datetime) -> datetime:
    """``now`` to the millisecond, after every fill the account has: fills and their trade ids stay in order."""
    moment = now.astimezone(UTC).replace(microsecond=now.microsecond // 1000 * 1000)
    latest = max((f.time for f in account.fills), default=None)
    return moment if latest is None or moment > latest else latest + timedelta(milliseconds=1)


def _with_fill(account: Account, fill: Fill, cash: Decimal, positions: tuple[Holding, ...]) -> Account:
    return replace(account, cash=cash, positions=positions, fills=with_history([*account.fills, fill]))


def _open(account: Account, symbol: str, price: Decimal, rng: random.Random, now: datetime) -> Account:
    side = rng.choice(("LONG", "SHORT"))
    leverage = rng.choice(LEVERAGES)
    lot = lot_size(price)
    margin = max(account.cash, Decimal(0)) * rng.choice(MARGIN_FRACTIONS)
    quantity = max(lot, (margin * leverage / price).quantize(lot, rounding=ROUND_DOWN))
    fill = Fill(
        order_id=_next_order_id(account, rng),
        symbol=symbol,
        side="BUY" if side == "LONG" else "SELL",
        quantity=quantity,
        price=price,
        fee=commission(price, quantity),
        time=_fill_time(account, now),
        order_type="MARKET",
        realized_pnl=Decimal(0),  # Binance reports 0 for a fill that opens a position
    )
    holding = Holding(symbol=symbol, side=side, quantity=quantity, entry_price=price, leverage=leverage)
    return _with_fill(account, fill, account.cash - fill.fee, (*account.positions, holding))


def _close(account: Account, holding: Holding, price: Decimal, rng: random.Random, now: datetime) -> Account:
    direction = 1 if holding.side == "LONG" else -1
    realized = (price - holding.entry_price) * holding.quantity * direction
    fill = Fill(
        order_id=_next_order_id(account, rng),
        symbol=holding.symbol,
        side="SELL" if holding.side == "LONG" else "BUY",
        quantity=holding.quantity,
        price=price,
        fee=commission(price, holding.quantity),
        time=_fill_time(account, now),
        # The bot's bracket: the take-profit fires on a gain, the stop on a loss (or at break-even).
        order_type="TAKE_PROFIT_MARKET" if realized > 0 else "STOP_MARKET",
        realized_pnl=realized,
    )
    rest = tuple(h for h in account.positions if h is not holding)
    return _with_fill(account, fill, account.cash + realized - fill.fee, rest)


def next_trade(account: Account, prices: Mapping[str, Decimal], rng: random.Random, now: datetime) -> Account:
    """The account after the bot's next trade: a new position in a symbol of ``prices`` it doesn't hold (always
    when it holds none, never past ``MAX_OPEN_POSITIONS``, else half the time), or one of its positions
    closed at its symbol's price. Unchanged when it can do neither."""
    held = {h.symbol for h in account.positions}
    free = sorted(symbol for symbol in prices if symbol not in held)
    room = len(account.positions) < MAX_OPEN_POSITIONS
    if free and room and (not account.positions or rng.random() < 0.5):
        symbol = rng.choice(free)
        return _open(account, symbol, prices[symbol], rng, now)
    if account.positions:
        holding = rng.choice(account.positions)
        return _close(account, holding, prices.get(holding.symbol, holding.entry_price), rng, now)
    return account


class DemoTrader:
    """A daemon thread that makes the bot's next trade on the account behind ``api_key`` every
    ``interval_seconds`` (a random wait in that range) until ``stop``."""

    def __init__(
        self,
        exchange: SimulatedExchange,
        api_key: str,
        *,
        rng: random.Random | None = None,
        interval_seconds: tuple[float, float] = INTERVAL_SECONDS,
        symbols: tuple[str, ...] = SYMBOLS,
    ) -> None:
        self.exchange = exchange
        self.api_key = api_key
        self.interval_seconds = interval_seconds
        self.symbols = symbols
        self._rng = rng or random.Random()  # noqa: S311 (a simulation)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="demo-trader", daemon=True)

    def start(self) -> DemoTrader:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def prices(self, account: Account) -> dict[str, Decimal]:
        """The market's price of every symbol the bot trades or holds; where the market has none yet, the one
        it will start the symbol at."""
        symbols = dict.fromkeys([*self.symbols, *(h.symbol for h in account.positions)])
        return {symbol: self.exchange.mark_price(symbol) or starting_price(symbol) for symbol in symbols}

    def trade(self) -> Account | None:
        """Makes the next trade now: the account after it, or None when there is no Binance account to trade."""
        account = self.exchange.account(self.api_key)
        if account is None or account.provider != BINANCE:
            return None
        prices = self.prices(account)
        now = datetime.now(UTC)

        def change(current: Account) -> Account:  # a PUT may have replaced it meanwhile
            return next_trade(current, prices, self._rng, now) if current.provider == BINANCE else current

        return self.exchange.update(self.api_key, change)

    def _loop(self) -> None:
        while not self._stop.wait(self._rng.uniform(*self.interval_seconds)):
            try:
                self.trade()
            except Exception as error:  # the bot tries again next time; the server goes on either way
                print(f"demo trader failed: {error!r}", file=sys.stderr)
