"""Trading performance: the metrics over closed positions, from the running aggregates, and the portfolio's
drawdown from its daily points."""

from __future__ import annotations

from decimal import Decimal

from goalpost.data import performance as performance_store
from goalpost.data import snapshots as snapshot_store
from goalpost.domain.charts import Tier, max_drawdown_percent
from goalpost.domain.clock import utc_now
from goalpost.domain.performance import ALL_STRATEGIES, Metrics, StrategyStats, metrics
from goalpost.settings import get_settings


def performance(user_id: str, strategy: str | None) -> tuple[Metrics, dict[str, Metrics]]:
    """The metrics of one strategy (or all), and per strategy: one Query of the aggregates, one of the daily
    portfolio points for the drawdown."""
    data = get_settings().data_table_name
    aggregates = performance_store.strategy_stats(data, user_id)
    points = snapshot_store.tier_points(data, user_id, Tier.DAILY, None, utc_now())
    drawdown = max_drawdown_percent([Decimal(p["total_value"]) for p in points])
    chosen = aggregates.get(strategy or ALL_STRATEGIES, StrategyStats())
    by_strategy = {name: metrics(stats, name) for name, stats in sorted(aggregates.items()) if name != ALL_STRATEGIES}
    if strategy is not None:
        by_strategy = {name: m for name, m in by_strategy.items() if name == strategy}
    return metrics(chosen, strategy, drawdown), by_strategy
