"""Demo data for ``make run ARGS=--demo``: a user with goals in several states, a progress history (so the
summary has a pace), milestones, funding links, a budget snapshot and alerts; cash and open positions in
stocks and crypto (the simulated market's random walk prices them, the schedules snapshot them); and a
connected Binance USD-M futures account, simulated, that the demo's bot (``infra.local.demo_trader``) trades."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from goalpost.data import cash as cash_store
from goalpost.data import positions as position_store
from goalpost.domain.accounts import Account, ApiCredentials, Provider
from goalpost.domain.budget import BudgetSnapshot, Debt
from goalpost.domain.clock import utc_now
from goalpost.domain.funding import FundingSource
from goalpost.domain.goals import Goal
from goalpost.domain.positions import Position, Side
from goalpost.schemas.goals import GoalCreate
from goalpost.services import accounts, funding, goals, plans, progress
from goalpost.settings import get_settings
from infra.local.demo_trader import FIRST_ORDER_ID, commission
from infra.local.exchange import SimulatedExchange
from infra.local.market import starting_price


def _goal(user_id: str, fields: dict[str, Any]) -> Goal:
    return goals.create_goal(user_id, GoalCreate.model_validate(fields).draft())


# symbol, side, quantity, and the entry relative to where the simulated market starts the symbol: a few
# percent either way, so the demo opens with modest gains and losses rather than whatever two made-up
# numbers would give (the random walk moves on from the market's start).
DEMO_POSITIONS = (
    ("AAPL", Side.LONG, "50", "-0.04"),
    ("MSFT", Side.LONG, "20", "-0.015"),
    ("TSLA", Side.SHORT, "10", "0.03"),
    ("BTCUSDT", Side.LONG, "0.25", "-0.05"),
    ("ETHUSDT", Side.LONG, "3", "0.02"),
)


def demo_entry(symbol: str, offset: str) -> Decimal:
    return (starting_price(symbol) * (1 + Decimal(offset))).quantize(Decimal("0.01"))


def seed_portfolio(user_id: str) -> None:
    settings = get_settings()
    now = utc_now()
    cash_store.set_cash(settings.data_table_name, user_id, Decimal("5000"), now)
    for symbol, side, quantity, offset in DEMO_POSITIONS:
        entry = demo_entry(symbol, offset)
        position = Position.opened(user_id, symbol, Decimal(quantity), entry, now, side=side)
        position_store.open_position(settings.data_table_name, settings.system_table_name, position)


# The demo's simulated Binance account. Local-only keys: the simulator takes whatever keys it is given, and
# no real exchange knows these.
DEMO_EXCHANGE_KEY = "local-demo-binance-key-0001"
DEMO_EXCHANGE_SECRET = "local-demo-binance-secret-0001"  # noqa: S105 (local-only, above)
DEMO_ACCOUNT_LABEL = "Demo bot (simulated Binance)"
DEMO_ACCOUNT_CASH = Decimal("10000")
# The bot's BTCUSDT long, built in two buys: (quantity, entry relative to the market's start, hours ago).
DEMO_ACCOUNT_BUYS = (("0.020", "-0.03", 30), ("0.020", "-0.01", 6))
DEMO_ACCOUNT_LEVERAGE = 5


def demo_exchange_account(now: datetime) -> dict[str, Any]:
    """The ``PUT /_local/exchange`` body of the demo's simulated account: USDT in the wallet and one open
    BTCUSDT long whose quantity and entry are its two buys'."""
    buys = [(Decimal(quantity), demo_entry("BTCUSDT", offset), hours) for quantity, offset, hours in DEMO_ACCOUNT_BUYS]
    quantity = sum((q for q, _, _ in buys), Decimal(0))
    entry = sum((q * price for q, price, _ in buys), Decimal(0)) / quantity
    fills = [
        {
            "order_id": str(FIRST_ORDER_ID + number),
            "symbol": "BTCUSDT",
            "side": "BUY",
            "quantity": q,
            "price": price,
            "fee": commission(price, q),
            "time": (now - timedelta(hours=hours)).isoformat(timespec="milliseconds"),
            "order_type": "MARKET",
        }
        for number, (q, price, hours) in enumerate(buys, start=1)
    ]
    position = {
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": quantity,
        "entry_price": entry,
        "leverage": DEMO_ACCOUNT_LEVERAGE,
    }
    return {
        "provider": Provider.BINANCE_FUTURES.value,
        "api_key": DEMO_EXCHANGE_KEY,
        "api_secret": DEMO_EXCHANGE_SECRET,
        "can_withdraw": False,
        "cash": DEMO_ACCOUNT_CASH,
        "positions": [position],
        "fills": fills,
    }


def seed_connected_account(user_id: str, exchange: SimulatedExchange) -> Account:
    """Sets the demo's account on the simulated exchange, then connects it as a user would: the production
    Binance client checks its keys over loopback, so the simulated market must be listening."""
    exchange.configure(demo_exchange_account(utc_now()))
    credentials = ApiCredentials(DEMO_EXCHANGE_KEY, DEMO_EXCHANGE_SECRET)
    return accounts.connect(user_id, Provider.BINANCE_FUTURES, credentials, label=DEMO_ACCOUNT_LABEL)


def seed(user_id: str, exchange: SimulatedExchange) -> None:
    seed_portfolio(user_id)
    seed_connected_account(user_id, exchange)
    now = utc_now()
    emergency = _goal(
        user_id,
        {
            "name": "Emergency Fund",
            "description": "Build a 6-month emergency fund",
            "type": "emergency_fund",
            "target_amount": Decimal(12000),
            "current_amount": Decimal(1000),
            "deadline": (now + timedelta(days=300)).date().isoformat(),
            "tags": ["category:savings"],
            "milestones": [
                {"amount": Decimal(3000), "description": "First 3k"},
                {"amount": Decimal(6000), "description": "Halfway"},
            ],
        },
    )
    # Two months of contributions: the summary's pace comes from these; the last passes a milestone and 25 %.
    for days_ago, amount in ((60, 500), (45, 600), (30, 550), (15, 700), (0, 800)):
        progress.record_progress(
            user_id,
            emergency.id,
            value=None,
            contribution=Decimal(amount),
            period_date=(now - timedelta(days=days_ago)).date(),
            notes="Payday transfer",
        )
    funding.link_account(
        user_id,
        emergency.id,
        FundingSource(account_id="savings_001", account_name="High Yield Savings", allocation_percent=Decimal(60)),
    )
    funding.link_account(
        user_id,
        emergency.id,
        FundingSource(account_id="checking_001", account_name="Checking", allocation_percent=Decimal(40)),
    )
    _goal(
        user_id,
        {
            "name": "Pay off the car loan",
            "type": "debt_payoff",
            "target_amount": Decimal(0),
            "current_amount": Decimal(8500),
            "deadline": (now + timedelta(days=500)).date().isoformat(),
            "tags": ["debt:car"],
        },
    )
    _goal(
        user_id,
        {"name": "House down payment", "type": "down_payment", "target_amount": Decimal(60000), "status": "paused"},
    )
    # This month's budget: moves the car loan (debt:car) and is what templates use when no budget is sent.
    plans.sync_from_budget(
        user_id,
        BudgetSnapshot(
            period_year=now.year,
            period_month=now.month,
            total_income=Decimal(6000),
            monthly_expenses=Decimal(4200),
            category_totals={"housing": Decimal(1800), "food": Decimal(700)},
            debts=[Debt(id="car", name="Car loan", balance=Decimal(8100))],
        ),
    )
