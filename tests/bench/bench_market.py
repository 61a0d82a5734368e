"""Benchmark: one price update for 10,000 symbols, one snapshot run for 1,000 users with 5 positions each, and
position monitor runs over 10,000 open positions in 1,000 symbols.

Runs the production code against moto and the simulated market (a real HTTP server on loopback) and reports
provider requests, DynamoDB requests by operation, and wall time. ``make bench`` runs it; it is not a test.
Wall times are moto's and loopback's, so they only compare runs of this benchmark with each other."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

SERVICE_ENV = {
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "GOALPOST_MARKET_BACKOFF_SECONDS": "0",
}


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def seed(symbols: int, users: int, per_user: int, now: datetime) -> list[str]:
    from goalpost.data import keys
    from goalpost.data.dynamo import batch_write, serialize
    from goalpost.data.positions import position_item
    from goalpost.data.prices import set_symbol_counts
    from goalpost.domain.positions import Position
    from goalpost.settings import get_settings

    settings = get_settings()
    names = [f"S{n:05d}" for n in range(symbols)]
    set_symbol_counts(settings.system_table_name, dict.fromkeys(names, 1), now)
    progress(f"{symbols} active symbols registered")
    requests = []
    for u in range(users):
        user = f"user-{u:04d}"
        requests.append(
            {
                "PutRequest": {
                    "Item": serialize(
                        {
                            "pk": keys.user_pk(user),
                            "sk": keys.PROFILE_SK,
                            "cash_balance": Decimal(1000),
                            "gsi3pk": keys.users_registry_pk(keys.shard_of(user, keys.USER_SHARDS)),
                            "gsi3sk": keys.user_pk(user),
                        }
                    )
                }
            }
        )
        for p in range(per_user):
            symbol = names[(u * per_user + p) % symbols]
            position = Position.opened(user, symbol, Decimal(10), Decimal(100), now)
            requests.append({"PutRequest": {"Item": serialize(position_item(position))}})
    for start in range(0, len(requests), 25):
        batch_write(settings.data_table_name, requests[start : start + 25])
    progress(f"{users} users with {per_user} positions each")
    return names


def bench_monitor(positions: int, symbols: int, moved: int) -> dict[str, Any]:
    """Monitor runs over ``positions`` open positions in ``symbols`` symbols: the first marks every position;
    the second follows a move of ``moved`` symbols' prices (one write per changed position)."""
    from goalpost.data.dynamo import batch_write, serialize
    from goalpost.data.positions import position_item
    from goalpost.data.prices import put_prices
    from goalpost.domain.portfolio import CachedPrice
    from goalpost.domain.positions import Position
    from goalpost.services.monitor import run_monitor
    from goalpost.settings import get_settings
    from infra.local.aws import dynamodb_requests

    settings = get_settings()
    now = datetime.now(UTC)
    names = [f"M{n:04d}" for n in range(symbols)]
    requests = []
    for n in range(positions):
        position = Position.opened(
            f"trader-{n % 1000:04d}",
            names[n % symbols],
            Decimal(1),
            Decimal(100),
            now,
            stop_loss=Decimal(50),
            take_profit=Decimal(200),
        )
        requests.append({"PutRequest": {"Item": serialize(position_item(position))}})
    for start in range(0, len(requests), 25):
        batch_write(settings.data_table_name, requests[start : start + 25])
    progress(f"{positions} open positions in {symbols} symbols")

    def priced(moves: int) -> None:
        put_prices(
            settings.system_table_name,
            [
                CachedPrice(symbol=name, price=Decimal(101 + (n < moves)), updated_at=datetime.now(UTC), source="bench")
                for n, name in enumerate(names)
            ],
        )

    runs = {}
    for label, moves in (("first_run", 0), ("after_move", moved)):
        priced(moves)
        progress(f"monitor: {label} ...")
        with dynamodb_requests() as calls:
            started = time.perf_counter()
            summary = run_monitor(datetime.now(UTC))
            seconds = time.perf_counter() - started
        runs[label] = {
            "checked": summary["checked"],
            "updated": summary["updated"],
            "dynamodb_requests": dict(sorted(calls.items())),
            "wall_seconds": round(seconds, 2),
        }
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--symbols", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--positions", type=int, default=5)
    parser.add_argument("--monitor-positions", type=int, default=10_000)
    parser.add_argument("--monitor-symbols", type=int, default=1_000)
    parser.add_argument("--moved-symbols", type=int, default=100, help="symbols whose price moves between runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.update(SERVICE_ENV)

    from goalpost import aws
    from goalpost.services.prices import update_prices
    from goalpost.settings import reset_settings
    from infra.local.aws import LocalAws, dynamodb_requests
    from infra.local.lambdas import HandlerRegistry
    from infra.local.market import SimulatedMarket
    from infra.local.scheduler import JobRunner

    local = LocalAws(prefix="bench").start()
    market = SimulatedMarket().start()
    os.environ.update({"ALPACA_DATA_URL": market.url, "BINANCE_FUTURES_URL": market.url})
    reset_settings()
    aws.reset_clients()
    try:
        # The monitor first, on its own positions; then the price update and snapshot on theirs.
        monitor = bench_monitor(args.monitor_positions, args.monitor_symbols, args.moved_symbols)

        now = datetime.now(UTC)
        names = seed(args.symbols, args.users, args.positions, now)
        market.configure({"prices": {name: 100 + n % 50 for n, name in enumerate(names)}, "fault": None})
        market.reset_counts()

        progress("price update ...")
        with dynamodb_requests() as price_calls:
            started = time.perf_counter()
            summary = update_prices(now)
            price_seconds = time.perf_counter() - started
        provider_requests = sum(market.requests.values())

        progress("snapshot run (coordinator -> SQS -> worker) ...")
        with dynamodb_requests() as snapshot_calls:
            started = time.perf_counter()
            snapshot = JobRunner(HandlerRegistry()).run("snapshot", now)
            snapshot_seconds = time.perf_counter() - started

        figures = {
            "position_monitor": monitor,
            "price_update": {
                "symbols": args.symbols,
                "updated": summary["updated"],
                "provider_requests": provider_requests,
                "dynamodb_requests": dict(sorted(price_calls.items())),
                "price_batch_writes": price_calls["BatchWriteItem"],
                "wall_seconds": round(price_seconds, 2),
            },
            "snapshot": {
                "users": snapshot["users"],
                "sqs_messages": snapshot["messages"],
                "dynamodb_requests": dict(sorted(snapshot_calls.items())),
                "snapshot_batch_writes": snapshot_calls["BatchWriteItem"],
                "wall_seconds": round(snapshot_seconds, 2),
            },
        }
    finally:
        market.stop()
        local.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for job, values in figures.items():
            print(job)
            for name, value in values.items():
                print(f"  {name:22} {value}")  # type: ignore[union-attr]
    return 0


if __name__ == "__main__":
    sys.exit(main())
