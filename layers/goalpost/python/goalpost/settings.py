"""Environment -> one settings object, parsed once per process."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from goalpost import __version__, declaration


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    data_table_name: str = Field("goalpost-data", alias="DATA_TABLE_NAME")
    system_table_name: str = Field("goalpost-system", alias="SYSTEM_TABLE_NAME")
    idempotency_table_name: str = Field("goalpost-idempotency", alias="IDEMPOTENCY_TABLE_NAME")
    alerts_topic_arn: str = Field("", alias="ALERTS_TOPIC_ARN")
    version: str = Field(__version__, alias="GOALPOST_VERSION")
    idempotency_ttl_seconds: int = Field(24 * 3600, alias="GOALPOST_IDEMPOTENCY_TTL_SECONDS", gt=0)
    admin_group: str = Field(declaration.ADMIN_GROUP, alias="GOALPOST_ADMIN_GROUP")


@cache
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))


def reset_settings() -> None:
    """Forget the parsed settings (tests and the local server change the environment)."""
    get_settings.cache_clear()
