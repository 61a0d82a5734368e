"""Alerts: types, severities, and the deterministic key that makes each one exactly-once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from goalpost.domain.model import Model


class AlertType(StrEnum):
    GOAL_COMPLETED = "goal_completed"
    GOAL_ACHIEVED = "goal_achieved"
    GOAL_AT_RISK = "goal_at_risk"
    GOAL_BEHIND = "goal_behind"
    OFF_TRACK = "off_track"
    BACK_ON_TRACK = "back_on_track"
    MILESTONE_25 = "milestone_25"
    MILESTONE_50 = "milestone_50"
    MILESTONE_75 = "milestone_75"
    MILESTONE_REACHED = "milestone_reached"
    DEADLINE_APPROACHING = "deadline_approaching"
    DEADLINE_IMMINENT = "deadline_imminent"
    DEADLINE_MISSED = "deadline_missed"
    POSITION_CLOSED = "position_closed"
    UPDATE_REMINDER = "update_reminder"
    POSITION_LEVEL_REACHED = "position_level_reached"
    SIGNIFICANT_PROGRESS = "significant_progress"
    SUGGESTED_ADJUSTMENT = "suggested_adjustment"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


SEVERITY: dict[AlertType, Severity] = {
    AlertType.GOAL_COMPLETED: Severity.INFO,
    AlertType.GOAL_ACHIEVED: Severity.INFO,
    AlertType.GOAL_AT_RISK: Severity.WARNING,
    AlertType.GOAL_BEHIND: Severity.CRITICAL,
    AlertType.OFF_TRACK: Severity.WARNING,
    AlertType.BACK_ON_TRACK: Severity.INFO,
    AlertType.MILESTONE_25: Severity.INFO,
    AlertType.MILESTONE_50: Severity.INFO,
    AlertType.MILESTONE_75: Severity.INFO,
    AlertType.MILESTONE_REACHED: Severity.INFO,
    AlertType.DEADLINE_APPROACHING: Severity.WARNING,
    AlertType.DEADLINE_IMMINENT: Severity.CRITICAL,
    AlertType.DEADLINE_MISSED: Severity.CRITICAL,
    AlertType.POSITION_CLOSED: Severity.INFO,
    AlertType.UPDATE_REMINDER: Severity.INFO,
    AlertType.POSITION_LEVEL_REACHED: Severity.WARNING,
    AlertType.SIGNIFICANT_PROGRESS: Severity.INFO,
    AlertType.SUGGESTED_ADJUSTMENT: Severity.WARNING,
}

EVENT_CHANNEL = "event"
IN_APP_CHANNEL = "in_app"
# A trading goal's alerts carry goal_id "trading-<goal type>" (services.trading).
TRADING_GOAL_ID_PREFIX = "trading-"


@dataclass(frozen=True)
class NewAlert:
    """An alert a rule decided to raise. ``subject`` and ``period`` make it unique: the same rule firing
    again for the same goal/position (and period, for recurring types) is the same alert."""

    alert_type: AlertType
    title: str
    message: str
    goal_id: str | None = None
    position_id: str | None = None
    period: str | None = None

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.alert_type]

    @property
    def dedupe_key(self) -> str:
        subject = f"goal:{self.goal_id}" if self.goal_id else f"position:{self.position_id}"
        return "|".join((self.alert_type.value, subject, self.period or "-"))

    def digest(self) -> str:
        return hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:32]

    @property
    def action_url(self) -> str:
        """The web app's page of what the alert is about: the goal's, the position's, the one page of the three
        trading goals (they have no page each), else the alerts inbox."""
        if self.goal_id and self.goal_id.startswith(TRADING_GOAL_ID_PREFIX):
            return "/app/trading-goals"
        if self.goal_id:
            return f"/app/goals/{self.goal_id}"
        return f"/app/positions/{self.position_id}" if self.position_id else "/app/alerts"


class Alert(Model):
    id: str
    user_id: str
    alert_type: AlertType
    goal_id: str | None = None
    position_id: str | None = None
    title: str
    message: str
    severity: Severity
    created_at: datetime
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    channels: list[str]
    action_url: str | None = None  # the web app's path of what it is about (alerts stored before r2 have none)
