"""A connected account's secret (and its full API key) never leave the provider calls: through connect, list,
get, sync (done, refused, every kind of provider fault), the sync job's worker and disconnect, neither appears
in a log line, an answer's body or headers, an SNS message, an EMF metric or any DynamoDB item, and the
objects that hold it print without it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from goalpost import aws as goalpost_aws
from goalpost.domain.accounts import ApiCredentials, Provider
from goalpost.edges.accounts import vault
from goalpost.edges.accounts.providers import client_for
from goalpost.observability import logger
from goalpost.settings import reset_settings
from infra.local.aws import published
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, Reply, registry

FAULTS = ("error", "timeout", "garbage", "rate_limit", "redirect")


def distinctive(name: str) -> str:
    """A string that cannot turn up by chance: when it is found, it leaked."""
    return f"{name}Zq{uuid4().hex}Xv"


class Leaks:
    """Everything Goalpost let out while the test ran, as text: the answers and the captured output."""

    def __init__(self, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
        self.caplog, self.capsys = caplog, capsys
        self.answers: list[str] = []
        self.output: list[str] = []

    def answer(self, reply: Reply) -> Reply:
        self.answers.append(f"{reply.status} {reply.headers} {reply.body}")
        return reply

    def synced(self, api: Api, account_id: str) -> dict[str, Any]:
        """``POST /accounts/{id}/sync``'s summary."""
        reply = self.answer(api.post(f"/accounts/{account_id}/sync"))
        assert reply.status == 200, reply.body
        return dict(reply.body)

    def logged(self) -> str:
        """The captured stdout (Powertools' JSON log lines and EMF metrics) and stderr, and every log record
        with all its attributes (extra fields, exception info)."""
        captured = self.capsys.readouterr()
        self.output += [captured.out, captured.err]
        records = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in self.caplog.records)
        return "\n".join((*self.output, self.caplog.text, records))


# A completed sync logs its summary with extra={"created": ...}, a LogRecord attribute: at INFO or below (the
# deployed default: no POWERTOOLS_LOG_LEVEL is set) logging it raises KeyError, and the sync answers 500.
SUMMARY_LOG_BUG = pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="services/account_sync.py _count logs extra 'created' (a LogRecord attribute): KeyError at INFO",
)


@pytest.fixture(
    params=[pytest.param(logging.DEBUG, marks=SUMMARY_LOG_BUG, id="debug"), pytest.param(logging.WARNING, id="warning")]
)
def leaks(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Leaks]:
    """EMF metrics on, and logs at the level given (debug: whatever the code could ever log is captured)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    previous = logger.log_level
    logger.setLevel(request.param)
    caplog.set_level(request.param)
    yield Leaks(caplog, capsys)
    logger.setLevel(previous)


@pytest.fixture
def exchange(market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulated market with every account client pointed at it too; no waiting out a Retry-After."""
    for name in ("BINANCE_API_URL", "BINANCE_FUTURES_URL", "ALPACA_TRADING_URL", "ALPACA_PAPER_URL"):
        monkeypatch.setenv(name, market.url)
    monkeypatch.setenv("GOALPOST_MARKET_BACKOFF_CAP_SECONDS", "0")
    reset_settings()
    goalpost_aws.reset_clients()
    vault.forget_opened()
    yield market.exchange
    vault.forget_opened()


def stored_items() -> str:
    """Every item of every DynamoDB table, as text."""
    dynamodb = goalpost_aws.client("dynamodb")
    items = []
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            items += [f"{table} {item}" for item in page["Items"]]
    return "\n".join(items)


def published_messages() -> str:
    return "\n".join(repr(message) for message in published.all())


def simulated(exchange: Any, provider: str, key: str, secret: str, **fields: Any) -> dict[str, Any]:
    """Sets the account on the simulated exchange; returns the body that connects it."""
    exchange.configure({"provider": provider, "api_key": key, "api_secret": secret, "cash": 1000, **fields})
    return {"provider": provider, "api_key": key, "api_secret": secret}


