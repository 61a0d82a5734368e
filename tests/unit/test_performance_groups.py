"""The performance aggregates per group (all trades, strategy, bot, prompt): after random opens, closes and
deletes, the running sums that the close and delete transactions ``ADD`` equal a brute-force recomputation
over the positions still closed, and the transaction items are the ones the groups name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from goalpost.data import keys
from goalpost.data.performance import stats_items
from goalpost.domain.performance import (
    ALL_STRATEGIES,
    STAT_FIELDS,
    GroupKind,
    StrategyStats,
    contribution,
    group_name,
    group_of,
    groups_of,
    metrics,
)
from goalpost.domain.positions import ExitReason, Position, PositionStatus, close
from tests.unit.test_position_rules import NOW, PROPERTY, add, aggregate, closed_positions, make_position

LABELS = st.none() | st.sampled_from(["a", "b", "c"])


@dataclass
class Trade:
    position: Position  # as it is once closed
    status: PositionStatus | None = None  # None: not opened yet; deleted trades are dropped


@st.composite
def labelled(draw: st.DrawFn) -> Position:
    position = draw(closed_positions())
    return position.model_copy(update={"strategy": draw(LABELS), "bot_id": draw(LABELS), "prompt_id": draw(LABELS)})


operations = st.lists(st.tuples(st.sampled_from(["open", "close", "delete"]), st.integers(0, 7)), max_size=40)


def run(trades: list[Trade], steps: list[tuple[str, int]]) -> dict[str, StrategyStats]:
    """Applies the steps as the routes do and returns the stored aggregates; deleted trades leave ``trades``."""
    stored: dict[str, StrategyStats] = {}

    def move(trade: Trade, sign: int) -> None:  # what the close (+1) and the delete of a closed one (-1) ADD
        for group in groups_of(trade.position):
            stored[group] = add(stored.get(group, StrategyStats()), contribution(trade.position, sign))

    for action, index in steps:
        trade = trades[index % len(trades)] if trades else None
        if trade is None:
            break
        if action == "open" and trade.status is None:
            trade.status = PositionStatus.OPEN  # an open position is in no aggregate
        elif action == "close" and trade.status == PositionStatus.OPEN:
            trade.status = PositionStatus.CLOSED
            move(trade, +1)
        elif action == "delete" and trade.status is not None:
            if trade.status == PositionStatus.CLOSED:
                move(trade, -1)
            trades.remove(trade)
    return stored


def brute_force(closed: list[Position]) -> dict[str, list[Position]]:
    """The closed positions of each group, found from their labels alone."""
    members: dict[str, list[Position]] = {ALL_STRATEGIES: closed}
    labels = {GroupKind.STRATEGY: "strategy", GroupKind.BOT: "bot_id", GroupKind.PROMPT: "prompt_id"}
    for position in closed:
        for kind, attribute in labels.items():
            if value := getattr(position, attribute):
                members.setdefault(group_name(kind, value), []).append(position)
    return members


@PROPERTY
@given(st.lists(labelled(), min_size=1, max_size=8), operations)
def test_group_aggregates_equal_a_brute_force_after_opens_closes_and_deletes(
    positions: list[Position], steps: list[tuple[str, int]]
) -> None:
    trades = [Trade(p) for p in positions]
    stored = run(trades, steps)
    expected = brute_force([t.position for t in trades if t.status == PositionStatus.CLOSED])
    for group, members in expected.items():
        assert stored.get(group, StrategyStats()) == aggregate(members), group
        assert metrics(stored.get(group, StrategyStats()), None) == metrics(aggregate(members), None)
    for group in set(stored) - set(expected):  # every trade taken out again: all sums back to 0
        assert stored[group] == StrategyStats(), group


@given(st.sampled_from(GroupKind), st.text(st.characters(blacklist_characters="#"), min_size=1, max_size=20))
def test_a_group_name_says_its_kind(kind: GroupKind, value: str) -> None:
    assume((kind, value) != (GroupKind.STRATEGY, ALL_STRATEGIES))  # refused as a strategy (schemas.positions)
    assert group_of(group_name(kind, value)) == (kind, value)
    assert group_of(ALL_STRATEGIES) is None


def test_a_close_moves_one_item_per_group_with_every_field() -> None:
    position = make_position(entry="100", stop_loss="95", take_profit="110", fees="1.5")
    position = position.model_copy(update={"strategy": "breakout", "bot_id": "bot-1", "prompt_id": "p-9"})
    close(position, exit_price=Decimal(110), exit_time=NOW + timedelta(minutes=42), reason=ExitReason.TP_HIT)
    items = stats_items("t", position, +1)
    assert [item["Update"]["Key"]["sk"]["S"] for item in items] == [
        keys.perf_sk(name) for name in ("*", "breakout", "B#bot-1", "P#p-9")
    ]
    values = items[0]["Update"]["ExpressionAttributeValues"]
    moved = dict(zip(STAT_FIELDS, (Decimal(values[f":s{n}"]["N"]) for n in range(len(STAT_FIELDS))), strict=True))
    assert (moved["fees_sum"], moved["duration_sum"], moved["duration_count"]) == (Decimal("1.5"), 42, 1)
    taken_out = stats_items("t", position, -1)[3]["Update"]["ExpressionAttributeValues"]
    assert Decimal(taken_out[f":s{STAT_FIELDS.index('trades')}"]["N"]) == -1
    unlabelled = position.model_copy(update={"strategy": None, "bot_id": None, "prompt_id": None})
    assert len(stats_items("t", unlabelled, +1)) == 1


def test_an_aggregate_stored_before_fees_and_durations_reads_them_as_zero() -> None:
    older = StrategyStats.model_validate({"trades": 2, "wins": 1, "losses": 1, "pnl_sum": 10, "loss_sum": -5})
    result = metrics(older, None)
    assert (result.total_fees, result.avg_trade_duration_minutes) == (0, None)  # no duration recorded: null
    assert (result.expectancy, result.expectancy_ratio) == (Decimal("5.00"), Decimal("1.0000"))  # 5 / |-5|


def test_the_trade_metrics_of_docs_worked_example() -> None:
    def closed(exit_price: str, reason: ExitReason, minutes: int, trigger: str | None = None) -> Position:
        position = make_position(entry="100", stop_loss="95", take_profit="110", quantity="10", fees="1")
        close(
            position,
            exit_price=Decimal(exit_price),
            exit_time=NOW + timedelta(minutes=minutes),
            reason=reason,
            trigger=None if trigger is None else Decimal(trigger),
        )
        return position

    positions = [
        closed("110.11", ExitReason.TP_HIT, 30, "110"),  # +100.10
        closed("94.81", ExitReason.SL_HIT, 45, "95"),  # -52.90
        closed("105", ExitReason.MANUAL, 60),  # +49.00
        closed("100", ExitReason.MANUAL, 105),  # -1.00 (the fees)
    ]
    result = metrics(aggregate(positions), None)
    assert (result.total_pnl, result.avg_loss, result.total_fees) == (Decimal("95.20"), Decimal("-26.95"), 4)
    assert result.avg_trade_duration_minutes == 60  # (30 + 45 + 60 + 105) / 4
    assert result.expectancy == result.avg_pnl == Decimal("23.80")
    assert result.expectancy_ratio == Decimal("0.8831")  # 23.80 / 26.95 = 0.88311...
