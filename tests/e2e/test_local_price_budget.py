"""The local server gives the price update the HTTP budget it has when deployed, so that a run against a
provider that times out still ends inside its 8-second timeout, as on Lambda, and reports the fault."""

from __future__ import annotations

import os

from goalpost import declaration
from tests.e2e.conftest import start_server, stop_server

MARKET_SETTINGS = declaration.SLOT_MARKET_SETTINGS["price-update"]


def test_a_price_update_against_a_provider_that_times_out_ends_inside_its_timeout() -> None:
    # The server's own defaults, not the tests' fast market settings.
    assert not [name for name in os.environ if name.startswith("GOALPOST_MARKET_")]
    server = start_server("--schedules", "off")
    try:
        api = server.client
        token = api.token("budget")
        assert api.request("PUT", "/_local/market", {"prices": {"AAPL": 100}}).status == 200
        opened = api.request("POST", "/positions", {"symbol": "AAPL", "quantity": 1, "entry_price": 90}, token=token)
        assert opened.status == 201, opened.text
        assert api.request("PUT", "/_local/market", {"fault": "timeout"}).status == 200
        run = api.request("POST", "/_local/jobs/price_update", {})
        assert run.status == 200, run.text
        assert declaration.JOBS_BY_NAME["price_update"].function.timeout_seconds == 8
        assert MARKET_SETTINGS["GOALPOST_MARKET_TIMEOUT_SECONDS"] == "2"
    finally:
        stop_server(server)
