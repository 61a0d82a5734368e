"""Connected account requests and responses. The API secret is taken in and never given back."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from goalpost.domain.accounts import AccountStatus, Provider
from goalpost.domain.model import Choice
from goalpost.schemas.common import JsonNumber, RequestModel, ResponseModel, UtcDateTime

# A provider's key or secret as issued: printable ASCII with no whitespace (both providers issue letters and
# digits; HTTP headers, where the key travels, carry nothing else safely). Not stripped, so that a key pasted with
# a stray space or line break is refused here rather than sent to the provider as another key.
CREDENTIAL_PATTERN = r"^[!-~]+$"
Credential = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256, pattern=CREDENTIAL_PATTERN)
]
LABEL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
Label = Annotated[str, StringConstraints(max_length=100, pattern=LABEL_PATTERN)]


class AccountConnect(RequestModel):
    """A Binance USD-M futures or Alpaca account to connect, with read-only API keys."""

    provider: Choice[Provider]
    api_key: Credential
    api_secret: Credential = Field(description="Encrypted at once; never returned, logged or stored in clear")
    label: Label | None = None
    paper: bool = Field(default=False, description="An Alpaca paper-trading account")

    @field_validator("label")
    @classmethod
    def _blank_is_none(cls, label: str | None) -> str | None:
        return label or None


class AccountOut(ResponseModel):
    id: str
    provider: Provider
    label: str | None
    key_hint: str = Field(description="The API key's last 4 characters")
    paper: bool
    status: AccountStatus
    cash: JsonNumber | None
    last_synced_at: UtcDateTime | None
    last_error: str | None
    created_at: UtcDateTime


class SyncSummaryOut(ResponseModel):
    """What one sync of the account did."""

    created: int
    updated: int
    closed: int
    cash: JsonNumber | None = Field(description="The account's cash as recorded; null when the sync learnt nothing")
    errors: list[str]
