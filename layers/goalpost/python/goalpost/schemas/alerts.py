"""Alert responses."""

from __future__ import annotations

from goalpost.domain.alerts import AlertType, Severity
from goalpost.schemas.common import ResponseModel, UtcDateTime


class AlertOut(ResponseModel):
    id: str
    alert_type: AlertType
    goal_id: str | None
    position_id: str | None
    title: str
    message: str
    severity: Severity
    created_at: UtcDateTime
    delivered_at: UtcDateTime | None
    read_at: UtcDateTime | None
    channels: list[str]
