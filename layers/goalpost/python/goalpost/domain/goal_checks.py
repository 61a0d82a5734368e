"""The end-of-day checks of a personal goal: deadlines, on-track flips and update reminders. Each alert is
unique per goal and period (the deadline for deadline alerts, the day for flips, the month for reminders),
so a rerun of the same day raises nothing twice."""

from __future__ import annotations

from datetime import date

from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.goals import Goal

APPROACHING_DAYS = 30
IMMINENT_DAYS = 7


def deadline_alert(goal: Goal, today: date) -> NewAlert | None:
    if goal.deadline is None or goal.reached:
        return None
    deadline = goal.deadline.date()
    left = (deadline - today).days
    if left < 0:
        kind, text = AlertType.DEADLINE_MISSED, f"The deadline of '{goal.name}' ({deadline}) has passed."
    elif left <= IMMINENT_DAYS:
        kind, text = AlertType.DEADLINE_IMMINENT, f"{left} days left to reach '{goal.name}' (by {deadline})."
    elif left <= APPROACHING_DAYS:
        kind, text = AlertType.DEADLINE_APPROACHING, f"{left} days left to reach '{goal.name}' (by {deadline})."
    else:
        return None
    # Remembered on the goal, like the percentage alerts: the daily run does not raise it again only to have
    # its guard refuse it (a refused transaction is still billed). The guard stays the rule; this saves work.
    seen = f"{kind.value}@{deadline.isoformat()}"
    if seen in goal.alerted:
        return None
    goal.alerted.add(seen)
    return NewAlert(kind, title=text.split(" (")[0], message=text, goal_id=goal.id, period=deadline.isoformat())


def on_track_alert(goal: Goal, on_track: bool, today: date) -> NewAlert | None:
    """``off_track`` / ``back_on_track`` when the on-track flag flips since the job last looked (and records
    the flag). The first look only records it."""
    previous, goal.last_on_track = goal.last_on_track, on_track
    if previous is None or previous == on_track:
        return None
    if on_track:
        kind, title = AlertType.BACK_ON_TRACK, f"Back on track: {goal.name}"
        message = f"'{goal.name}' is on track again."
    else:
        kind, title = AlertType.OFF_TRACK, f"Falling behind: {goal.name}"
        message = f"'{goal.name}' has fallen behind the pace its deadline needs."
    return NewAlert(kind, title=title, message=message, goal_id=goal.id, period=today.isoformat())


def reminder_alert(goal: Goal, today: date) -> NewAlert | None:
    """``update_reminder`` on the goal's reminder day when it has no progress entry this month."""
    if today.day != goal.reminder_day:
        return None
    month_start = today.replace(day=1)
    if goal.latest_period is not None and goal.latest_period >= month_start:
        return None
    return NewAlert(
        AlertType.UPDATE_REMINDER,
        title=f"Time to update: {goal.name}",
        message=f"'{goal.name}' has no progress recorded this month yet.",
        goal_id=goal.id,
        period=f"{today.year:04d}-{today.month:02d}",
    )
