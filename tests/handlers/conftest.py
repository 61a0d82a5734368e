"""Handler tests: the real Lambda handlers, invoked with API Gateway payload 2.0 events, over moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from goalpost import declaration
from goalpost.domain.goals import Goal, GoalType
from goalpost.domain.ids import new_id
from infra.local.auth import api_gateway_claims
from infra.local.aws import LocalAws, published
from infra.local.lambdas import HandlerRegistry
from infra.local.routing import RouteTable, build_event

# Handler tests hold hundreds of items per request on a shared machine; the deployed timeouts are the local
# server's to enforce (tests/unit/test_local_timeouts.py), not a limit on how slow moto may be here.
registry = HandlerRegistry(timeout_scale=10)
_registry = registry
_routes = RouteTable()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    """Calls the declared handler for a route, as API Gateway would after its JWT authorizer."""

    def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = "alice",
        body: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        groups: list[str] | None = None,
        raw_body: str | bytes | None = None,
    ) -> Reply:
        match = _routes.match(method, path)
        assert match is not None, path
        claims = None
        if user is not None:
            claims = api_gateway_claims({"sub": user, **({"cognito:groups": groups} if groups else {})})
        payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        event = build_event(
            match=match,
            method=method,
            raw_path=path,
            raw_query=urlencode(query or {}),
            headers=[("content-type", "application/json"), *(headers or {}).items()],
            body=payload.encode() if isinstance(payload, str) else payload,
            source_ip="127.0.0.1",
            claims=claims,
            host="localhost",
        )
        result = _registry.invoke(match.function, event)
        text = result.get("body") or ""
        content_type = (result.get("headers") or {}).get("Content-Type", "")
        parsed = json.loads(text) if text and "json" in content_type else text
        return Reply(result["statusCode"], {k.lower(): v for k, v in (result.get("headers") or {}).items()}, parsed)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("POST", path, body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("PATCH", path, body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.call("DELETE", path, **kwargs)

    def run_job(self, name: str, event: dict[str, Any]) -> Any:
        return _registry.invoke(declaration.JOBS_BY_NAME[name].function, event)


def investment_goals(user: str, count: int, now: datetime, **fields: Any) -> list[Goal]:
    """``count`` goals of a type budget sync does not measure ("Goal 0", "Goal 1", ...), created ``now``;
    ``fields`` set the rest of each."""
    return [
        Goal(
            id=new_id(),
            user_id=user,
            name=f"Goal {n}",
            type=GoalType.INVESTMENT,
            target_amount=Decimal(1000 + n),
            current_amount=Decimal(n),
            start_amount=Decimal(0),
            created_at=now,
            updated_at=now,
            **fields,
        )
        for n in range(count)
    ]


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    with LocalAws(prefix="test") as local:
        yield local


@pytest.fixture
def api(aws: LocalAws) -> Api:
    return Api()


@pytest.fixture
def publishes() -> Any:
    return published


@pytest.fixture(scope="session")
def simulated_market() -> Iterator[Any]:
    from infra.local.aws import LOCAL_ALPACA_CREDENTIALS
    from infra.local.market import SimulatedMarket

    market = SimulatedMarket(timeout_delay_seconds=1.5, credentials=LOCAL_ALPACA_CREDENTIALS).start()
    yield market
    market.stop()


@pytest.fixture
def market(aws: LocalAws, simulated_market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulated market, reset, with the price clients pointed at it (short timeouts, no backoff)."""
    return point_at_market(simulated_market, monkeypatch)


def point_at_market(simulated_market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from goalpost import aws as goalpost_aws
    from goalpost.settings import reset_settings

    for name, value in {
        "ALPACA_DATA_URL": simulated_market.url,
        "BINANCE_FUTURES_URL": simulated_market.url,
        # The connected accounts' providers: the simulated exchange on the same server.
        "BINANCE_API_URL": simulated_market.url,
        "ALPACA_TRADING_URL": simulated_market.url,
        "ALPACA_PAPER_URL": simulated_market.url,
        "GOALPOST_MARKET_TIMEOUT_SECONDS": "0.5",
        "GOALPOST_MARKET_RETRIES": "1",
        "GOALPOST_MARKET_BACKOFF_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    goalpost_aws.reset_clients()
    simulated_market.configure({"prices": {}, "fault": None})
    return simulated_market


def connect_simulated_account(simulated_market: Any, user: str = "alice", **account: Any) -> str:
    """A Binance USD-M account on the simulated exchange (one BTCUSDT LONG unless ``account`` says otherwise),
    connected for ``user`` with the production client; its Goalpost id."""
    from goalpost.domain.accounts import ApiCredentials, Provider
    from goalpost.services import accounts

    body = {
        "provider": "binance_futures",
        "api_key": f"key{new_id()}",
        "api_secret": f"secret{new_id()}",
        "can_withdraw": False,
        "cash": 10000,
        "positions": [{"symbol": "BTCUSDT", "side": "LONG", "quantity": 1, "entry_price": 50000, "leverage": 5}],
        "fills": [],
        **account,
    }
    simulated_market.exchange.configure(body)
    credentials = ApiCredentials(body["api_key"], body["api_secret"])
    return accounts.connect(user, Provider.BINANCE_FUTURES, credentials, label="bot").id
