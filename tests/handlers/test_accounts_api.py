"""The connected accounts API over moto and the simulated exchange: the real handlers and the real account
clients, which talk over loopback to the simulated Binance and Alpaca endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from goalpost import aws as goalpost_aws
from goalpost.data import keys
from goalpost.domain.clock import iso
from goalpost.domain.ids import new_id
from goalpost.services import fanout
from goalpost.settings import get_settings, reset_settings
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry

REFUSED = "the provider refused these keys"


@pytest.fixture
def exchange(market: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulated exchange, which every provider client is pointed at (``point_at_market``)."""
    return market.exchange


def simulated_account(exchange: Any, provider: str = "binance_futures", **fields: Any) -> dict[str, Any]:
    """An account on the simulated exchange under fresh keys (the simulator keeps accounts between tests);
    returns the body that connects it."""
    key, secret = f"key-{new_id()}", f"secret-{new_id()}"
    exchange.configure({"provider": provider, "api_key": key, "api_secret": secret, "cash": 1000, **fields})
    return {"provider": provider, "api_key": key, "api_secret": secret}


def connected(api: Api, exchange: Any, user: str = "alice", **body: Any) -> dict[str, Any]:
    reply = api.post("/accounts", {**simulated_account(exchange), **body}, user=user)
    assert reply.status == 201, reply.body
    return dict(reply.body)


ACCOUNT_FIELDS = {
    "id", "provider", "label", "key_hint", "paper", "status", "cash", "last_synced_at", "last_error", "created_at",
}  # fmt: skip


def test_connecting_a_binance_account_answers_it_without_the_secret(api: Api, exchange: Any) -> None:
    body = {**simulated_account(exchange), "label": "Main futures"}
    reply = api.post("/accounts", body)
    assert reply.status == 201, reply.body
    account = reply.body
    assert set(account) == ACCOUNT_FIELDS
    assert account["provider"] == "binance_futures"
    assert account["label"] == "Main futures"
    assert account["key_hint"] == body["api_key"][-4:]
    assert (account["paper"], account["status"], account["last_error"]) == (False, "active", None)
    text = str(reply.body)
    assert body["api_secret"] not in text
    assert body["api_key"] not in text
    assert api.get(f"/accounts/{account['id']}").body == account


def test_connecting_an_alpaca_paper_account(api: Api, exchange: Any) -> None:
    reply = api.post("/accounts", {**simulated_account(exchange, "alpaca"), "paper": True})
    assert reply.status == 201, reply.body
    assert (reply.body["provider"], reply.body["paper"]) == ("alpaca", True)


def test_keys_the_provider_refuses_are_400(api: Api, exchange: Any) -> None:
    unknown = {"provider": "binance_futures", "api_key": f"key-{new_id()}", "api_secret": "whatever"}
    wrong_secret = {**simulated_account(exchange, "alpaca"), "api_secret": "not-the-secret"}
    for body in (unknown, wrong_secret):
        reply = api.post("/accounts", body)
        assert (reply.status, reply.body) == (400, {"detail": REFUSED}), body
    assert api.get("/accounts").body == []


def test_a_binance_key_that_may_withdraw_is_400(api: Api, exchange: Any) -> None:
    reply = api.post("/accounts", simulated_account(exchange, can_withdraw=True))
    assert reply.status == 400
    assert "read-only" in reply.body["detail"]
    assert api.get("/accounts").body == []


@pytest.mark.parametrize("provider", ["binance_futures", "alpaca"])
def test_a_provider_that_cannot_answer_is_502_and_connects_nothing(api: Api, exchange: Any, provider: str) -> None:
    reply = api.post("/accounts", simulated_account(exchange, provider, fault="error"))
    assert reply.status == 502, reply.body
    assert api.get("/accounts").body == []


