"""Splitting a monthly surplus across goals: in proportion to what each needs a month, never more than that.

Worked in whole cents so the split is exact: the shares are floored to the cent, then the cents the flooring
left over go one each to the goals whose shares lost the most (largest remainder), so the goals together get
exactly the surplus, or exactly what they need when the surplus covers it all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from goalpost.domain.goals import Goal, GoalStatus
from goalpost.domain.money import CENT, ZERO, round2
from goalpost.domain.progress import required_monthly_contribution


@dataclass(frozen=True)
class Split:
    surplus: Decimal
    shares: list[Decimal]  # one per need, in the needs' order

    @property
    def allocated(self) -> Decimal:
        return sum(self.shares, ZERO)

    @property
    def unallocated(self) -> Decimal:
        return self.surplus - self.allocated


def split_surplus(surplus: Decimal, needs: Sequence[Decimal]) -> Split:
    """``surplus`` (to the cent) shared over ``needs`` (each to the cent): each need in full when the surplus
    covers them all, else ``surplus * need / total`` to the cent, the leftover cents to the largest
    remainders. A surplus of 0 or less shares nothing."""
    available = round2(surplus)
    wanted = [round2(max(ZERO, need)) for need in needs]
    total = sum(wanted, ZERO)
    if available <= 0 or total == 0:
        return Split(available, [ZERO for _ in wanted])
    if available >= total:
        return Split(available, wanted)
    exact = [available * need / total for need in wanted]
    shares = [share.quantize(CENT, rounding=ROUND_FLOOR) for share in exact]
    left_over = int((available - sum(shares, ZERO)) / CENT)
    # Largest remainder first; on a tie the earlier goal.
    by_loss = sorted(range(len(shares)), key=lambda i: (shares[i] - exact[i], i))
    for index in by_loss[:left_over]:
        shares[index] += CENT
    return Split(available, shares)


@dataclass(frozen=True)
class GoalRecommendation:
    goal: Goal
    required_monthly_contribution: Decimal
    recommended_monthly: Decimal

    @property
    def on_track_with_recommendation(self) -> bool:
        return self.recommended_monthly >= self.required_monthly_contribution


@dataclass(frozen=True)
class Recommendations:
    split: Split
    goals: list[GoalRecommendation]


def recommend_split(surplus: Decimal, goals: Iterable[Goal], today: date) -> Recommendations:
    """``surplus`` split across the active increasing goals with a deadline, by what each needs a month (the
    progress summary's ``required_monthly_contribution``, to the cent)."""
    planned = [
        goal for goal in goals if goal.status == GoalStatus.ACTIVE and not goal.decreasing and goal.deadline is not None
    ]
    needs = [round2(required_monthly_contribution(goal, today)) for goal in planned]
    split = split_surplus(surplus, needs)
    return Recommendations(
        split, [GoalRecommendation(*shared) for shared in zip(planned, needs, split.shares, strict=True)]
    )
