"""Trading performance responses."""

from __future__ import annotations

from goalpost.domain.performance import Metrics
from goalpost.schemas.common import JsonNumber, ResponseModel


class MetricsOut(ResponseModel):
    strategy: str | None
    total_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: JsonNumber | None
    total_pnl: JsonNumber | None
    avg_pnl: JsonNumber | None
    avg_win: JsonNumber | None
    avg_loss: JsonNumber | None
    profit_factor: JsonNumber | None
    tp_hit_rate: JsonNumber | None
    sl_hit_rate: JsonNumber | None
    manual_exit_rate: JsonNumber | None
    avg_planned_rr: JsonNumber | None
    avg_actual_rr: JsonNumber | None
    rr_achievement_rate: JsonNumber | None
    avg_slippage: JsonNumber | None
    max_drawdown_percent: JsonNumber | None


class PerformanceMetricsOut(MetricsOut):
    by_strategy: dict[str, MetricsOut]

    @classmethod
    def build(cls, overall: Metrics, by_strategy: dict[str, Metrics]) -> PerformanceMetricsOut:
        return cls(**overall.model_dump(), by_strategy={name: MetricsOut.of(m) for name, m in by_strategy.items()})
