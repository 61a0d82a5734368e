"""``python -m infra.local``: the whole system on one port, with nothing else to install or start.

moto (DynamoDB, SNS, SQS, Secrets Manager) in-process, the declared handlers behind a local API Gateway, the
schedules on a local clock, and a simulated market-data server on loopback that the production Alpaca and
Binance clients talk to. Prints the URL, a demo token and example curl lines; Ctrl-C stops it cleanly."""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.auth import TokenAuthority
    from infra.local.demo_trader import DemoTrader
    from infra.local.market import SimulatedMarket
    from infra.local.scheduler import JobRunner
    from infra.local.server import LocalGateway


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("GOALPOST_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GOALPOST_PORT", "3000")))
    parser.add_argument("--demo", action="store_true", help="seed a demo user with goals and alerts")
    parser.add_argument(
        "--schedules",
        choices=("on", "off"),
        default=os.environ.get("GOALPOST_SCHEDULES", "on"),
        help="tick the job schedules on the local clock (GOALPOST_SCHEDULES)",
    )
    parser.add_argument(
        "--throttle",
        choices=("on", "off"),
        default=os.environ.get("GOALPOST_THROTTLE", "off"),
        help="apply the deployed stage's rate/burst limits (GOALPOST_THROTTLE)",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=float(os.environ.get("GOALPOST_BODY_TIMEOUT_SECONDS", "10")),
        help="seconds a request body has to arrive whole, else 408 (GOALPOST_BODY_TIMEOUT_SECONDS)",
    )
    parser.add_argument(
        "--key-file",
        default=os.environ.get("GOALPOST_LOCAL_KEY_FILE") or None,
        help="sign tokens with the RSA key in this file, made on first start: tokens outlive a restart "
        "(GOALPOST_LOCAL_KEY_FILE; by default a new key each start)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the ready line")
    return parser.parse_args(argv)


def _configure_environment() -> None:
    # Metrics go to CloudWatch as EMF lines on Lambda; locally they would only drown the console.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "goalpost")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Goalpost")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", os.environ.get("GOALPOST_LOG_LEVEL", "WARNING"))
    # Every handler shares this process's environment: the price update's HTTP budget, which keeps a run inside
    # its 10 s slot and 8 s timeout when deployed, is everyone's here (the others' timeouts are far longer).
    from goalpost.declaration import SLOT_MARKET_SETTINGS

    for name, value in SLOT_MARKET_SETTINGS["price-update"].items():
        os.environ.setdefault(name, value)


def _banner(url: str, token: str, demo: bool, schedules: bool, stable_key: bool) -> str:
    auth = '-H "Authorization: Bearer $TOKEN"'
    lines = [
        f"Goalpost is running on {url}",
        f"  Web app:    {url}/app/  (sign in with any user name{'; `demo` has the demo data' if demo else ''})",
        f"  API docs:   {url}/docs   (OpenAPI: {url}/openapi.json)",
        f"  schedules:  {'on' if schedules else 'off'}   demo data: {'yes (user demo)' if demo else 'no'}",
        "",
        f"A demo token (user 'demo', admin, valid 24 h{', and across restarts' if stable_key else ''}):",
        f"  export TOKEN={token}",
        "",
        "Try:",
        f"  curl {url}/health",
        f"  curl {auth} {url}/goals",
        f"  curl {auth} -H 'Content-Type: application/json' -X POST {url}/goals \\",
        '       -d \'{"name": "Emergency Fund", "type": "savings", "target_amount": 10000, "current_amount": 2500}\'',
        f"  curl {auth} {url}/goals/dashboard   # every goal with its progress summary",
        f"  curl {auth} -X POST {url}/goals/<goal_id>/progress -d '{{\"contribution_amount\": 250}}'",
        f"  curl {auth} -X POST {url}/goals/from-template \\",
        '       -d \'{"template_id": "emergency_fund_3_months", "budget": {"monthly_expenses": 3000}}\'',
        f"  curl {auth} {url}/alerts",
        f'  curl -X POST {url}/_local/token -d \'{{"user_id": "alice"}}\'   # a token for another user',
        f"  curl -X POST {url}/_local/jobs/end_of_day_goals                  # run a job now",
        "",
        "Ctrl-C stops it.",
    ]
    return "\n".join(lines)


