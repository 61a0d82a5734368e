"""End to end over HTTP: a bot's trades show up per bot and per prompt in GET /performance, one filter at a
time, and a delete takes a trade out of every group it counted in (API.md, "Performance metrics", r2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import FAST_MARKET, Client, start_server, stop_server

pytestmark = pytest.mark.e2e
MAPS = {"by_strategy", "by_bot", "by_prompt"}


@pytest.fixture(scope="module")
def api() -> Iterator[Client]:
    running = start_server("--schedules", "off", env=FAST_MARKET)
    yield running.client
    stop_server(running)


def closed_trade(client: Client, token: str, exit_price: float, **fields: Any) -> str:
    body = {"symbol": "E2EPERF", "quantity": 2, "entry_price": 100, **fields}
    opened = client.request("POST", "/positions", body, token=token)
    assert opened.status == 201, opened.text
    position_id = str(opened.json["id"])
    closed = client.request("POST", f"/positions/{position_id}/close", {"exit_price": exit_price}, token=token)
    assert closed.status == 200, closed.text
    return position_id


def performance(client: Client, token: str, query: str = "") -> dict[str, Any]:
    reply = client.request("GET", f"/performance{query}", token=token)
    assert reply.status == 200, reply.text
    return dict(reply.json)


def test_a_bots_trades_per_bot_and_per_prompt(api: Client) -> None:
    token = api.token("e2e-perf-bots")
    closed_trade(api, token, 110, bot_id="grid-1", prompt_id="momentum-v2", strategy="grid", fees_paid=1)  # +19
    closed_trade(api, token, 95, bot_id="grid-1", prompt_id="momentum-v3", strategy="grid")  # -10
    mistaken = closed_trade(api, token, 150, bot_id="scalper", prompt_id="momentum-v2")  # +100, then deleted
    assert api.request("DELETE", f"/positions/{mistaken}", token=token).status == 204

    stats = performance(api, token)
    assert (stats["total_trades"], stats["total_pnl"], stats["total_fees"]) == (2, 9, 1)
    assert (stats["expectancy"], stats["expectancy_ratio"]) == (4.5, 0.45)  # 4.5 / |-10|
    assert set(stats["by_bot"]) == {"grid-1"}  # the scalper's only trade was deleted
    assert {name: m["total_pnl"] for name, m in stats["by_prompt"].items()} == {"momentum-v2": 19, "momentum-v3": -10}
    assert set(stats["by_strategy"]) == {"grid"}
    assert all(set(group) == set(stats) - MAPS for kind in MAPS for group in stats[kind].values())

    grid = performance(api, token, "?bot_id=grid-1")
    assert (grid["bot_id"], grid["total_trades"], set(grid["by_bot"]), grid["by_prompt"]) == (
        "grid-1",
        2,
        {"grid-1"},
        {},
    )
    v3 = performance(api, token, "?prompt_id=momentum-v3")
    assert (v3["prompt_id"], v3["total_trades"], v3["win_rate"]) == ("momentum-v3", 1, 0)
    both = api.request("GET", "/performance?bot_id=grid-1&prompt_id=momentum-v3", token=token)
    assert both.status == 400
    assert "bot_id and prompt_id" in both.json["detail"]
    assert performance(api, api.token("e2e-perf-stranger"))["by_bot"] == {}