def test_a_rate_limited_provider_is_502_with_its_retry_after(
    api: Api, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "weight_limit", 0)  # every signed request is past the minute's limit
    monkeypatch.setenv("GOALPOST_MARKET_BACKOFF_CAP_SECONDS", "0")  # no waiting out its Retry-After here
    reset_settings()
    reply = api.post("/accounts", simulated_account(exchange))
    assert reply.status == 502, reply.body
    assert 1 <= int(reply.headers["retry-after"]) <= 60
    assert api.get("/accounts").body == []


def test_the_same_key_twice_is_409_whoever_connects_it(api: Api, exchange: Any) -> None:
    body = simulated_account(exchange)
    assert api.post("/accounts", body).status == 201
    assert api.post("/accounts", body).status == 409
    assert api.post("/accounts", {**body, "label": "again"}, user="bob").status == 409
    assert len(api.get("/accounts").body) == 1
    assert api.get("/accounts", user="bob").body == []


@pytest.mark.parametrize(
    "change",
    [
        {"provider": "kraken"},
        {"api_key": None},
        {"api_key": ""},
        {"api_key": "k" * 257},
        {"api_key": "has space"},
        {"api_secret": "line\nbreak"},
        {"api_key": "kéy"},  # not ASCII: no HTTP header carries it to the provider
        {"api_secret": "s\u2028ecret"},
        {"api_secret": 12345},
        {"label": "bell\x07"},
        {"label": "x" * 101},
        {"paper": "yes"},
        {"user_id": "bob"},
    ],
)
def test_bad_input_is_422_and_asks_no_provider(api: Api, exchange: Any, change: dict[str, Any]) -> None:
    body = {**simulated_account(exchange), **change}
    body = {name: value for name, value in body.items() if value is not None}
    reply = api.post("/accounts", body)
    assert reply.status == 422, reply.body
    assert api.get("/accounts").body == []


def test_list_and_get_show_only_the_callers_accounts(api: Api, exchange: Any) -> None:
    first = connected(api, exchange)
    second = connected(api, exchange, label="second")
    theirs = connected(api, exchange, user="bob")
    listed = api.get("/accounts").body
    assert sorted(a["id"] for a in listed) == sorted([first["id"], second["id"]])
    assert api.get(f"/accounts/{first['id']}").body == first
    assert api.get(f"/accounts/{theirs['id']}").status == 404
    assert api.get(f"/accounts/{new_id()}").status == 404


def test_another_users_account_is_404_to_delete(api: Api, exchange: Any) -> None:
    theirs = connected(api, exchange, user="bob")
    assert api.delete(f"/accounts/{theirs['id']}").status == 404
    assert api.delete(f"/accounts/{new_id()}").status == 404
    assert api.get(f"/accounts/{theirs['id']}", user="bob").status == 200


def test_another_users_account_is_404_to_sync(api: Api, exchange: Any) -> None:
    theirs = connected(api, exchange, user="bob")
    assert api.post(f"/accounts/{theirs['id']}/sync").status == 404
    assert api.post(f"/accounts/{new_id()}/sync").status == 404
    assert api.get(f"/accounts/{theirs['id']}", user="bob").body["last_synced_at"] is None


def test_deleting_an_account_unlinks_its_positions_and_frees_the_key(api: Api, exchange: Any) -> None:
    body = simulated_account(exchange)
    account = api.post("/accounts", body).body
    opened = api.post("/positions", {"symbol": "BTCUSDT", "quantity": 1, "entry_price": 50000,
                                     "account_id": account["id"]})  # fmt: skip
    assert opened.status == 201, opened.body
    assert opened.body["account_id"] == account["id"]
    assert (reply := api.delete(f"/accounts/{account['id']}")).status == 204, reply.body
    position = api.get(f"/positions/{opened.body['id']}").body
    assert position["account_id"] is None
    assert position["source"] == opened.body["source"]
    assert api.get(f"/accounts/{account['id']}").status == 404
    assert api.delete(f"/accounts/{account['id']}").status == 404
    assert api.get("/accounts").body == []
    assert api.post("/accounts", body).status == 201  # the key may be connected again