def _prime(runner: JobRunner) -> None:
    """Prices in the cache and a first snapshot before the banner: a newcomer's first look finds positions
    priced and a chart with a point, not ``price_missing`` and nothing until the first 5-minute slot."""
    for job in ("price_update", "snapshot"):
        try:
            runner.run(job)
        except Exception as error:  # the schedules will try again; the server starts either way
            print(f"job {job} failed at start: {error!r}", file=sys.stderr)


def _start_demo(market: SimulatedMarket) -> DemoTrader:
    """Seeds the user ``demo`` and starts the bot that trades its connected account. After the market started:
    connecting the account checks its keys with the simulated exchange over loopback."""
    from infra.local.demo import DEMO_EXCHANGE_KEY, seed
    from infra.local.demo_trader import DemoTrader

    seed("demo", market.exchange)
    return DemoTrader(market.exchange, DEMO_EXCHANGE_KEY).start()


def _authority(key_file: str | None) -> TokenAuthority:
    from infra.local.auth import TokenAuthority

    try:
        return TokenAuthority(key_file=Path(key_file) if key_file else None)
    except (OSError, ValueError) as error:
        sys.exit(f"Cannot use the signing key file {key_file}: {error}")


def _stop_on_signals(gateway: LocalGateway) -> None:
    """SIGTERM shuts the gateway down (from another thread: shutdown waits for serve_forever); SIGINT raises
    KeyboardInterrupt in it, as Ctrl-C does."""
    stopping = threading.Event()

    def _stop(*_: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=gateway.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    # Python leaves SIGINT ignored when the parent started it so (a script's `make run &`, a test runner's
    # worker): Ctrl-C and `kill -INT` must stop the server whoever started it.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    _configure_environment()

    from goalpost.settings import get_settings, reset_settings
    from infra.local.aws import LOCAL_ALPACA_CREDENTIALS, LocalAws
    from infra.local.lambdas import HandlerRegistry
    from infra.local.market import SimulatedMarket
    from infra.local.scheduler import JobRunner, Scheduler
    from infra.local.server import LocalGateway

    # `kill -USR1 <pid>` prints every thread's stack to stderr: what a server that seems stuck is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    authority = _authority(args.key_file)
    aws = LocalAws().start()
    # In demo mode a symbol nobody set follows a random walk; otherwise it is unknown, as a real provider's.
    market = SimulatedMarket(
        random_walk=args.demo,
        timeout_delay_seconds=get_settings().market_timeout_seconds + 1,
        credentials=LOCAL_ALPACA_CREDENTIALS,
    ).start(host="127.0.0.1")
    # The simulated market also answers as the exchanges' account APIs (PUT /_local/exchange sets the accounts).
    os.environ.update(
        {
            name: market.url
            for name in (
                "ALPACA_DATA_URL",
                "BINANCE_FUTURES_URL",
                "BINANCE_API_URL",
                "ALPACA_TRADING_URL",
                "ALPACA_PAPER_URL",
            )
        }
    )
    reset_settings()
    registry = HandlerRegistry()
    runner = JobRunner(registry)
    try:
        gateway = LocalGateway(
            (args.host, args.port),
            authority=authority,
            registry=registry,
            runner=runner,
            throttle=args.throttle == "on",
            market=market,
            body_timeout_seconds=args.body_timeout,
        )
    except OSError as error:
        print(f"Cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        market.stop()
        return 1

    demo_trader = _start_demo(market) if args.demo else None
    if args.schedules == "on" or args.demo:
        _prime(runner)
    scheduler = None
    if args.schedules == "on":
        scheduler = Scheduler(
            runner, on_error=lambda name, error: print(f"job {name} failed: {error!r}", file=sys.stderr)
        )
        scheduler.start()

    token = authority.issue("demo", ["admin"], 24 * 3600)
    try:
        # Before "ready": whoever waits for it may signal at once.
        _stop_on_signals(gateway)
        print(
            f"ready {gateway.url}"
            if args.quiet
            else _banner(gateway.url, token, args.demo, scheduler is not None, bool(args.key_file)),
            flush=True,
        )
        gateway.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if demo_trader is not None:
            demo_trader.stop()
        if scheduler is not None:
            scheduler.stop()
        gateway.server_close()
        market.stop()
        aws.stop()
        print("Goalpost stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
