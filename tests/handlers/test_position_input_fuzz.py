"""Any JSON sent to the r2 position routes is answered with a 2xx, 404 or 422, never a 5xx, and a refused
request changes nothing: Hypothesis bodies built from the fields, the bots' aliases and the fields that must be
refused, with values of every JSON type, near-miss text (``#``, control characters, long strings) and
boundary numbers. (The schemathesis run in tests/e2e/test_contract_fuzz.py covers every route from the
document; this one aims at the names and values the document cannot describe.)"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.depth import scaled
from tests.handlers.conftest import Api
from tests.handlers.test_position_lifecycle import PENDING, counted, create

CREATE_FIELDS = (
    "symbol", "side", "quantity", "entry_price", "entry_time", "leverage", "stop_loss", "take_profit",
    "trailing_stop_percent", "max_duration_minutes", "strategy", "fees_paid", "status", "bot_id", "prompt_id",
    "subscription_id", "confidence", "reason", "order_id", "account_id", "position_side", "strategy_used",
    "action", "risk_reward_ratio", "user_id", "user_principal_id", "source", "parent_id",
)  # fmt: skip
FILL_FIELDS = ("entry_price", "entry_time", "quantity", "failed", "reason", "status")
TEXT = st.one_of(
    st.sampled_from(["LONG", "SHORT", "BUY", "SELL", "OPEN", "PENDING", "CLOSED", "BTCUSDT", "bot#1", "a\x00b", ""]),
    st.text(max_size=30),
    st.just("x" * 2001),
    st.sampled_from(["2026-01-01", "2026-01-01T00:00:00Z", "yesterday", "1e400"]),
)
NUMBER = st.one_of(
    st.sampled_from([0, -1, 1, 100, 100.5, 125, 126, 49000, 50000, 53000, 10**13, 1e-13]),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUE = st.one_of(st.none(), st.booleans(), NUMBER, TEXT, st.lists(st.integers(), max_size=2), st.just({}))


def bodies(fields: tuple[str, ...], base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid-looking base with some fields changed, dropped or added."""
    changes = st.dictionaries(st.sampled_from(fields), VALUE, max_size=5)
    dropped = st.sets(st.sampled_from(sorted(base)), max_size=2) if base else st.just(set())
    return st.builds(lambda c, d: {**{k: v for k, v in base.items() if k not in d}, **c}, changes, dropped)


FUZZ = settings(
    max_examples=scaled(40, 400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=bodies(CREATE_FIELDS, {"symbol": "BTCUSDT", "quantity": 0.5, "entry_price": 50000}))
def test_any_create_body_is_answered_without_a_server_error(api: Api, body: dict[str, Any]) -> None:
    before = len(api.get("/positions", query={"limit": 100}).body)
    reply = api.post("/positions", body)
    assert reply.status in (201, 404, 422), (body, reply.status, reply.body)
    after = len(api.get("/positions", query={"limit": 100}).body)
    assert after == before + (1 if reply.status == 201 else 0)


@FUZZ
@given(body=bodies(FILL_FIELDS, {}), route=st.sampled_from(["fill", "cancel"]))
def test_any_fill_or_cancel_body_is_answered_without_a_server_error(api: Api, body: dict[str, Any], route: str) -> None:
    order = create(api, PENDING)
    before = counted()
    reply = api.post(f"/positions/{order['id']}/{route}", body)
    assert reply.status in (200, 422), (route, body, reply.status, reply.body)
    status = api.get(f"/positions/{order['id']}").body["status"]
    if reply.status == 422:
        assert status == "PENDING"
        assert counted() == before
    else:
        assert status == reply.body["status"]
        opened = 1 if status == "OPEN" else 0
        assert counted() == tuple(n + opened for n in before)