def test_sync_now_answers_the_summary(api: Api, exchange: Any) -> None:
    held = {"symbol": "ETHUSDT", "side": "LONG", "quantity": 2, "entry_price": 3000, "leverage": 5}
    body = simulated_account(exchange, cash=10000, positions=[held])
    account = api.post("/accounts", body).body
    reply = api.post(f"/accounts/{account['id']}/sync")
    assert reply.status == 200, reply.body
    # Binance's cash: the wallet balance less the open position's margin, 3000 x 2 / 5.
    assert reply.body == {"created": 1, "updated": 0, "closed": 0, "cash": 8800, "errors": []}
    synced = api.get(f"/accounts/{account['id']}").body
    assert (synced["cash"], synced["last_error"]) == (8800, None)
    assert synced["last_synced_at"] is not None
    [position] = api.get("/positions", query={"status": "OPEN"}).body
    assert (position["account_id"], position["source"], position["symbol"]) == (account["id"], "exchange", "ETHUSDT")
    again = api.post(f"/accounts/{account['id']}/sync").body
    assert (again["created"], again["updated"], again["closed"], again["errors"]) == (0, 0, 0, [])


def test_a_sync_the_provider_fails_changes_nothing_and_says_why(api: Api, exchange: Any) -> None:
    body = simulated_account(exchange)
    account = api.post("/accounts", body).body
    exchange.configure({**body, "fault": "error"})
    reply = api.post(f"/accounts/{account['id']}/sync")
    assert reply.status == 200, reply.body
    assert (reply.body["created"], reply.body["closed"], reply.body["cash"]) == (0, 0, None)
    assert reply.body["errors"]
    synced = api.get(f"/accounts/{account['id']}").body
    assert synced["last_error"]
    assert (synced["cash"], synced["status"]) == (None, "active")
    assert api.get("/positions").body == []


def test_the_account_sync_job_queues_every_shard_and_its_worker_syncs_the_accounts(api: Api, exchange: Any) -> None:
    held = {"symbol": "AAPL", "side": "LONG", "quantity": 3, "entry_price": 150, "leverage": 1}
    alice = api.post("/accounts", simulated_account(exchange, "alpaca", cash=500, positions=[held])).body
    bob = api.post("/accounts", simulated_account(exchange), user="bob").body
    moment = datetime.now(UTC).replace(microsecond=0)
    summary = JobRunner(registry, retry_after_seconds=0).run("account_sync", moment)  # POST /_local/jobs/account_sync
    assert (summary["shards"], summary["messages"]) == (keys.ACCOUNT_SHARDS, keys.ACCOUNT_SHARDS)
    assert summary["send_requests"] == keys.ACCOUNT_SHARDS // 10 + 1  # SendMessageBatch takes 10
    assert (summary["worker"]["messages"], summary["worker"]["failed"]) == (keys.ACCOUNT_SHARDS, 0)
    assert api.get(f"/accounts/{alice['id']}").body["cash"] == 500
    assert api.get(f"/accounts/{bob['id']}", user="bob").body["last_synced_at"] is not None
    [position] = api.get("/positions").body
    assert (position["account_id"], position["quantity"], position["source"]) == (alice["id"], 3, "exchange")


def test_the_coordinator_queues_one_moment_and_shard_per_message(api: Api) -> None:
    moment = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert fanout.queue_account_sync(moment)["messages"] == keys.ACCOUNT_SHARDS
    sqs = goalpost_aws.client("sqs")
    url = get_settings().account_sync_queue_url
    bodies: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in messages]
    assert sorted(b["shard"] for b in bodies) == list(range(keys.ACCOUNT_SHARDS))
    assert {json.dumps(sorted(b)) for b in bodies} == {json.dumps(["moment", "shard"])}
    assert {b["moment"] for b in bodies} == {iso(moment)}
