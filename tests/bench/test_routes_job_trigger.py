"""POST /prices/refresh is the price_update job run on demand (API.md), so the route bench judges it as that job,
against the job's batching for the symbols it ran over, and never against the constant route goal: a run within
the batching is ok at any size, a run past it (a request per symbol where the job batches) is a miss."""

from __future__ import annotations

from collections import Counter
from typing import Any

from goalpost.data import keys
from tests.bench.report import routes_table
from tests.bench.routes import Call, Measured, price_update_budget, row, summary

REFRESH = Call("POST", "/prices/refresh", "every open symbol's price moves", admin=True)


def _refresh(symbols: int, requests: dict[str, int]) -> Measured:
    body = {"symbols": symbols, "changed": symbols, "monitor": {"symbols": symbols}}
    return Measured(
        REFRESH, "prices-api", 200, Counter({f"dynamodb.{k}": n for k, n in requests.items()}), None, {}, body
    )


def _price_update(symbols: int) -> dict[str, int]:
    """What the job's batching makes for ``symbols`` moved symbols (as the bench measured them)."""
    items = min(symbols, keys.PRICE_SHARDS)
    return {
        "BatchGetItem": -(-items // 100),
        "Query": keys.SYMBOL_SHARDS + 2 * symbols + keys.TIMEOUT_SHARDS,
        "UpdateItem": items,
    }


def _judged(small: Measured, large: Measured) -> dict[str, Any]:
    return summary([row("POST /prices/refresh", small, large)], {}, {"POST /prices/refresh"}, 5, 500, 1.0)


def test_the_refresh_within_the_jobs_batching_is_ok_though_it_grows_with_the_symbols() -> None:
    items = min(500, keys.PRICE_SHARDS)
    expected = keys.SYMBOL_SHARDS + -(-items // 100) + items + 2 * 500 + keys.TIMEOUT_SHARDS
    assert price_update_budget({"symbols": 500, "changed": 500}) == expected
    result = _judged(_refresh(5, _price_update(5)), _refresh(500, _price_update(500)))
    [judged] = result["routes"]
    assert judged["job_trigger"]["within"] is True
    assert (judged["small"], judged["large"]) == (28, expected)  # 1,271 with the 256 price items of issue 25
    assert result["over_goal"] == result["unequal"] == result["job_triggers_over_budget"] == []
    table = "\n".join(routes_table(result))
    assert " ok  POST /prices/refresh" in table
    assert "judged as the price_update job" in table
    assert "runs the price update now" in table  # the reason, under the table


def test_a_refresh_past_the_jobs_batching_is_a_miss() -> None:
    per_symbol = {**_price_update(500), "GetItem": 500}  # a read per symbol where the job batches them
    result = _judged(_refresh(5, _price_update(5)), _refresh(500, per_symbol))
    assert result["job_triggers_over_budget"] == ["POST /prices/refresh [every open symbol's price moves]"]
    assert " MISSPOST /prices/refresh" in "\n".join(routes_table(result))


def test_any_other_route_keeps_the_route_goal() -> None:
    call = Call("GET", "/portfolio/current")
    few = Measured(call, "portfolio-api", 200, Counter({"dynamodb.Query": 2}), None, {}, {"symbols": 5})
    many = Measured(call, "portfolio-api", 200, Counter({"dynamodb.Query": 4}), None, {}, {"symbols": 500})
    result = summary([row("GET /portfolio/current", few, many)], {}, {"GET /portfolio/current"}, 5, 500, 1.0)
    assert result["routes"][0]["job_trigger"] is None
    assert result["over_goal"] == result["unequal"] == ["GET /portfolio/current"]
