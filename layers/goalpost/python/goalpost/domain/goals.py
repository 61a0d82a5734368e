"""Personal finance goals: types, lifecycle, progress arithmetic, milestones and the alerts they raise."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from goalpost.domain.alerts import AlertType, NewAlert
from goalpost.domain.errors import BusinessRuleError, Conflict, InvalidInput, NotFound
from goalpost.domain.ids import new_id
from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, ZERO, money_text, round2
from goalpost.domain.pace import DayTotal


class GoalType(StrEnum):
    SAVINGS = "savings"
    INVESTMENT = "investment"
    NET_WORTH = "net_worth"
    INCOME = "income"
    CUSTOM = "custom"
    EMERGENCY_FUND = "emergency_fund"
    SAVINGS_TARGET = "savings_target"
    DOWN_PAYMENT = "down_payment"
    MAJOR_PURCHASE = "major_purchase"
    INVESTMENT_TARGET = "investment_target"
    RETIREMENT_SAVINGS = "retirement_savings"
    SAVINGS_RATE = "savings_rate"
    NET_WORTH_TARGET = "net_worth_target"
    PORTFOLIO_VALUE = "portfolio_value"
    MONTHLY_RETURN = "monthly_return"
    MONTHLY_INCOME = "monthly_income"
    DEBT = "debt"
    DEBT_PAYOFF = "debt_payoff"
    DEBT_FREE = "debt_free"
    EXPENSE_REDUCTION = "expense_reduction"


DECREASING_TYPES = frozenset({GoalType.DEBT, GoalType.DEBT_PAYOFF, GoalType.DEBT_FREE, GoalType.EXPENSE_REDUCTION})
PERCENT_TYPES = frozenset({GoalType.SAVINGS_RATE, GoalType.MONTHLY_RETURN})  # their amounts are percentages


class GoalStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class TrackingStatus(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"


ALLOWED_TRANSITIONS: dict[GoalStatus, frozenset[GoalStatus]] = {
    GoalStatus.ACTIVE: frozenset({GoalStatus.PAUSED, GoalStatus.COMPLETED, GoalStatus.ABANDONED}),
    GoalStatus.PAUSED: frozenset({GoalStatus.ACTIVE, GoalStatus.ABANDONED}),
    GoalStatus.COMPLETED: frozenset(),
    GoalStatus.ABANDONED: frozenset(),
}
FINAL_STATUSES = frozenset({GoalStatus.COMPLETED, GoalStatus.ABANDONED})
MAX_MILESTONES = 40  # every one may be reached by one change: its alert must fit the transaction

# The percentage alerts, each raised once per goal the first time progress gets to it.
PERCENT_ALERTS: tuple[tuple[Decimal, AlertType], ...] = (
    (Decimal(25), AlertType.MILESTONE_25),
    (Decimal(50), AlertType.MILESTONE_50),
    (Decimal(75), AlertType.MILESTONE_75),
    (HUNDRED, AlertType.GOAL_COMPLETED),
)


def is_decreasing(goal_type: GoalType) -> bool:
    return goal_type in DECREASING_TYPES


def amount_text(goal_type: GoalType, amount: Decimal) -> str:
    """An amount of a goal with its unit, as messages show it: ``$1,450.00``, or ``20.00%``."""
    return f"{money_text(amount)}%" if goal_type in PERCENT_TYPES else f"${money_text(amount)}"


def has_reached(goal_type: GoalType, amount: Decimal, level: Decimal) -> bool:
    """Whether ``amount`` has got to ``level`` in the goal's direction."""
    return amount <= level if is_decreasing(goal_type) else amount >= level


def percent_complete(goal_type: GoalType, current: Decimal, start: Decimal, target: Decimal) -> Decimal:
    """``(current - start) / (target - start) * 100``, 2 decimals, never below 0, may exceed 100.

    Progress and span are measured in the goal's direction, so one formula serves both kinds; a goal with
    no distance to cover is 100 % once at its target and 0 % before."""
    sign = -1 if is_decreasing(goal_type) else 1
    span = (target - start) * sign
    if span <= 0:
        return round2(HUNDRED) if has_reached(goal_type, current, target) else round2(ZERO)
    progress = (current - start) * sign
    return round2(max(ZERO, progress / span * HUNDRED))


