"""Trading performance: the metrics over closed positions, from the running aggregates (all trades, or one
strategy, bot or prompt, and per each), and the portfolio's return and risk ratios from its values."""

from __future__ import annotations

from datetime import timedelta

from goalpost.data import performance as performance_store
from goalpost.domain.charts import Tier
from goalpost.domain.clock import utc_now
from goalpost.domain.errors import BusinessRuleError
from goalpost.domain.performance import (
    ALL_STRATEGIES,
    GroupKind,
    Metrics,
    Performance,
    StrategyStats,
    group_name,
    group_of,
    metrics,
)
from goalpost.domain.ratios import WINDOW, portfolio_ratios
from goalpost.settings import get_settings

# The 5-minute points are kept at least this long (domain.charts.Tier): the drawdown walks them where kept.
FIVE_MINUTE_WINDOW: timedelta = Tier.FIVE_MINUTES.keep or timedelta(days=2)


def _labelled(stats: StrategyStats, kind: GroupKind | None, value: str | None) -> Metrics:
    """The group's metrics, labelled with the strategy, bot or prompt it is (no label: all trades)."""

    def label(of: GroupKind) -> str | None:
        return value if kind == of else None

    return metrics(stats, label(GroupKind.STRATEGY), bot_id=label(GroupKind.BOT), prompt_id=label(GroupKind.PROMPT))


def chosen_filter(strategy: str | None, bot_id: str | None, prompt_id: str | None) -> tuple[GroupKind, str] | None:
    """The one group asked for, or None for all trades; ``BusinessRuleError`` for two or more."""
    given = {
        kind: value
        for kind, value in ((GroupKind.STRATEGY, strategy), (GroupKind.BOT, bot_id), (GroupKind.PROMPT, prompt_id))
        if value is not None
    }
    if len(given) > 1:
        names = " and ".join(kind.value for kind in given)
        raise BusinessRuleError(f"filter by one of strategy, bot_id or prompt_id at a time, not {names}")
    return next(iter(given.items()), None)


def performance(user_id: str, chosen: tuple[GroupKind, str] | None) -> Performance:
    """The metrics of one group (or all trades) and per group, with the portfolio's ratios: one Query of the
    aggregates, one of the daily values of the last 365 days, one of the 5-minute values where kept.

    With a filter, only its own group map is filled (with that group): an aggregate is per strategy, bot or
    prompt, not per pair of them, so another map could only show unfiltered trades."""
    data = get_settings().data_table_name
    now = utc_now()
    aggregates = performance_store.group_stats(data, user_id)
    snapshots = get_settings().snapshots_table_name
    daily = performance_store.tier_values(snapshots, user_id, Tier.DAILY, now - WINDOW, now)
    recent = performance_store.tier_values(snapshots, user_id, Tier.FIVE_MINUTES, now - FIVE_MINUTE_WINDOW, now)
    groups: dict[GroupKind, dict[str, Metrics]] = {kind: {} for kind in GroupKind}
    for name, stats in sorted(aggregates.items()):
        parsed = group_of(name)
        # A group whose every trade was deleted keeps its (zeroed) item: it is no value used any more.
        if parsed is not None and stats.trades and (chosen is None or chosen == parsed):
            groups[parsed[0]][parsed[1]] = _labelled(stats, *parsed)
    stats = aggregates.get(ALL_STRATEGIES if chosen is None else group_name(*chosen), StrategyStats())
    overall = _labelled(stats, *(chosen or (None, None)))
    return Performance(overall, portfolio_ratios(daily, recent), groups)
