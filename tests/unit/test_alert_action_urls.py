"""Every alert names the web app's page of what it is about (``action_url``), whatever raised it."""

from __future__ import annotations

import pytest

from goalpost.domain.alerts import AlertType, NewAlert

POSITION_TYPES = {AlertType.POSITION_CLOSED, AlertType.POSITION_LEVEL_REACHED}


@pytest.mark.parametrize("alert_type", list(AlertType))
def test_every_alert_type_has_an_action_url(alert_type: AlertType) -> None:
    if alert_type in POSITION_TYPES:
        raised = NewAlert(alert_type, title="t", message="m", position_id="p1")
        assert raised.action_url == "/app/positions/p1"
    else:
        raised = NewAlert(alert_type, title="t", message="m", goal_id="g1")
        assert raised.action_url == "/app/goals/g1"


def test_a_trading_goals_alert_links_to_the_trading_goals_page() -> None:
    # The web app has one page for the three trading goals (spec, "Web app"), no page per trading goal.
    raised = NewAlert(AlertType.GOAL_ACHIEVED, title="t", message="m", goal_id="trading-monthly_income")
    assert raised.action_url == "/app/trading-goals"


def test_an_alert_about_nothing_in_particular_links_to_the_inbox() -> None:
    assert NewAlert(AlertType.UPDATE_REMINDER, title="t", message="m").action_url == "/app/alerts"