def test_the_secret_and_the_key_appear_nowhere_goalpost_writes(
    api: Api, exchange: Any, simulated_market: Any, leaks: Leaks
) -> None:
    keys = {name: distinctive(f"{name}Key") for name in ("binance", "alpaca", "faulty", "withdrawing")}
    secrets = {name: distinctive(f"{name}Secret") for name in keys}
    wrong_secret = distinctive("wrongSecret")
    held = [{"symbol": "BTCUSDT", "side": "LONG", "quantity": 1, "entry_price": 50000, "leverage": 5}]
    binance = simulated(exchange, "binance_futures", keys["binance"], secrets["binance"], positions=held)
    alpaca = simulated(exchange, "alpaca", keys["alpaca"], secrets["alpaca"], positions=[{**held[0], "symbol": "AAPL"}])
    faulty = simulated(exchange, "binance_futures", keys["faulty"], secrets["faulty"])
    withdrawing = simulated(exchange, "binance_futures", keys["withdrawing"], secrets["withdrawing"], can_withdraw=True)

    # Connect: refused keys, a key that may withdraw, a provider down in every way, then the two that work.
    assert leaks.answer(api.post("/accounts", {**alpaca, "api_secret": wrong_secret})).status == 400
    assert leaks.answer(api.post("/accounts", withdrawing)).status == 400
    for fault in FAULTS:
        simulated_market.configure({"fault": fault})
        try:
            assert leaks.answer(api.post("/accounts", faulty)).status == 502, fault
        finally:
            simulated_market.configure({"fault": None})
    futures = leaks.answer(api.post("/accounts", {**binance, "label": "futures"})).body
    paper = leaks.answer(api.post("/accounts", {**alpaca, "paper": True})).body
    assert leaks.answer(api.post("/accounts", binance)).status == 409
    assert leaks.answer(api.get("/accounts")).status == 200
    for account in (futures, paper):
        assert leaks.answer(api.get(f"/accounts/{account['id']}")).status == 200

    # Sync: done (a position created, then closed by a take-profit: an alert published), refused, faulty.
    for account in (futures, paper):
        assert leaks.synced(api, account["id"])["errors"] == []
    take_profit = {
        "order_id": "9001", "symbol": "BTCUSDT", "side": "SELL", "quantity": 1, "price": 52000, "fee": 1,
        "time": datetime.now(UTC).isoformat(), "order_type": "TAKE_PROFIT_MARKET",
    }  # fmt: skip
    exchange.configure({**binance, "positions": [], "fills": [take_profit]})
    assert leaks.synced(api, futures["id"])["closed"] == 1
    exchange.configure({**binance, "api_secret": wrong_secret})  # the user rotated the secret on Binance
    refused = leaks.synced(api, futures["id"])
    assert refused["errors"] == ["the provider refused these keys"]
    exchange.configure(binance)
    for fault in FAULTS:
        simulated_market.configure({"fault": fault})
        try:
            for account in (futures, paper):
                assert leaks.synced(api, account["id"])["errors"], fault
        finally:
            simulated_market.configure({"fault": None})

    # The job: its coordinator queues the shards, its worker opens the keys and syncs every account.
    summary = JobRunner(registry, retry_after_seconds=0).run("account_sync", datetime.now(UTC))
    assert summary["worker"]["failed"] == 0
    leaks.answers.append(repr(summary))

    items = stored_items()  # before disconnecting: the sealed credentials are stored now
    for account in (futures, paper):
        assert leaks.answer(api.delete(f"/accounts/{account['id']}")).status == 204
    items += "\n" + stored_items()

    logged = leaks.logged()
    messages = published_messages()
    # What is searched holds what it should, so that finding nothing means something.
    assert "Provider unavailable" in logged
    assert '"AccountsConnected"' in logged  # an EMF line
    assert "position_closed" in messages
    assert futures["id"] in items
    answers = "\n".join(leaks.answers)
    assert keys["binance"][-4:] in answers  # the key hint is shown, nothing more
    places = {"logs and metrics": logged, "answers": answers, "SNS messages": messages, "DynamoDB items": items}
    for where, text in places.items():
        for secret in (*secrets.values(), wrong_secret, *keys.values()):
            assert secret not in text, f"{secret[:12]}... found in the {where}"


@pytest.mark.parametrize("provider", list(Provider))
def test_credentials_and_clients_print_without_the_secret(provider: Provider) -> None:
    key, secret = distinctive("key"), distinctive("secret")
    credentials = ApiCredentials(key, secret)
    client = client_for(provider, credentials, paper=provider == Provider.ALPACA)
    for shown in (repr(credentials), str(credentials), repr(client), str(client), f"{client!r} {credentials}"):
        assert secret not in shown
        assert key not in shown
        assert key[-4:] in shown
