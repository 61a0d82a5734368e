"""The checks of a personal goal beyond its milestones: deadlines, on-track flips, update reminders and the
month's suggested adjustment (the end-of-day job), and significant progress (every change of the amount).
Each alert is unique per goal and period (the deadline for deadline alerts, the day for flips, the month for
the rest), so a rerun of the same day raises nothing twice. Their messages carry the figures, with units,
and say what would still finish on time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.goals import Goal
from goalpost.domain.pace import monthly_pace
from goalpost.domain.progress import is_on_track, projected_completion_date, required_monthly_contribution

APPROACHING_DAYS = 30
IMMINENT_DAYS = 7
SIGNIFICANT_SHARE = Decimal("0.1")  # of the whole distance (start -> target), in one change


def day_text(day: date) -> str:
    """A date as people read it: ``9 Nov 2027``."""
    return f"{day.day} {day:%b %Y}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def catch_up_text(goal: Goal, today: date) -> str:
    """What still finishes on time: ``You need $430.33/month to reach Emergency Fund by 9 Nov 2027`` (a goal
    with a deadline; once it has passed, the whole rest is due within the month)."""
    if goal.deadline is None:
        return f"{goal.name} has no deadline"
    needed = goal.amount_text(required_monthly_contribution(goal, today))
    deadline = goal.deadline.date()
    if deadline <= today:
        return f"You need {needed}/month to reach {goal.name} within a month"
    return f"You need {needed}/month to reach {goal.name} by {day_text(deadline)}"


def _once_this_month(goal: Goal, kind: AlertType, today: date, *, title: str, message: str) -> NewAlert | None:
    """The alert of ``kind`` for this month, unless the goal raised it already (and remembers it has: only the
    latest month is kept). The alert guard stays the rule; this spares the daily run a refused write."""
    seen = f"{kind.value}@{month_of(today)}"
    if seen in goal.alerted:
        return None
    goal.alerted -= {key for key in goal.alerted if key.startswith(f"{kind.value}@")}
    goal.alerted.add(seen)
    return NewAlert(kind, title=title, message=message, goal_id=goal.id, period=month_of(today))


def deadline_alert(goal: Goal, today: date) -> NewAlert | None:
    if goal.deadline is None or goal.reached:
        return None
    deadline = goal.deadline.date()
    left = (deadline - today).days
    if left < 0:
        kind, title = AlertType.DEADLINE_MISSED, f"Deadline passed: {goal.name}"
        text = f"The deadline of '{goal.name}' ({day_text(deadline)}) has passed at {goal.standing_text()}."
    elif left <= APPROACHING_DAYS:
        kind = AlertType.DEADLINE_IMMINENT if left <= IMMINENT_DAYS else AlertType.DEADLINE_APPROACHING
        title = f"{left} days left to reach '{goal.name}'"
        text = f"{title} (by {day_text(deadline)}): {goal.standing_text()}."
    else:
        return None
    # Remembered on the goal, like the percentage alerts: the daily run does not raise it again only to have
    # its guard refuse it (a refused transaction is still billed). The guard stays the rule; this saves work.
    seen = f"{kind.value}@{deadline.isoformat()}"
    if seen in goal.alerted:
        return None
    goal.alerted.add(seen)
    message = f"{text} {catch_up_text(goal, today)}."
    return NewAlert(kind, title=title, message=message, goal_id=goal.id, period=deadline.isoformat())


def on_track_alert(goal: Goal, on_track: bool, today: date) -> NewAlert | None:
    """``off_track`` / ``back_on_track`` when the on-track flag flips since the job last looked (and records
    the flag). The first look only records it."""
    previous, goal.last_on_track = goal.last_on_track, on_track
    if previous is None or previous == on_track:
        return None
    if on_track:
        kind, title = AlertType.BACK_ON_TRACK, f"Back on track: {goal.name}"
        message = f"'{goal.name}' is on track again: {goal.standing_text()}."
    else:
        kind, title = AlertType.OFF_TRACK, f"Falling behind: {goal.name}"
        message = (
            f"'{goal.name}' has fallen behind the pace its deadline needs: {goal.standing_text()}. "
            f"{catch_up_text(goal, today)}."
        )
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
        message=f"'{goal.name}' has no progress recorded this month yet; it stands at {goal.standing_text()}.",
        goal_id=goal.id,
        period=month_of(today),
    )


def significant_progress_alert(goal: Goal, before: Decimal, today: date) -> NewAlert | None:
    """``significant_progress`` when one change moved the goal from ``before`` toward its target by at least
    10 % of its whole distance; once per goal and month."""
    moved = before - goal.current_amount if goal.decreasing else goal.current_amount - before
    distance = abs(goal.target_amount - goal.start_amount)
    if distance == 0 or moved < SIGNIFICANT_SHARE * distance:
        return None
    share = round(moved / distance * 100)
    return _once_this_month(
        goal,
        AlertType.SIGNIFICANT_PROGRESS,
        today,
        title=f"A big step: {goal.name}",
        message=(
            f"'{goal.name}' moved {goal.amount_text(moved)} toward its target in one step ({share}% of the "
            f"whole way): {goal.standing_text()}."
        ),
    )


def suggested_adjustment_alert(goal: Goal, today: date) -> NewAlert | None:
    """``suggested_adjustment`` on the last day of a month for a goal with a deadline that is off track: the
    monthly amount that finishes on time, or the date the current pace gets there (or that it never will);
    once per goal and month."""
    last_day = (today + timedelta(days=1)).month != today.month
    if not last_day or goal.deadline is None or is_on_track(goal, today):
        return None
    pace = monthly_pace(goal.pace_days, today, decreasing=goal.decreasing)
    arrival = projected_completion_date(goal, pace, today)
    if arrival is None:
        at_pace = "at the current pace it will never get there"
    else:
        at_pace = f"keep the current pace of {goal.amount_text(pace)}/month and get there on {day_text(arrival)}"
    return _once_this_month(
        goal,
        AlertType.SUGGESTED_ADJUSTMENT,
        today,
        title=f"Two ways back on track: {goal.name}",
        message=(
            f"'{goal.name}' is behind the pace its deadline needs: {goal.standing_text()}. "
            f"{catch_up_text(goal, today)}; or move the deadline: {at_pace}."
        ),
    )
