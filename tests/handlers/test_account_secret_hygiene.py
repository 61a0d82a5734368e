"""A connected account's secret (and its full API key) never leave the provider calls: through connect, list,
get, sync (done, refused, every kind of provider fault), the sync job's worker and disconnect, neither appears
in a log line, an answer's body or headers, an SNS message, an EMF metric or any DynamoDB item, and the
objects that hold it print without it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
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


def capturing(level: int, caplog: pytest.LogCaptureFixture, capsys: Any, monkeypatch: Any) -> Iterator[Leaks]:
    """EMF metrics on, and our logs at ``level`` (debug: whatever the code could ever log is captured)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    previous = logger.log_level
    logger.setLevel(level)
    caplog.set_level(level, logger="goalpost")  # as in Lambda, botocore's own logs stay at WARNING
    yield Leaks(caplog, capsys)
    logger.setLevel(previous)


@pytest.fixture(params=[pytest.param(logging.DEBUG, id="debug"), pytest.param(logging.WARNING, id="warning")])
def leaks(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Leaks]:
    yield from capturing(request.param, caplog, capsys, monkeypatch)


@pytest.fixture
def exchange(market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulated exchange (every provider client is pointed at it: ``point_at_market``); no waiting out a
    Retry-After."""
    monkeypatch.setenv("GOALPOST_MARKET_BACKOFF_CAP_SECONDS", "0")
    reset_settings()
    goalpost_aws.reset_clients()
    vault.forget_opened()
    yield market.exchange
    vault.forget_opened()


def stored_items() -> list[dict[str, Any]]:
    """Every item of every DynamoDB table."""
    dynamodb = goalpost_aws.client("dynamodb")
    return [
        item
        for table in dynamodb.list_tables()["TableNames"]
        for page in dynamodb.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]


def sealed_credentials() -> list[bytes]:
    """The stored credentials: each only as its KMS ciphertext, a binary attribute."""
    return [item["credentials"]["B"] for item in stored_items() if "credentials" in item]


def published_messages() -> str:
    return "\n".join(repr(message) for message in published.all())


def under_each_fault(market: Any, call: Callable[[str], bool]) -> None:
    """``call(fault)`` (which must answer True) with the providers failing in each way in turn."""
    for fault in FAULTS:
        market.configure({"fault": fault})
        try:
            assert call(fault), fault
        finally:
            market.configure({"fault": None})


def simulated(exchange: Any, provider: str, key: str, secret: str, **fields: Any) -> dict[str, Any]:
    """Sets the account on the simulated exchange; returns the body that connects it."""
    exchange.configure({"provider": provider, "api_key": key, "api_secret": secret, "cash": 1000, **fields})
    return {"provider": provider, "api_key": key, "api_secret": secret}


def drive_every_account_path(api: Api, exchange: Any, market: Any, leaks: Leaks) -> None:
    """Connect (refused, may withdraw, every provider fault, accepted, duplicate), list, get, sync (refused,
    every provider fault, and done: a position created, then closed by a take-profit that
    publishes an alert, and the job's worker) and disconnect, under distinctive keys and secrets; then none of
    them, bar the key's last 4 characters, is in anything Goalpost wrote."""
    keys = {name: distinctive(f"{name}Key") for name in ("binance", "alpaca", "faulty", "withdrawing")}
    secrets = {name: distinctive(f"{name}Secret") for name in keys}
    wrong_secret = distinctive("wrongSecret")
    held = [{"symbol": "BTCUSDT", "side": "LONG", "quantity": 1, "entry_price": 50000, "leverage": 5}]
    binance = simulated(exchange, "binance_futures", keys["binance"], secrets["binance"], positions=held)
    alpaca = simulated(exchange, "alpaca", keys["alpaca"], secrets["alpaca"], positions=[{**held[0], "symbol": "AAPL"}])
    faulty = simulated(exchange, "binance_futures", keys["faulty"], secrets["faulty"])
    withdrawing = simulated(exchange, "binance_futures", keys["withdrawing"], secrets["withdrawing"], can_withdraw=True)

    assert leaks.answer(api.post("/accounts", {**alpaca, "api_secret": wrong_secret})).status == 400
    assert leaks.answer(api.post("/accounts", withdrawing)).status == 400
    under_each_fault(market, lambda fault: leaks.answer(api.post("/accounts", faulty)).status == 502)
    futures = leaks.answer(api.post("/accounts", {**binance, "label": "futures"})).body
    paper = leaks.answer(api.post("/accounts", {**alpaca, "paper": True})).body
    assert leaks.answer(api.post("/accounts", binance)).status == 409
    assert leaks.answer(api.get("/accounts")).status == 200
    for account in (futures, paper):
        assert leaks.answer(api.get(f"/accounts/{account['id']}")).status == 200

    for account in (futures, paper):
        assert leaks.synced(api, account["id"])["errors"] == []
    take_profit = {
        "order_id": "9001", "symbol": "BTCUSDT", "side": "SELL", "quantity": 1, "price": 52000, "fee": 1,
        "time": datetime.now(UTC).isoformat(), "order_type": "TAKE_PROFIT_MARKET",
    }  # fmt: skip
    exchange.configure({**binance, "positions": [], "fills": [take_profit]})
    assert leaks.synced(api, futures["id"])["closed"] == 1
    exchange.configure({**binance, "api_secret": wrong_secret})  # the user rotated the secret on Binance
    assert leaks.synced(api, futures["id"])["errors"] == ["the provider refused these keys"]
    exchange.configure(binance)
    under_each_fault(market, lambda fault: all(leaks.synced(api, a["id"])["errors"] for a in (futures, paper)))
    # The job: its coordinator queues the shards, its worker opens the keys and syncs every account.
    summary = JobRunner(registry, retry_after_seconds=0).run("account_sync", datetime.now(UTC))
    assert summary["worker"]["failed"] == 0
    leaks.answers.append(repr(summary))

    stored = stored_items()  # before disconnecting: the sealed credentials are stored now
    assert len(sealed_credentials()) == 2
    for account in (futures, paper):
        assert leaks.answer(api.delete(f"/accounts/{account['id']}")).status == 204
    assert sealed_credentials() == []  # the keys are destroyed
    items = "\n".join(map(str, stored + stored_items()))

    places = {
        "logs and metrics": leaks.logged(),
        "answers": "\n".join(leaks.answers),
        "SNS messages": published_messages(),
        "DynamoDB items": items,
    }
    # What is searched holds what it should, so that finding nothing means something.
    assert "Provider unavailable" in places["logs and metrics"]
    assert '"AccountsConnected"' in places["logs and metrics"]  # an EMF line
    assert keys["binance"][-4:] in places["answers"]  # the key hint is shown, nothing more
    assert futures["id"] in items
    assert "position_closed" in places["SNS messages"]
    for where, text in places.items():
        for hidden in (*secrets.values(), wrong_secret, *keys.values()):
            assert hidden not in text, f"{hidden[:12]}... found in the {where}"


def test_the_secret_and_the_key_appear_nowhere_goalpost_writes(
    api: Api, exchange: Any, simulated_market: Any, leaks: Leaks
) -> None:
    drive_every_account_path(api, exchange, simulated_market, leaks)


@pytest.mark.parametrize("provider", list(Provider))
def test_credentials_and_clients_print_without_the_secret(provider: Provider) -> None:
    key, secret = distinctive("key"), distinctive("secret")
    credentials = ApiCredentials(key, secret)
    client = client_for(provider, credentials, paper=provider == Provider.ALPACA)
    for shown in (repr(credentials), str(credentials), repr(client), str(client), f"{client!r} {credentials}"):
        assert secret not in shown
        assert key not in shown
        assert key[-4:] in shown
