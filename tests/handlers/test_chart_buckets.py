"""Chart buckets (r2): every bucket that holds a snapshot has its point, whichever 5-minute slots were
recorded. Snapshots taken at any moment (a run asked for now) or a slot a run missed never empty a coarser
bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from goalpost.domain.charts import bucket_start
from infra.local.scheduler import JobRunner
from tests.handlers.conftest import Api, registry


def snapshots_at(api: Api, minutes_after: dict[int, int], base: datetime) -> None:
    """Cash set, then a snapshot run asked for at each moment (``base`` + minutes): never a closing slot."""
    for minutes, cash in minutes_after.items():
        api.call("PUT", "/portfolio/cash", body={"cash_balance": cash})
        JobRunner(registry).run("snapshot", base + timedelta(minutes=minutes))


def chart(api: Api, timeframe: str) -> list[tuple[datetime, int]]:
    points = api.get("/portfolio/performance", query={"timeframe": timeframe}).body["data_points"]
    return [(datetime.fromisoformat(p["timestamp"]), p["value"]) for p in points]


def test_four_snapshots_over_three_hours_are_four_points_on_the_coarser_charts(api: Api) -> None:
    base = bucket_start(datetime.now(UTC), timedelta(hours=3)) - timedelta(hours=6)
    snapshots_at(api, {7: 100, 12: 101, 67: 200, 127: 300, 187: 400}, base)
    hours = [base, base + timedelta(hours=1), base + timedelta(hours=2), base + timedelta(hours=3)]
    assert chart(api, "1W") == list(zip(hours, [101, 200, 300, 400], strict=True))
    assert chart(api, "1M") == list(zip(hours, [101, 200, 300, 400], strict=True))
    assert chart(api, "3M") == [(base, 300), (base + timedelta(hours=3), 400)]
    year = chart(api, "1Y")
    assert year[-1][1] == 400
    assert bucket_start(base, timedelta(days=1)) in [stamp for stamp, _ in year]


def test_a_missed_closing_slot_keeps_its_bucket_beside_the_recorded_closing_slots(api: Api) -> None:
    base = bucket_start(datetime.now(UTC), timedelta(hours=3)) - timedelta(hours=6)
    # 25 closes the first half hour (the slot 25..30); the second's closing slot (55) is missed.
    snapshots_at(api, {25: 10, 40: 20, 85: 30}, base)
    assert chart(api, "1W") == [
        (base, 10),
        (base + timedelta(minutes=30), 20),
        (base + timedelta(minutes=60), 30),
    ]
    assert chart(api, "1M") == [(base, 20), (base + timedelta(hours=1), 30)]


def test_a_chart_costs_its_tiers_query_and_the_live_value(api: Api) -> None:
    """The bucket in progress is an open bucket of the tier: no read of the latest snapshot besides."""
    from tests.handlers.test_request_counts import dynamodb_requests

    base = bucket_start(datetime.now(UTC), timedelta(hours=3)) - timedelta(hours=6)
    snapshots_at(api, {7: 100, 67: 200}, base)
    for timeframe in ("1D", "1W", "1M", "3M", "1Y", "YTD", "ALL"):
        with dynamodb_requests() as counted:
            assert api.get("/portfolio/performance", query={"timeframe": timeframe}).status == 200
        assert dict(counted) == {"Query": 2, "BatchGetItem": 1}, timeframe
