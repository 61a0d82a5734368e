"""Trading performance: running aggregates per group, moved on each close, and the metrics from them.

A group is all trades (``*``), one strategy, one bot (``B#<bot_id>``) or one prompt (``P#<prompt_id>``). An
aggregate is a handful of counts and sums (one small item per user and group), so ``GET /performance`` reads
a few items per group used whatever the number of trades; deleting a closed position subtracts its
contribution again. A strategy never contains ``#`` (the schema refuses it), so a group's name says its
kind unambiguously."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from goalpost.domain.model import Model
from goalpost.domain.money import HUNDRED, ZERO, round2
from goalpost.domain.positions import ExitReason, Position, risk_reward_ratio, round4
from goalpost.domain.ratios import PortfolioRatios

STAT_FIELDS = (
    "trades",
    "wins",
    "losses",
    "pnl_sum",
    "win_sum",
    "loss_sum",
    "tp_hits",
    "sl_hits",
    "manual_exits",
    "planned_rr_sum",
    "planned_rr_count",
    "actual_rr_sum",
    "actual_rr_count",
    "slippage_sum",
    "slippage_count",
    # Added with bots and prompts: aggregates stored before lack them, and read them as 0 (see docs/metrics.md).
    "fees_sum",
    "duration_sum",
    "duration_count",
)
ALL_STRATEGIES = "*"


class GroupKind(StrEnum):
    """What a group of trades shares, named as the filter of ``GET /performance`` that selects it."""

    STRATEGY = "strategy"
    BOT = "bot_id"
    PROMPT = "prompt_id"


# A group's name is its kind's prefix and the value; strategies have none (the names stored before bots).
GROUP_PREFIX = {GroupKind.STRATEGY: "", GroupKind.BOT: "B#", GroupKind.PROMPT: "P#"}


def group_name(kind: GroupKind, value: str) -> str:
    return GROUP_PREFIX[kind] + value


def group_of(name: str) -> tuple[GroupKind, str] | None:
    """The kind and value of a stored group's name; None for all trades (``*``)."""
    if name == ALL_STRATEGIES:
        return None
    for kind in (GroupKind.BOT, GroupKind.PROMPT):
        if name.startswith(GROUP_PREFIX[kind]):
            return kind, name.removeprefix(GROUP_PREFIX[kind])
    return GroupKind.STRATEGY, name


def groups_of(position: Position) -> list[str]:
    """Every group a closed position counts in: all trades, then its strategy, bot and prompt when set."""
    labels = {
        GroupKind.STRATEGY: position.strategy,
        GroupKind.BOT: position.bot_id,
        GroupKind.PROMPT: position.prompt_id,
    }
    return [ALL_STRATEGIES] + [group_name(kind, value) for kind, value in labels.items() if value]


class StrategyStats(Model):
    trades: Decimal = ZERO
    wins: Decimal = ZERO
    losses: Decimal = ZERO
    pnl_sum: Decimal = ZERO
    win_sum: Decimal = ZERO
    loss_sum: Decimal = ZERO
    tp_hits: Decimal = ZERO
    sl_hits: Decimal = ZERO
    manual_exits: Decimal = ZERO
    planned_rr_sum: Decimal = ZERO
    planned_rr_count: Decimal = ZERO
    actual_rr_sum: Decimal = ZERO
    actual_rr_count: Decimal = ZERO
    slippage_sum: Decimal = ZERO
    slippage_count: Decimal = ZERO
    fees_sum: Decimal = ZERO
    duration_sum: Decimal = ZERO
    duration_count: Decimal = ZERO


def contribution(position: Position, sign: int = 1) -> dict[str, Decimal]:
    """What one closed position adds to its aggregates (``sign=-1``: takes it out again)."""
    pnl = position.pnl_usd or ZERO
    winning = pnl > 0
    planned = risk_reward_ratio(position)
    values = {
        "trades": Decimal(1),
        "wins": Decimal(1 if winning else 0),
        "losses": Decimal(0 if winning else 1),
        "pnl_sum": pnl,
        "win_sum": pnl if winning else ZERO,
        "loss_sum": ZERO if winning else pnl,
        "tp_hits": Decimal(1 if position.exit_reason == ExitReason.TP_HIT else 0),
        "sl_hits": Decimal(1 if position.exit_reason == ExitReason.SL_HIT else 0),
        "manual_exits": Decimal(1 if position.exit_reason == ExitReason.MANUAL else 0),
        "planned_rr_sum": planned or ZERO,
        "planned_rr_count": Decimal(0 if planned is None else 1),
        "actual_rr_sum": position.actual_rr_ratio or ZERO,
        "actual_rr_count": Decimal(0 if position.actual_rr_ratio is None else 1),
        "slippage_sum": position.slippage or ZERO,
        "slippage_count": Decimal(0 if position.slippage is None else 1),
        "fees_sum": position.fees_paid,
        "duration_sum": Decimal(position.trade_duration_minutes or 0),
        "duration_count": Decimal(0 if position.trade_duration_minutes is None else 1),
    }
    return {name: value * sign for name, value in values.items()}


