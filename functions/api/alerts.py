"""Alerts API: routes only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from goalpost.domain.alerts import AlertType
from goalpost.edges.api import ApiRouter, Caller, build_resolver, lambda_handler, page_response
from goalpost.schemas.alerts import AlertOut, PreferencesOut, PreferencesUpdate
from goalpost.schemas.common import DEFAULT_LIMIT, LimitQuery, NextTokenQuery
from goalpost.services import alerts, preferences

router = ApiRouter("Alerts")


@router.get("/alerts", summary="List alerts, newest first")
def list_alerts(
    user: Caller,
    unread: Annotated[bool | None, Query()] = None,
    type: Annotated[AlertType | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    next_token: NextTokenQuery = None,
) -> Response[list[AlertOut]]:
    found, token = alerts.list_alerts(user, unread=unread, alert_type=type, limit=limit, next_token=next_token)
    return page_response([AlertOut.of(a) for a in found], token)


@router.get("/alerts/preferences", summary="Alert preferences (defaults until changed)")
def get_alert_preferences(user: Caller) -> PreferencesOut:
    return PreferencesOut.of(preferences.get_preferences(user))


@router.patch(
    "/alerts/preferences", summary="Change alert preferences (an email address is subscribed to the user's own topic)"
)
def update_alert_preferences(user: Caller, update: Annotated[PreferencesUpdate, Body()]) -> PreferencesOut:
    return PreferencesOut.of(preferences.update_preferences(user, update.changes()))


@router.patch("/alerts/<alert_id>/read", summary="Mark an alert read")
def mark_alert_read(user: Caller, alert_id: Annotated[str, Path(min_length=1, max_length=64)]) -> AlertOut:
    return AlertOut.of(alerts.mark_read(user, alert_id))


routers = (router,)
app = build_resolver(*routers)
handler = lambda_handler(app)