def tracking_status(percent: Decimal) -> TrackingStatus:
    """The trading goals' status, from the percentage alone (a personal goal's is by pace: see
    ``goalpost.domain.progress.tracking_status_at``)."""
    if percent >= 100:
        return TrackingStatus.ACHIEVED
    if percent >= 85:
        return TrackingStatus.ON_TRACK
    if percent >= 70:
        return TrackingStatus.AT_RISK
    return TrackingStatus.BEHIND


def default_start_amount(goal_type: GoalType, current: Decimal) -> Decimal:
    """Increasing goals start from 0; decreasing ones from where they are (a debt of 8500 toward 0)."""
    return current if is_decreasing(goal_type) else ZERO


def validate_target(goal_type: GoalType, target: Decimal) -> None:
    if target <= 0 and not is_decreasing(goal_type):
        raise InvalidInput("target_amount must be greater than 0 for increasing goals")


def direction_problem(goal_type: GoalType, start: Decimal, target: Decimal) -> str | None:
    """What is wrong when the target does not lie beyond the start in the goal's direction (None when it
    does): such a goal has no way to cover, so it would read "achieved" from the start."""
    if is_decreasing(goal_type):
        if target < start:
            return None
        return (
            f"A {goal_type.value} goal counts down: target_amount ({target:f}) must be below start_amount "
            f"({start:f}); there is nothing to pay down"
        )
    if target > start:
        return None
    return f"A {goal_type.value} goal counts up: target_amount ({target:f}) must be above start_amount ({start:f})"


def validate_new_goal(goal_type: GoalType, current: Decimal, start: Decimal, target: Decimal) -> None:
    """A new goal has a way to cover and has not covered it yet: it is never "achieved" by construction."""
    problem = direction_problem(goal_type, start, target)
    if problem is not None:
        raise InvalidInput(problem)
    if has_reached(goal_type, current, target):
        raise InvalidInput(
            f"current_amount ({current:f}) already reaches target_amount ({target:f}): "
            "the goal would be achieved when created"
        )


class Milestone(Model):
    id: str
    amount: Decimal
    description: str
    target_date: date | None = None
    reached: bool = False
    reached_date: date | None = None


class Goal(Model):
    id: str
    user_id: str
    name: str
    description: str | None = None
    type: GoalType
    target_amount: Decimal
    current_amount: Decimal
    start_amount: Decimal
    deadline: datetime | None = None
    status: GoalStatus = GoalStatus.ACTIVE
    tags: list[str] = Field(default_factory=list)
    template_id: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    milestones: list[Milestone] = Field(default_factory=list)
    # Bookkeeping that never leaves the service.
    allocation_total: Decimal = ZERO  # the sum of the funding links' percentages (kept by their transactions)
    funding_links: int = 0  # how many funding links there are (kept by the same transactions)
    version: int = 0  # optimistic concurrency: every write moves it on
    alerted: set[str] = Field(default_factory=set)  # the percentage alerts raised so far
    initial_amount: Decimal | None = None  # the amount at creation (the base of the earliest back-dated entry)
    first_period: date | None = None  # the earliest entry's period_date
    latest_period: date | None = None  # the latest entry's period_date: older entries never set the amount
    reached_date: date | None = None  # when the amount last got to the target
    pace_days: dict[str, DayTotal] = Field(default_factory=dict)  # see goalpost.domain.pace
    last_on_track: bool | None = None  # as the end-of-day job last saw it (off_track / back_on_track flips)
    reminder_day: int = 1  # the day of the month an update reminder is due (no entry that month)
    calculated_at: datetime | None = None  # the end-of-day run that last set the amount (its retries set it no more)

    @property
    def percent_complete(self) -> Decimal:
        return percent_complete(self.type, self.current_amount, self.start_amount, self.target_amount)

    @property
    def decreasing(self) -> bool:
        return is_decreasing(self.type)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def reached(self) -> bool:
        return self.percent_complete >= HUNDRED

    def ordered_milestones(self) -> list[Milestone]:
        return sorted(self.milestones, key=lambda m: m.amount, reverse=is_decreasing(self.type))

    def amount_text(self, amount: Decimal) -> str:
        return amount_text(self.type, amount)

    def standing_text(self) -> str:
        """Where the goal stands, for messages: ``$2,500.00 of $10,000.00 (25.00%)``."""
        current, target = self.amount_text(self.current_amount), self.amount_text(self.target_amount)
        return f"{current} of {target} ({self.percent_complete}%)"

    def remaining(self) -> Decimal:
        """The distance still to cover, in the goal's direction (0 once there)."""
        distance = (
            self.current_amount - self.target_amount if self.decreasing else self.target_amount - self.current_amount
        )
        return max(ZERO, distance)


