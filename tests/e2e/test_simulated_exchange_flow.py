"""PUT /_local/exchange on the running local server, then the account read back over the simulated Binance
endpoint it set, with a request signed here as Binance wants it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
KEY, SECRET = "e2e-binance-key", "e2e-binance-secret-never-echoed"
ACCOUNT = {
    "provider": "binance_futures",
    "api_key": KEY,
    "api_secret": SECRET,
    "can_withdraw": False,
    "cash": 10000.0,
    "positions": [{"symbol": "BTCUSDT", "side": "SHORT", "quantity": 0.5, "entry_price": 50000, "leverage": 10}],
    "fills": [],
}


def signed(path: str, params: dict[str, str]) -> str:
    query = urlencode({**params, "timestamp": int(time.time() * 1000), "recvWindow": 5000})
    return f"{path}?{query}&signature={hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()}"


def test_an_account_put_is_read_back_over_the_signed_endpoint(http: Client) -> None:
    stored = http.request("PUT", "/_local/exchange", ACCOUNT)
    assert stored.status == 200
    assert SECRET not in stored.text
    assert (stored.json["api_key"], stored.json["cash"]) == (KEY, 10000.0)
    exchange = Client(stored.json["base_url"])
    reply = exchange.request("GET", signed("/fapi/v2/positionRisk", {}), headers={"X-MBX-APIKEY": KEY})
    assert reply.status == 200
    [position] = reply.json
    assert (position["symbol"], position["positionAmt"], position["entryPrice"]) == ("BTCUSDT", "-0.5", "50000")
    assert "x-mbx-used-weight-1m" in reply.headers
    refused = exchange.request("GET", signed("/fapi/v2/account", {}), headers={"X-MBX-APIKEY": "never-set"})
    assert (refused.status, refused.json["code"]) == (401, -2015)


def test_numbers_keep_every_digit_and_a_fault_answers_for_the_key(http: Client) -> None:
    account = {
        **ACCOUNT,
        "api_key": "e2e-exact-key",
        "positions": [{"symbol": "ETHUSDT", "side": "LONG", "quantity": 0.123456789, "entry_price": "ENTRY"}],
    }
    # A JSON number with more digits than a float holds, as a client would send it.
    exact = json.dumps(account).replace('"ENTRY"', "3000.123456789012345").encode()
    exchange = Client(http.request("PUT", "/_local/exchange", raw=exact).json["base_url"])
    headers = {"X-MBX-APIKEY": "e2e-exact-key"}
    [position] = exchange.request("GET", signed("/fapi/v2/positionRisk", {}), headers=headers).json
    assert (position["positionAmt"], position["entryPrice"]) == ("0.123456789", "3000.123456789012345")
    faulty = {"provider": "binance_futures", "api_key": "e2e-exact-key", "api_secret": SECRET, "fault": "error"}
    assert http.request("PUT", "/_local/exchange", faulty).status == 200
    assert exchange.request("GET", signed("/fapi/v2/account", {}), headers=headers).status == 500
    other = exchange.request("GET", signed("/fapi/v2/account", {}), headers={"X-MBX-APIKEY": KEY})
    assert other.status in (200, 401)  # another key is not touched by this one's fault


def test_a_bad_exchange_body_is_a_422_that_says_why(http: Client) -> None:
    reply = http.request("PUT", "/_local/exchange", {**ACCOUNT, "provider": "kraken"})
    assert reply.status == 422
    assert "provider" in reply.json["detail"]
    assert http.request("PUT", "/_local/exchange", {**ACCOUNT, "cash": "lots"}).status == 422
