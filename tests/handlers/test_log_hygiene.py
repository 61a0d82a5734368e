"""Logs never carry a caller's token or the market-data secret, also when things go wrong."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.observability import logger
from infra.local.aws import LOCAL_ALPACA_CREDENTIALS
from tests.handlers.conftest import Api
from tests.handlers.test_portfolio_api import open_position

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ"


class Logged:
    def __init__(self, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
        self.caplog, self.capsys = caplog, capsys

    def text(self) -> str:
        captured = self.capsys.readouterr()
        records = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in self.caplog.records)
        return "\n".join((captured.out, captured.err, self.caplog.text, records))


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Any:
    """Debug level for the test: whatever the handlers could ever log is in the captured output."""
    previous = logger.log_level
    logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="goalpost")  # our logs (botocore logs at WARNING in Lambda)
    yield Logged(caplog, capsys)
    logger.setLevel(previous)


def test_a_failing_request_logs_neither_its_token_nor_its_body_secrets(api: Api, everything_logged: Any) -> None:
    headers = {"authorization": f"Bearer {TOKEN}"}
    api.post("/goals", {"name": "n", "type": "savings", "target_amount": 5}, headers=headers)
    goalpost_aws.client("dynamodb").delete_table(TableName="test-data")
    reply = api.get("/goals", headers=headers)
    assert reply.status == 500
    logged = everything_logged.text()
    assert "Unhandled error" in logged  # the failure itself is logged, with its traceback...
    assert TOKEN not in logged  # ...but never the caller's token
    assert TOKEN.split(".")[2] not in logged


def test_market_failures_never_log_the_provider_keys(api: Api, market: Any, everything_logged: Any) -> None:
    open_position("alice", "AAPL", "1", "100")
    for fault in ("error", "garbage", "rate_limit"):
        market.configure({"prices": {"AAPL": 1}, "fault": fault})
        api.post("/prices/refresh", groups=["admin"])
    logged = everything_logged.text()
    assert "Price update had provider errors" in logged
    for secret in LOCAL_ALPACA_CREDENTIALS:
        assert secret not in logged