@dataclass
class GoalDraft:
    """Everything a new goal is made of, whether from a request or from a template."""

    name: str
    type: GoalType
    target_amount: Decimal
    current_amount: Decimal = ZERO
    start_amount: Decimal | None = None
    deadline: datetime | None = None
    description: str | None = None
    status: GoalStatus = GoalStatus.ACTIVE
    tags: list[str] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    template_id: str | None = None
    reminder_day: int = 1


def new_goal(user_id: str, draft: GoalDraft, now: datetime) -> Goal:
    """The goal a draft describes, created at ``now``: its amount set, and what that amount has already got to
    marked, not announced."""
    described = {f.name: getattr(draft, f.name) for f in fields(draft)}
    if draft.start_amount is None:
        described["start_amount"] = default_start_amount(draft.type, draft.current_amount)
    validate_new_goal(draft.type, draft.current_amount, described["start_amount"], draft.target_amount)
    goal = Goal(
        **described,
        id=new_id(int(now.timestamp() * 1000)),
        user_id=user_id,
        created_at=now,
        updated_at=now,
        completed_at=now if draft.status == GoalStatus.COMPLETED else None,
        initial_amount=draft.current_amount,
    )
    set_amount(goal, goal.current_amount, now.date())
    progress_alerts(goal, now.date(), silent=True)
    return goal


class GoalChanges(Model):
    """What a change of a goal sets: the fields given (``model_fields_set``) and only those; ``description`` and
    ``deadline`` given as None are cleared."""

    name: str | None = None
    description: str | None = None
    target_amount: Decimal | None = None
    current_amount: Decimal | None = None
    deadline: datetime | None = None
    status: GoalStatus | None = None
    tags: list[str] | None = None
    reminder_day: int | None = None


def change_status(goal: Goal, new_status: GoalStatus, now: datetime) -> None:
    """Move ``goal`` through its lifecycle; ``Conflict`` on a forbidden move. Same status is a no-op."""
    if new_status == goal.status:
        return
    if new_status not in ALLOWED_TRANSITIONS[goal.status]:
        raise Conflict(f"Cannot change a goal's status from {goal.status.value} to {new_status.value}")
    goal.status = new_status
    if new_status == GoalStatus.COMPLETED:
        goal.completed_at = now


def ensure_amounts_may_change(goal: Goal) -> None:
    if goal.is_final:
        raise Conflict(f"The goal is {goal.status.value}; its amount can no longer change")


def set_amount(goal: Goal, amount: Decimal, today: date) -> None:
    """Moves the goal's amount, remembering the day it got to the target (forgotten if it falls back)."""
    goal.current_amount = amount
    if not goal.reached:
        goal.reached_date = None
    elif goal.reached_date is None:
        goal.reached_date = today


def add_milestone(goal: Goal, milestone: Milestone, today: date) -> None:
    """Adds a milestone; one the amount has already got to is marked reached at once (no alert: the amount
    did not change)."""
    if len(goal.milestones) >= MAX_MILESTONES:
        raise BusinessRuleError(f"A goal has at most {MAX_MILESTONES} milestones")
    goal.milestones.append(milestone)
    mark_reached_milestones(goal, today)


MILESTONE_NOT_FOUND = "Milestone not found"


