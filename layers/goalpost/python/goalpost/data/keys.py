"""Every key of the data table in one place. Every partition key begins with the owner (USER#<sub>)."""

from __future__ import annotations


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def goal_sk(goal_id: str) -> str:
    return f"GOAL#{goal_id}"


GOAL_PREFIX = "GOAL#"


def goal_children_pk(user_id: str, goal_id: str) -> str:
    """The partition of a goal's progress entries and funding links (deleted with the goal)."""
    return f"USER#{user_id}#GOAL#{goal_id}"


PROGRESS_PREFIX = "PROGRESS#"


def progress_sk(period_date: str, entry_id: str) -> str:
    return f"PROGRESS#{period_date}#{entry_id}"


def progress_day_end(period_date: str) -> str:
    """Sorts after every entry of that day (ULIDs are upper-case base32)."""
    return f"PROGRESS#{period_date}#~"


FUNDING_PREFIX = "FUNDING#"


def funding_sk(account_id: str) -> str:
    return f"FUNDING#{account_id}"


BUDGET_PREFIX = "BUDGET#"


def budget_sk(period: str) -> str:
    """``BUDGET#yyyy-mm``: one snapshot per month; the latest sorts last."""
    return f"BUDGET#{period}"


def goals_by_status_pk(user_id: str, status: str) -> str:
    return f"USER#{user_id}#GOALS#STATUS#{status}"


def goals_by_type_pk(user_id: str, goal_type: str) -> str:
    return f"USER#{user_id}#GOALS#TYPE#{goal_type}"


def goals_by_status_and_type_pk(user_id: str, status: str, goal_type: str) -> str:
    return f"USER#{user_id}#GOALS#STATUS#{status}#TYPE#{goal_type}"


ALERT_PREFIX = "ALERT#"


def alert_sk(alert_id: str) -> str:
    return f"ALERT#{alert_id}"


def alert_guard_sk(digest: str) -> str:
    return f"ALERTKEY#{digest}"


def unread_alerts_pk(user_id: str) -> str:
    return f"USER#{user_id}#ALERTS#UNREAD"


def alerts_by_type_pk(user_id: str, alert_type: str) -> str:
    return f"USER#{user_id}#ALERTS#TYPE#{alert_type}"


PROFILE_SK = "PROFILE"
