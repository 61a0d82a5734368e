"""Trading goal responses, shaped exactly as the original service's documentation shows."""

from __future__ import annotations

from datetime import date
from typing import Literal

from goalpost.domain.goals import TrackingStatus
from goalpost.domain.trading import TradingGoalType
from goalpost.schemas.common import JsonNumber, ResponseModel, UtcDateTime


class TradingGoalOut(ResponseModel):
    goal_type: TradingGoalType
    target_value: JsonNumber
    current_value: JsonNumber
    progress_percent: JsonNumber
    status: TrackingStatus
    updated_at: UtcDateTime | None


class StatusOut(ResponseModel):
    success: Literal[True] = True
    goals: list[TradingGoalOut]
    timestamp: UtcDateTime


class HistoryRowOut(ResponseModel):
    date: date
    actual_value: JsonNumber
    target_value: JsonNumber
    variance_percent: JsonNumber
    status: TrackingStatus


class HistoryOut(ResponseModel):
    success: Literal[True] = True
    goal_type: TradingGoalType
    history: list[HistoryRowOut]
    days: int


class ManualSnapshotOut(ResponseModel):
    success: Literal[True] = True
    message: str = "Manual goal snapshot completed"
    timestamp: UtcDateTime


class TargetsOut(ResponseModel):
    success: Literal[True] = True
    updates: dict[str, JsonNumber]
    message: str = "Goal targets updated successfully"


class RecordProfitOut(ResponseModel):
    success: Literal[True] = True
    profit_recorded: JsonNumber
    month_to_date: JsonNumber
    message: str = "Profit recorded successfully"


class TargetChangeOut(ResponseModel):
    changed_at: UtcDateTime
    portfolio_value: JsonNumber
    adjustment_factor: JsonNumber
    reason: str
    updates: dict[str, JsonNumber]