class MilestoneChanges(Model):
    """What an edit of a milestone sets: the fields given (``model_fields_set``) and only those; a
    ``target_date`` given as None is cleared."""

    amount: Decimal | None = None
    description: str | None = None
    target_date: date | None = None


def find_milestone(goal: Goal, milestone_id: str) -> Milestone:
    """The goal's milestone of that id; ``NotFound`` when the goal has none (another goal's is not its own)."""
    found = next((m for m in goal.milestones if m.id == milestone_id), None)
    if found is None:
        raise NotFound(MILESTONE_NOT_FOUND)
    return found


def edit_milestone(goal: Goal, milestone_id: str, changes: MilestoneChanges, today: date) -> Milestone:
    """Edits a milestone. A new amount is checked against the goal's amount at once, as on add: one the amount
    has got to is marked (keeping the day it was first reached), one it has not is unmarked, so that the amount
    reaching it later marks it. Its ``milestone_reached`` alert stays once per milestone: the alert's dedupe
    key is the milestone's id."""
    milestone = find_milestone(goal, milestone_id)
    for name in changes.model_fields_set:
        setattr(milestone, name, getattr(changes, name))
    if "amount" in changes.model_fields_set and not has_reached(goal.type, goal.current_amount, milestone.amount):
        milestone.reached = False
        milestone.reached_date = None
    mark_reached_milestones(goal, today)
    return milestone


def remove_milestone(goal: Goal, milestone_id: str) -> None:
    goal.milestones.remove(find_milestone(goal, milestone_id))


class MilestoneProgress(Model):
    goal_id: str
    total_milestones: int
    reached_count: int
    percent_complete: Decimal
    next_milestone: Milestone | None


def milestone_progress(goal: Goal) -> MilestoneProgress:
    ordered = goal.ordered_milestones()
    reached = sum(1 for m in ordered if m.reached)
    return MilestoneProgress(
        goal_id=goal.id,
        total_milestones=len(ordered),
        reached_count=reached,
        percent_complete=round2(Decimal(reached) / len(ordered) * HUNDRED) if ordered else round2(ZERO),
        next_milestone=next((m for m in ordered if not m.reached), None),
    )


def mark_reached_milestones(goal: Goal, today: date) -> list[Milestone]:
    """Marks every milestone the current amount has got to; returns those newly marked (once, never lost)."""
    newly = []
    for milestone in goal.milestones:
        if not milestone.reached and has_reached(goal.type, goal.current_amount, milestone.amount):
            milestone.reached = True
            milestone.reached_date = today
            newly.append(milestone)
    return newly


def _percent_alert(goal: Goal, alert_type: AlertType) -> NewAlert:
    if alert_type == AlertType.GOAL_COMPLETED:
        return NewAlert(
            alert_type,
            title=f"Goal reached: {goal.name}",
            message=f"'{goal.name}' has reached its target: {goal.standing_text()}.",
            goal_id=goal.id,
        )
    percent = alert_type.value.rsplit("_", 1)[1]
    return NewAlert(
        alert_type,
        title=f"{percent}% of the way: {goal.name}",
        message=f"'{goal.name}' has passed {percent}% of the way to its target: {goal.standing_text()} now.",
        goal_id=goal.id,
    )


def progress_alerts(goal: Goal, today: date, *, silent: bool = False) -> list[NewAlert]:
    """Everything the goal's current amount newly earns: reached milestones and percentage alerts, each
    once per goal (remembered in ``goal.alerted``). ``silent`` marks without raising (goal creation)."""
    alerts = [
        NewAlert(
            AlertType.MILESTONE_REACHED,
            title=f"Milestone reached: {milestone.description}",
            message=f"'{goal.name}' got to {goal.amount_text(milestone.amount)}: {goal.standing_text()}.",
            goal_id=goal.id,
            period=milestone.id,
        )
        for milestone in mark_reached_milestones(goal, today)
    ]
    percent = goal.percent_complete
    for threshold, alert_type in PERCENT_ALERTS:
        if percent >= threshold and alert_type.value not in goal.alerted:
            goal.alerted.add(alert_type.value)
            alerts.append(_percent_alert(goal, alert_type))
    return [] if silent else alerts