class Metrics(Model):
    strategy: str | None
    bot_id: str | None = None
    prompt_id: str | None = None
    total_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: Decimal | None
    total_pnl: Decimal | None
    avg_pnl: Decimal | None
    avg_win: Decimal | None
    avg_loss: Decimal | None
    profit_factor: Decimal | None
    tp_hit_rate: Decimal | None
    sl_hit_rate: Decimal | None
    manual_exit_rate: Decimal | None
    avg_planned_rr: Decimal | None
    avg_actual_rr: Decimal | None
    rr_achievement_rate: Decimal | None
    avg_slippage: Decimal | None
    total_fees: Decimal | None = None
    avg_trade_duration_minutes: Decimal | None = None
    expectancy: Decimal | None = None
    expectancy_ratio: Decimal | None = None
    max_drawdown_percent: Decimal | None = None


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else part / whole


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    share = _ratio(part, whole)
    return None if share is None else round2(share * HUNDRED)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else round2(value)


def _four(value: Decimal | None) -> Decimal | None:
    return None if value is None else round4(value)


def _expectancy_ratio(stats: StrategyStats) -> Decimal | None:
    """Expectancy per unit of average loss: (pnl_sum / trades) / |loss_sum / losses|, from the exact sums."""
    if not stats.trades or not stats.losses or stats.loss_sum == 0:
        return None
    return round4((stats.pnl_sum / stats.trades) / abs(stats.loss_sum / stats.losses))


def metrics(
    stats: StrategyStats,
    strategy: str | None,
    max_drawdown: Decimal | None = None,
    *,
    bot_id: str | None = None,
    prompt_id: str | None = None,
) -> Metrics:
    """The spec's metrics from an aggregate (labelled with the group's strategy, bot or prompt); a metric
    without data is None."""
    trades = stats.trades
    avg_pnl = _money(_ratio(stats.pnl_sum, trades))
    avg_planned = _ratio(stats.planned_rr_sum, stats.planned_rr_count)
    avg_actual = _ratio(stats.actual_rr_sum, stats.actual_rr_count)
    achievement = None
    if avg_planned and avg_actual is not None:
        achievement = round2(avg_actual / avg_planned * HUNDRED)
    return Metrics(
        strategy=strategy,
        bot_id=bot_id,
        prompt_id=prompt_id,
        total_trades=int(trades),
        winning_trades=int(stats.wins),
        losing_trades=int(stats.losses),
        win_rate=_percent(stats.wins, trades),
        total_pnl=_money(stats.pnl_sum) if trades else None,
        avg_pnl=avg_pnl,
        avg_win=_money(_ratio(stats.win_sum, stats.wins)),
        avg_loss=_money(_ratio(stats.loss_sum, stats.losses)),
        profit_factor=None if stats.loss_sum == 0 else _four(stats.win_sum / abs(stats.loss_sum)),
        tp_hit_rate=_percent(stats.tp_hits, trades),
        sl_hit_rate=_percent(stats.sl_hits, trades),
        manual_exit_rate=_percent(stats.manual_exits, trades),
        avg_planned_rr=_four(avg_planned),
        avg_actual_rr=_four(avg_actual),
        rr_achievement_rate=achievement,
        avg_slippage=_four(_ratio(stats.slippage_sum, stats.slippage_count)),
        total_fees=_money(stats.fees_sum) if trades else None,
        avg_trade_duration_minutes=_money(_ratio(stats.duration_sum, stats.duration_count)),
        expectancy=avg_pnl,
        expectancy_ratio=_expectancy_ratio(stats),
        max_drawdown_percent=None
        if max_drawdown is None
        else max_drawdown.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    )


@dataclass
class Performance:
    """What ``GET /performance`` answers: the chosen group's metrics (all trades without a filter), the
    portfolio's ratios and the metrics per group of each kind."""

    overall: Metrics
    ratios: PortfolioRatios
    groups: dict[GroupKind, dict[str, Metrics]] = field(default_factory=dict)
