"""Quiet hours and the delivery plan: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from goalpost.domain.alerts import AlertType
from goalpost.domain.preferences import Preferences, plan_delivery, quiet_until

EMAIL = {"email": "a@example.com"}


@pytest.mark.parametrize(
    ("zone", "utc_time", "expected_end"),
    [
        ("UTC", datetime(2026, 11, 21, 23, 0, tzinfo=UTC), datetime(2026, 11, 22, 8, 0, tzinfo=UTC)),
        ("UTC", datetime(2026, 11, 21, 3, 0, tzinfo=UTC), datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),
        ("UTC", datetime(2026, 11, 21, 12, 0, tzinfo=UTC), None),
        ("Asia/Tokyo", datetime(2026, 11, 21, 14, 0, tzinfo=UTC), datetime(2026, 11, 21, 23, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 21, 4, 30, tzinfo=UTC), datetime(2026, 11, 21, 13, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 7, 1, 4, 30, tzinfo=UTC), datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_wrap_midnight_in_the_users_zone(
    zone: str, utc_time: datetime, expected_end: datetime | None
) -> None:
    assert quiet_until(Preferences(timezone=zone), utc_time) == expected_end


def test_quiet_hours_inside_one_day_and_disabled() -> None:
    lunch = Preferences(quiet_hours_start=time(12, 0), quiet_hours_end=time(13, 0))
    assert quiet_until(lunch, datetime(2026, 1, 1, 12, 30, tzinfo=UTC)) == datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    assert quiet_until(lunch, datetime(2026, 1, 1, 13, 0, tzinfo=UTC)) is None
    assert quiet_until(Preferences(quiet_hours_start=None), datetime(2026, 1, 1, 23, 0, tzinfo=UTC)) is None


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)), st.sampled_from(
    ["UTC", "Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Sydney"]))  # fmt: skip
def test_a_deferred_delivery_is_never_due_inside_the_quiet_hours(moment: datetime, zone: str) -> None:
    prefs = Preferences(timezone=zone)
    end = quiet_until(prefs, moment.replace(tzinfo=UTC))
    if end is not None:
        assert end > moment.replace(tzinfo=UTC)
        assert end - moment.replace(tzinfo=UTC) <= timedelta(hours=11)  # a 10 h window, DST at most an hour
        assert quiet_until(prefs, end) is None


def test_the_plan_respects_types_channels_cap_and_gap() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    prefs = Preferences(**EMAIL, phone="+14155550100", sms_enabled=True)
    assert plan_delivery(prefs, AlertType.POSITION_CLOSED, now, 0, None).channels == ["email", "sms"]
    assert plan_delivery(prefs, AlertType.MILESTONE_25, now, 0, None).channels == []  # not enabled by default
    assert plan_delivery(Preferences(), AlertType.POSITION_CLOSED, now, 0, None).channels == []  # no address
    assert plan_delivery(prefs, AlertType.POSITION_CLOSED, now, 5, None).channels == []  # cap
    assert plan_delivery(prefs, AlertType.POSITION_CLOSED, now, 1, now - timedelta(hours=3)).channels == []  # gap
    assert plan_delivery(prefs, AlertType.POSITION_CLOSED, now, 1, now - timedelta(hours=4)).channels
    # Without a gap, a send stamped a moment later (another alert raised at once) holds nothing back.
    no_gap = prefs.model_copy(update={"min_hours_between_alerts": 0})
    assert plan_delivery(no_gap, AlertType.POSITION_CLOSED, now, 1, now + timedelta(milliseconds=200)).channels
    assert not plan_delivery(prefs, AlertType.POSITION_CLOSED, now, 1, now + timedelta(milliseconds=200)).channels


@pytest.mark.parametrize(
    "fields",
    [{"email": "nope"}, {"phone": "+0123"}, {"phone": "+1234567890123456"}, {"timezone": "Nowhere/Land"},
     {"max_alerts_per_day": -1}, {"min_hours_between_alerts": 25}],
)  # fmt: skip
def test_bad_preferences_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Preferences.model_validate(fields)
