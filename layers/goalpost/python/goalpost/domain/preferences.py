"""Alert preferences, and when (and whether) an alert also leaves by email and SMS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator

from goalpost.domain.alerts import AlertType
from goalpost.domain.model import Model

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
E164_PATTERN = re.compile(r"^\+[1-9]\d{1,14}$")
# What the email and phone fields must match, and how the refusal describes it.
CONTACT_FORMATS = {
    "email": (EMAIL_PATTERN, "an email address"),
    "phone": (E164_PATTERN, "an E.164 number (+ and up to 15 digits)"),
}
EMAIL_CHANNEL = "email"
SMS_CHANNEL = "sms"
WEBHOOK_CHANNEL = "webhook"
WEBHOOK_URL_LIMIT = 2000
DEFAULT_ENABLED = [
    AlertType.OFF_TRACK,
    AlertType.MILESTONE_50,
    AlertType.GOAL_COMPLETED,
    AlertType.DEADLINE_APPROACHING,
    AlertType.UPDATE_REMINDER,
    AlertType.GOAL_ACHIEVED,
    AlertType.GOAL_AT_RISK,
    AlertType.GOAL_BEHIND,
    AlertType.POSITION_CLOSED,
    AlertType.MILESTONE_REACHED,
]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone") from None


class Preferences(Model):
    enabled_alerts: list[AlertType] = Field(default_factory=lambda: list(DEFAULT_ENABLED))
    email: str | None = None
    phone: str | None = None
    email_enabled: bool = True
    sms_enabled: bool = False
    in_app_enabled: bool = True
    webhook_url: str | None = None
    webhook_enabled: bool = True
    quiet_hours_start: time | None = time(22, 0)
    quiet_hours_end: time | None = time(8, 0)
    timezone: str = "UTC"
    max_alerts_per_day: int = Field(5, ge=0, le=1000)
    min_hours_between_alerts: Decimal = Field(Decimal(4), ge=0, le=24)

    @property
    def min_gap(self) -> timedelta:
        return timedelta(seconds=int(self.min_hours_between_alerts * 3600))

    @field_validator("email", "phone")
    @classmethod
    def _contact(cls, value: str | None, info: ValidationInfo) -> str | None:
        pattern, what = CONTACT_FORMATS[str(info.field_name)]  # a field validator's field is named
        if value is not None and not pattern.fullmatch(value):
            raise ValueError(f"{info.field_name} must be {what}")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        # The form alone; where it may point depends on the deployment (services.preferences checks that).
        if value is not None and len(value) > WEBHOOK_URL_LIMIT:
            raise ValueError(f"webhook_url must be at most {WEBHOOK_URL_LIMIT} characters")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        zone(value)
        return value

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_hours_start is not None and self.quiet_hours_end is not None

    def channels(self) -> list[str]:
        found = []
        if self.email_enabled and self.email:
            found.append(EMAIL_CHANNEL)
        if self.sms_enabled and self.phone:
            found.append(SMS_CHANNEL)
        if self.webhook_enabled and self.webhook_url:
            found.append(WEBHOOK_CHANNEL)
        return found


def quiet_until(prefs: Preferences, moment: datetime) -> datetime | None:
    """When the quiet hours around ``moment`` end (UTC), or None when ``moment`` is not in them. The window
    is read in the user's time zone and may wrap midnight (22:00-08:00)."""
    if not prefs.has_quiet_hours:
        return None
    assert prefs.quiet_hours_start is not None
    assert prefs.quiet_hours_end is not None
    tz = zone(prefs.timezone)
    local = moment.astimezone(tz)
    start, end, now = prefs.quiet_hours_start, prefs.quiet_hours_end, local.time()
    if start == end:
        return None
    wraps = start > end
    inside = (now >= start or now < end) if wraps else (start <= now < end)
    if not inside:
        return None
    end_day = local.date() + timedelta(days=1) if wraps and now >= start else local.date()
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(moment.tzinfo)


@dataclass(frozen=True)
class Delivery:
    """What happens to one alert beyond in-app: the channels, and when (now, or deferred to ``at``)."""

    channels: list[str]
    at: datetime | None  # None: now
    reason: str


def plan_delivery(
    prefs: Preferences, alert_type: AlertType, moment: datetime, sent_today: int, last_sent: datetime | None
) -> Delivery:
    """Email/SMS for an enabled type, within the daily cap and the minimum gap (else in-app only), now or
    when the quiet hours end (deferred, never dropped)."""
    channels = prefs.channels()
    if not channels or alert_type not in prefs.enabled_alerts:
        return Delivery([], None, "in-app only: no channel for this type")
    if sent_today >= prefs.max_alerts_per_day:
        return Delivery([], None, "in-app only: daily cap reached")
    # Without a gap nothing is too soon, even after a send stamped later (alerts raised at once, in threads).
    if prefs.min_gap and last_sent is not None and moment - last_sent < prefs.min_gap:
        return Delivery([], None, "in-app only: too soon after the last one")
    return Delivery(channels, quiet_until(prefs, moment), "deliver")
