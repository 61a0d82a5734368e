"""Environment -> one settings object, parsed once per process."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import cache

from pydantic import ConfigDict, Field

from goalpost import __version__, environment
from goalpost.domain.model import Model


class Settings(Model):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    data_table_name: str = Field("goalpost-data", alias="DATA_TABLE_NAME")
    system_table_name: str = Field("goalpost-system", alias="SYSTEM_TABLE_NAME")
    idempotency_table_name: str = Field("goalpost-idempotency", alias="IDEMPOTENCY_TABLE_NAME")
    snapshots_table_name: str = Field("goalpost-snapshots", alias=environment.SNAPSHOTS_TABLE_ENV)
    alerts_topic_arn: str = Field("", alias="ALERTS_TOPIC_ARN")
    # The KMS key the users' own alert topics are created with (the alerts topic's); none locally.
    topics_key_id: str = Field("", alias=environment.TOPICS_KEY_ENV)
    version: str = Field(__version__, alias="GOALPOST_VERSION")
    # The local server (moto) rather than AWS: it sets this; deployed functions never do (webhooks to loopback).
    local_server: bool = Field(False, alias="GOALPOST_LOCAL_SERVER")
    idempotency_ttl_seconds: int = Field(24 * 3600, alias="GOALPOST_IDEMPOTENCY_TTL_SECONDS", gt=0)
    admin_group: str = Field(environment.ADMIN_GROUP, alias="GOALPOST_ADMIN_GROUP")
    snapshot_queue_url: str = Field("", alias="SNAPSHOT_QUEUE_URL")
    end_of_day_queue_url: str = Field("", alias="END_OF_DAY_QUEUE_URL")
    account_sync_queue_url: str = Field("", alias="ACCOUNT_SYNC_QUEUE_URL")
    goal_cleanup_queue_url: str = Field("", alias=environment.GOAL_CLEANUP_QUEUE_ENV)
    # The secret CloudFront sends in ORIGIN_VERIFY_HEADER; unset (locally), requests are not checked for it.
    origin_secret_arn: str = Field("", alias=environment.ORIGIN_SECRET_ENV)
    # SMS: the queue the alert raisers send them to, and the SMS sender's per-message settings (none: SNS's
    # defaults). The price is USD per SMS.
    sms_queue_url: str = Field("", alias=environment.SMS_QUEUE_ENV)
    sms_sender_id: str | None = Field(
        None,
        alias=environment.SMS_SENDER_ID_ENV,
        pattern=environment.SMS_SENDER_ID_PATTERN,
        max_length=environment.SMS_SENDER_ID_MAX_LENGTH,
    )
    sms_max_price_usd: Decimal | None = Field(None, alias=environment.SMS_MAX_PRICE_ENV, gt=0)

    # Market data. The providers' base URLs are settings so that the simulated market can stand in for them.
    alpaca_secret_arn: str = Field("", alias="ALPACA_SECRET_ARN")
    alpaca_data_url: str = Field("https://data.alpaca.markets", alias="ALPACA_DATA_URL")
    alpaca_feed: str = Field("iex", alias="ALPACA_FEED")
    binance_futures_url: str = Field("https://fapi.binance.com", alias="BINANCE_FUTURES_URL")
    # Connected accounts' providers (settings too, so that the simulated exchange can stand in for them); the
    # Binance account clients use binance_futures_url for the futures endpoints.
    binance_api_url: str = Field("https://api.binance.com", alias="BINANCE_API_URL")
    alpaca_trading_url: str = Field("https://api.alpaca.markets", alias="ALPACA_TRADING_URL")
    alpaca_paper_url: str = Field("https://paper-api.alpaca.markets", alias="ALPACA_PAPER_URL")
    # The KMS key that encrypts connected accounts' API keys and secrets (goalpost.edges.accounts.vault).
    accounts_key_id: str = Field("", alias="ACCOUNTS_KEY_ID")
    # Which provider prices which symbols: "provider=pattern,pattern;..." (fnmatch patterns, first match wins).
    price_routes: str = Field("binance=*USDT,*USDC,*BUSD;alpaca=*", alias="GOALPOST_PRICE_ROUTES")
    market_timeout_seconds: float = Field(3.0, alias="GOALPOST_MARKET_TIMEOUT_SECONDS", gt=0)
    market_retries: int = Field(2, alias="GOALPOST_MARKET_RETRIES", ge=0, le=10)
    market_backoff_seconds: float = Field(0.2, alias="GOALPOST_MARKET_BACKOFF_SECONDS", ge=0)
    market_backoff_cap_seconds: float = Field(2.0, alias="GOALPOST_MARKET_BACKOFF_CAP_SECONDS", ge=0)


@cache
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))


def reset_settings() -> None:
    """Forget the parsed settings (tests and the local server change the environment)."""
    get_settings.cache_clear()
