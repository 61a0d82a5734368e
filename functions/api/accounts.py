"""Connected accounts API: connect, read, sync now, disconnect. Routes only."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from goalpost.domain.accounts import ApiCredentials
from goalpost.edges.api import ApiRouter, Caller, build_resolver, lambda_handler, responses
from goalpost.schemas.accounts import AccountConnect, AccountOut, SyncSummaryOut
from goalpost.services import accounts

router = ApiRouter("Accounts")

AccountId = Annotated[str, Path(min_length=1, max_length=64)]


def _calls_provider(status: int, model: Any) -> dict[int, Any]:
    """The responses of a route that waits on the account's provider: also its failure to answer."""
    return {
        **responses(status, model),
        502: {
            "description": "The provider could not be reached or answered badly; nothing was changed. With "
            "Retry-After: the seconds the provider asked to be left alone",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    }


@router.post(
    "/accounts",
    status_code=201,
    summary="Connect an account with read-only API keys (checked with the provider first)",
    responses=_calls_provider(201, AccountOut),
)
def connect_account(user: Caller, request: Annotated[AccountConnect, Body()]) -> AccountOut:
    credentials = ApiCredentials(request.api_key, request.api_secret)
    account = accounts.connect(user, request.provider, credentials, label=request.label, paper=request.paper)
    return AccountOut.of(account)


@router.get("/accounts", summary="The connected accounts")
def list_accounts(user: Caller) -> list[AccountOut]:
    return [AccountOut.of(account) for account in accounts.list_accounts(user)]


@router.get("/accounts/<account_id>", summary="A connected account")
def get_account(user: Caller, account_id: AccountId) -> AccountOut:
    return AccountOut.of(accounts.get_account(user, account_id))


@router.post(
    "/accounts/<account_id>/sync",
    summary="Sync the account with its provider now (a failing account is tried again); a provider's "
    "failure changes nothing and is reported in errors and the account's last_error",
)
def sync_account(user: Caller, account_id: AccountId) -> SyncSummaryOut:
    # Only a sync needs the sync's reconciliation, positions and trading goals: the other routes (the
    # function's first request is the list) load none of it.
    from goalpost.services import account_sync

    return SyncSummaryOut.model_validate(account_sync.sync_account(user, account_id).as_dict())


@router.delete(
    "/accounts/<account_id>",
    status_code=204,
    summary="Disconnect: the keys are destroyed; the account's positions stay, unlinked",
    responses=responses(204, None, "Disconnected"),
)
def disconnect_account(user: Caller, account_id: AccountId) -> Response[None]:
    accounts.disconnect(user, account_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


routers = (router,)
app = build_resolver(*routers)
handler = lambda_handler(app)
