"""Alert responses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from goalpost.domain.alerts import AlertType, Severity
from goalpost.domain.model import Choice, Number
from goalpost.domain.preferences import WEBHOOK_URL_LIMIT, Preferences
from goalpost.schemas.common import JsonNumber, RequestModel, ResponseModel, UtcDateTime


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
    action_url: str | None


class PreferencesOut(ResponseModel):
    enabled_alerts: list[AlertType]
    email: str | None
    phone: str | None
    email_enabled: bool
    sms_enabled: bool
    in_app_enabled: bool
    webhook_url: str | None
    webhook_enabled: bool
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    timezone: str
    max_alerts_per_day: int
    min_hours_between_alerts: JsonNumber

    @classmethod
    def of(cls, prefs: Any) -> PreferencesOut:
        assert isinstance(prefs, Preferences)
        dumped = prefs.model_dump()
        for name in ("quiet_hours_start", "quiet_hours_end"):
            dumped[name] = None if dumped[name] is None else dumped[name].strftime("%H:%M")
        return cls(**dumped)


QuietTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class PreferencesUpdate(RequestModel):
    """Any of the preferences; ``email``, ``phone``, ``webhook_url`` and the quiet hours may be set to null."""

    enabled_alerts: list[Choice[AlertType]] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=16)] | None = None
    email_enabled: bool | None = None
    sms_enabled: bool | None = None
    in_app_enabled: bool | None = None
    webhook_url: Annotated[str, StringConstraints(min_length=1, max_length=WEBHOOK_URL_LIMIT)] | None = None
    webhook_enabled: bool | None = None
    quiet_hours_start: QuietTime | None = None
    quiet_hours_end: QuietTime | None = None
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    max_alerts_per_day: Annotated[int, Field(ge=0, le=1000)] | None = None
    min_hours_between_alerts: (
        Annotated[Number, Field(ge=0, le=24, max_digits=8, decimal_places=4, allow_inf_nan=False)] | None
    ) = None

    @model_validator(mode="after")
    def _nullable(self) -> PreferencesUpdate:
        for name in self.model_fields_set - {"email", "phone", "webhook_url", "quiet_hours_start", "quiet_hours_end"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}
