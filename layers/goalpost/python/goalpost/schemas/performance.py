"""Trading performance responses."""

from __future__ import annotations

from goalpost.domain.performance import GroupKind, Performance
from goalpost.schemas.common import JsonNumber, ResponseModel, UtcDateTime


class MetricsOut(ResponseModel):
    """The metrics of a group of closed trades; the portfolio's ratios are filled at the top level only (a
    group's are null: they come from the portfolio's values, not from its trades)."""

    strategy: str | None
    bot_id: str | None
    prompt_id: str | None
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
    total_fees: JsonNumber | None
    avg_trade_duration_minutes: JsonNumber | None
    expectancy: JsonNumber | None
    expectancy_ratio: JsonNumber | None
    max_drawdown_percent: JsonNumber | None = None
    max_drawdown_start: UtcDateTime | None = None
    max_drawdown_end: UtcDateTime | None = None
    sharpe_ratio: JsonNumber | None = None
    sortino_ratio: JsonNumber | None = None
    cagr_percent: JsonNumber | None = None
    calmar_ratio: JsonNumber | None = None


class PerformanceMetricsOut(MetricsOut):
    by_strategy: dict[str, MetricsOut]
    by_bot: dict[str, MetricsOut]
    by_prompt: dict[str, MetricsOut]

    @classmethod
    def build(cls, found: Performance) -> PerformanceMetricsOut:
        def by(kind: GroupKind) -> dict[str, MetricsOut]:
            return {name: MetricsOut.of(m) for name, m in found.groups.get(kind, {}).items()}

        return cls(
            **{**found.overall.model_dump(), **found.ratios.model_dump()},
            by_strategy=by(GroupKind.STRATEGY),
            by_bot=by(GroupKind.BOT),
            by_prompt=by(GroupKind.PROMPT),
        )
