"""Demo data for ``make run ARGS=--demo``: a user with goals in several states, milestones and an alert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from goalpost.domain.clock import utc_now
from goalpost.schemas.goals import GoalCreate, GoalUpdate
from goalpost.services import goals


def seed(user_id: str) -> None:
    now = utc_now()
    emergency = goals.create_goal(
        user_id,
        GoalCreate.model_validate(
            {
                "name": "Emergency Fund",
                "description": "Build a 6-month emergency fund",
                "type": "emergency_fund",
                "target_amount": Decimal(12000),
                "current_amount": Decimal(2500),
                "deadline": (now + timedelta(days=300)).date().isoformat(),
                "tags": ["category:savings"],
                "milestones": [
                    {"amount": Decimal(3000), "description": "First 3k"},
                    {"amount": Decimal(6000), "description": "Halfway"},
                ],
            }
        ),
    )
    goals.create_goal(
        user_id,
        GoalCreate.model_validate(
            {
                "name": "Pay off the car loan",
                "type": "debt_payoff",
                "target_amount": Decimal(0),
                "current_amount": Decimal(8500),
                "deadline": (now + timedelta(days=500)).date().isoformat(),
                "tags": ["debt:car"],
            }
        ),
    )
    goals.create_goal(
        user_id,
        GoalCreate.model_validate(
            {"name": "House down payment", "type": "down_payment", "target_amount": Decimal(60000), "status": "paused"}
        ),
    )
    # A contribution that passes the first milestone and 25 %: two alerts, published at once.
    goals.update_goal(user_id, emergency.id, GoalUpdate(current_amount=Decimal(3200)))
