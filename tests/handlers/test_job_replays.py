"""Every job run twice for the same scheduled moment — one after the other, and two at once — duplicates
nothing: no second snapshot, history row, close or alert, and nothing goes missing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from goalpost.data import keys
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, connect_simulated_account, registry
from tests.handlers.test_goals_api import stored_items

JOBS = ("price_update", "snapshot", "position_monitor", "end_of_day_goals", "deliver_alerts", "account_sync")


def state(api: Api) -> dict[str, Any]:
    """What a run may write, counted."""
    alerts = api.get("/alerts", query={"limit": 100}).body
    return {
        "alerts": sorted((a["alert_type"], a["goal_id"] or a["position_id"]) for a in alerts),
        "snapshots": len(api.get("/portfolio/snapshots", query={"limit": 100}).body),
        "history": len(stored_items("test-data", keys.trading_history_pk("alice", "portfolio_value"))),
        "positions": sorted((p["id"], p["status"]) for p in api.get("/positions").body),
        "entries": sum(len(api.get(f"/goals/{g['id']}/progress/history").body) for g in api.get("/goals").body),
    }


@pytest.fixture
def busy_user(api: Api, market: Any) -> None:
    """Cash, an open position whose take profit the next price crosses, goals near their deadline."""
    api.call("PUT", "/portfolio/cash", body={"cash_balance": 20000})
    api.post("/positions", {"symbol": "AAPL", "quantity": 10, "entry_price": 100, "take_profit": 110})
    api.post("/positions", {"symbol": "MSFT", "quantity": 5, "entry_price": 300})
    api.post("/goals", {"name": "Worth", "type": "portfolio_value", "target_amount": 30000})
    api.post("/goals", {"name": "Trip", "type": "savings", "target_amount": 5000,
                        "deadline": (datetime.now(UTC) + timedelta(days=3)).date().isoformat()})  # fmt: skip
    api.patch("/alerts/preferences", {"email": "alice@example.com", "timezone": "UTC",
                                      "quiet_hours_start": "00:00", "quiet_hours_end": "23:59"})  # fmt: skip
    market.configure({"prices": {"AAPL": 112, "MSFT": 305}})
    connect_simulated_account(market)  # the account sync creates its position


@pytest.mark.parametrize("job", JOBS)
def test_a_job_run_twice_for_the_same_moment_duplicates_nothing(api: Api, busy_user: None, job: str) -> None:
    runner = JobRunner(registry)
    moment = datetime.now(UTC).replace(second=0, microsecond=0)
    for earlier in JOBS[: JOBS.index(job)]:
        runner.run(earlier, moment)  # what the earlier jobs leave for this one
    runner.run(job, moment)
    once = state(api)
    if job == "account_sync":
        assert "BTCUSDT" in {p["symbol"] for p in api.get("/positions").body}
    runner.run(job, moment + timedelta(seconds=20))
    assert state(api) == once
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: JobRunner(registry).run(job, moment + timedelta(seconds=40)), range(2)))
    assert state(api) == once
