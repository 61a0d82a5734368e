"""Funding link requests and responses."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from goalpost.domain.funding import FundingSource
from goalpost.domain.model import Number
from goalpost.schemas.common import JsonNumber, RequestModel, ResponseModel

# Account ids travel in paths (PATCH/DELETE .../funding/{account_id}), so they stay URL-safe.
ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
AccountName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Allocation = Annotated[Number, Field(gt=0, le=100, max_digits=12, decimal_places=8, allow_inf_nan=False)]


class FundingIn(RequestModel):
    account_id: AccountId
    account_name: AccountName | None = None
    allocation_percent: Allocation

    def source(self) -> FundingSource:
        return FundingSource(**self.model_dump())


class FundingUpdate(RequestModel):
    allocation_percent: Allocation
    account_name: AccountName | None = None


class FundingOut(ResponseModel):
    account_id: str
    account_name: str | None
    allocation_percent: JsonNumber
