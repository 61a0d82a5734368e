"""Trading positions and performance aggregates: pure rules, no AWS.

The expectations are computed independently from the spec ("Positions and position monitoring"), mostly in exact
``Fraction`` arithmetic, and compared with the Decimal results of ``goalpost.domain.positions`` / ``performance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from goalpost.data import keys
from goalpost.domain.performance import STAT_FIELDS, StrategyStats, contribution, metrics
from goalpost.domain.positions import (
    ExitReason,
    ExitSignal,
    Position,
    PositionStatus,
    Side,
    Triggers,
    better,
    check_exit,
    close,
    gross_pnl,
    liquidation_price,
    margin,
    net_pnl,
    pnl_percentage,
    risk_reward_ratio,
    tracks_best,
    trailing_level,
    triggers,
    validate_levels,
)
from tests.depth import scaled

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
TICK = Decimal("0.0001")
PROPERTY = settings(suppress_health_check=[HealthCheck.too_slow])
HALF_CENT = Fraction(1, 200)
HALF_BASIS = Fraction(1, 20000)  # half a unit in the 4th decimal


def decimals_at_most(value: Decimal, places: int) -> bool:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent <= places


def rounded_close(value: Decimal | None, exact: Fraction, places: int) -> bool:
    """``value`` is ``exact`` rounded to ``places`` decimals (either way at a tie)."""
    if value is None or not decimals_at_most(value, places):
        return False
    return abs(Fraction(value) - exact) <= Fraction(1, 2 * 10**places)


def make_position(
    side: Side = Side.LONG,
    quantity: str = "1",
    entry: str = "100",
    leverage: int = 1,
    stop_loss: str | None = None,
    take_profit: str | None = None,
    trailing: str | None = None,
    max_duration: int | None = None,
    fees: str = "0",
    strategy: str | None = None,
) -> Position:
    return Position.opened(
        "u1",
        "BTCUSDT",
        Decimal(quantity),
        Decimal(entry),
        NOW,
        side=side,
        leverage=leverage,
        stop_loss=None if stop_loss is None else Decimal(stop_loss),
        take_profit=None if take_profit is None else Decimal(take_profit),
        trailing_stop_percent=None if trailing is None else Decimal(trailing),
        max_duration_minutes=max_duration,
        fees_paid=Decimal(fees),
        strategy=strategy,
    )


# ---------------------------------------------------------------------------------------------------------------
# The monitor over random price paths: closes iff a level is crossed, with the right reason, exactly once
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    side: Side
    entry: Decimal
    quantity: Decimal
    fees: Decimal
    leverage: int
    stop_loss: Decimal | None
    take_profit: Decimal | None
    trailing: Decimal | None
    max_duration: int | None
    path: tuple[tuple[Decimal, datetime], ...]  # (cached price, time of the monitor run)

    def position(self) -> Position:
        return Position.opened(
            "u1",
            "BTCUSDT",
            self.quantity,
            self.entry,
            NOW,
            side=self.side,
            leverage=self.leverage,
            stop_loss=self.stop_loss,
            take_profit=self.take_profit,
            trailing_stop_percent=self.trailing,
            max_duration_minutes=self.max_duration,
            fees_paid=self.fees,
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    side = draw(st.sampled_from(Side))
    entry = Decimal(draw(st.integers(100, 10_000_000))) / 100  # 1.00 .. 100000.00
    # Prices move on a grid of ticks around the entry, so a path often lands exactly on a level.
    tick = max((entry * draw(st.integers(1, 500)) / 10_000).quantize(TICK), TICK)
    away = 1 if side == Side.LONG else -1  # the direction of a profit
    sl_ticks = draw(st.none() | st.integers(1, 30))
    stop_loss = None if sl_ticks is None else entry - away * sl_ticks * tick
    tp_ticks = draw(st.none() | st.integers(1, 30))
    take_profit = None if tp_ticks is None else entry + away * tp_ticks * tick
    stop_loss = stop_loss if stop_loss is None or stop_loss > 0 else None
    take_profit = take_profit if take_profit is None or take_profit > 0 else None
    trailing = draw(st.none() | st.integers(1, 2000).map(lambda n: Decimal(n) / 100))  # 0.01% .. 20%
    leverage = draw(st.sampled_from([1, 2, 3, 7, 10, 20, 50, 100, 125]) | st.integers(1, 125))
    max_duration = draw(st.none() | st.integers(1, 120) | st.integers(1, 600))
    quantity = Decimal(draw(st.integers(1, 10_000_000))) / 1000
    fees = Decimal(draw(st.integers(0, 50_000))) / 100
    # runs whole minutes apart in some paths, so one often falls exactly on max_duration_minutes
    whole_minutes = draw(st.booleans())
    gaps = st.integers(0, 20).map(lambda m: m * 60) if whole_minutes else st.integers(0, 3600)
    steps = draw(st.lists(st.tuples(st.integers(-6, 6), gaps), min_size=1, max_size=40))
    path = []
    ticks, seconds = 0, 0
    for move, elapsed in steps:
        ticks += move
        seconds += elapsed
        price = max(entry + ticks * tick, TICK)
        path.append((price, NOW + timedelta(seconds=seconds)))
    return Scenario(side, entry, quantity, fees, leverage, stop_loss, take_profit, trailing, max_duration, tuple(path))


@dataclass(frozen=True)
class Crossing:
    step: int
    reason: ExitReason
    trigger: Fraction | None  # the level crossed (exact), None for a timeout


def first_crossing(s: Scenario) -> Crossing | None:
    """From the spec's definitions alone: the first monitor run where something is crossed, and what wins there."""
    long = s.side == Side.LONG
    entry = Fraction(s.entry)
    best = entry  # the best price since entry
    for step, (price_decimal, now) in enumerate(s.path):
        price = Fraction(price_decimal)
        best = max(best, price) if long else min(best, price)  # this price included
        crossed: list[tuple[ExitReason, Fraction | None]] = []
        if s.stop_loss is not None and (price <= s.stop_loss if long else price >= s.stop_loss):
            crossed.append((ExitReason.SL_HIT, Fraction(s.stop_loss)))
        # the loss (before fees) reaches the margin: loss * quantity >= entry * quantity / leverage
        loss = entry - price if long else price - entry
        if loss * s.leverage >= entry:
            move = entry / s.leverage
            crossed.append((ExitReason.LIQUIDATION, entry - move if long else entry + move))
        if s.take_profit is not None and (price >= s.take_profit if long else price <= s.take_profit):
            crossed.append((ExitReason.TP_HIT, Fraction(s.take_profit)))
        if s.trailing is not None:
            share = Fraction(s.trailing) / 100
            level = best * (1 - share) if long else best * (1 + share)
            if price <= level if long else price >= level:
                crossed.append((ExitReason.TRAILING_STOP, level))
        if s.max_duration is not None and now - NOW >= timedelta(minutes=s.max_duration):
            crossed.append((ExitReason.TIMEOUT, None))
        if crossed:
            reason, trigger = crossed[0]  # the list is built in the documented precedence
            return Crossing(step, reason, trigger)
    return None


@dataclass
class MonitorRun:
    closes: int = 0
    close_step: int | None = None
    signal: ExitSignal | None = None


def run_monitor(position: Position, path: tuple[tuple[Decimal, datetime], ...]) -> MonitorRun:
    """What the monitor job does on each run: only OPEN positions, the best price kept across runs."""
    run = MonitorRun()
    best = position.entry_price
    after_close: dict[str, object] | None = None
    for step, (price, now) in enumerate(path):
        if position.status != PositionStatus.OPEN:
            assert position.model_dump() == after_close  # nothing touches it once closed
            continue
        signal = check_exit(position, price, best, now)
        best = better(position.side, best, price)
        if signal is None:
            continue
        close(position, exit_price=signal.price, exit_time=now, reason=signal.reason, trigger=signal.trigger)
        run.closes += 1
        run.close_step = step
        run.signal = signal
        after_close = position.model_dump()
    return run


@PROPERTY
@given(scenarios())
def test_the_monitor_closes_iff_a_level_is_crossed_with_the_right_reason_exactly_once(s: Scenario) -> None:
    position = s.position()
    assert validate_levels(s.side, s.entry, s.stop_loss, s.take_profit) is None
    expected = first_crossing(s)
    run = run_monitor(position, s.path)

    if expected is None:
        assert run.closes == 0
        assert position.status == PositionStatus.OPEN
        assert (position.exit_price, position.exit_time, position.exit_reason, position.pnl_usd) == (None,) * 4
        return

    # (a), (b), (c): one close, at the first crossing, for the reason that wins there
    assert run.closes == 1
    assert run.close_step == expected.step
    assert run.signal is not None
    assert run.signal.reason == expected.reason
    price, now = s.path[expected.step]
    assert position.status == PositionStatus.CLOSED
    assert position.exit_reason == expected.reason
    assert position.exit_price == price  # closes at the cached price
    assert position.exit_time == now
    assert position.last_updated_price == price
    assert position.trade_duration_minutes == int((now - NOW).total_seconds()) // 60

    # (d) the P&L of the close
    entry, exit_price = Fraction(s.entry), Fraction(price)
    move = exit_price - entry if s.side == Side.LONG else entry - exit_price
    pnl = move * Fraction(s.quantity) - Fraction(s.fees)
    assert position.pnl_usd is not None
    assert Fraction(position.pnl_usd) == pnl
    assert position.realized_pnl == position.pnl_usd
    assert position.is_winning == (pnl > 0)
    assert rounded_close(position.pnl_percentage, pnl / (entry * Fraction(s.quantity) / s.leverage) * 100, 4)
    if expected.trigger is None:
        assert run.signal.trigger is None
        assert position.slippage is None
    else:
        assert run.signal.trigger is not None
        if expected.reason == ExitReason.LIQUIDATION:  # entry / leverage need not terminate in decimal
            assert abs(Fraction(run.signal.trigger) - expected.trigger) <= Fraction(1, 10**20)
        else:
            assert Fraction(run.signal.trigger) == expected.trigger
        assert rounded_close(position.slippage, abs(exit_price - expected.trigger) / expected.trigger * 100, 4)
    if s.stop_loss is None:
        assert position.actual_rr_ratio is None
    else:
        multiple = abs(exit_price - entry) / abs(entry - Fraction(s.stop_loss))
        assert position.actual_rr_ratio is not None
        assert rounded_close(abs(position.actual_rr_ratio), multiple, 4)
        if pnl < 0:
            assert position.actual_rr_ratio <= 0
        else:
            assert position.actual_rr_ratio >= 0


def found_by_the_indexes(position: Position, best: Decimal, price: Decimal) -> bool:
    """What the monitor's two Queries return for ``price``: the stored keys against the queried ones."""
    levels = triggers(position, best)
    below = levels.down is not None and keys.level_key(levels.down, ROUND_CEILING) >= keys.level_key(price, ROUND_FLOOR)
    above = levels.up is not None and keys.level_key(levels.up, ROUND_FLOOR) <= keys.level_key(price, ROUND_CEILING)
    return below or above


@PROPERTY
@given(scenarios())
def test_the_trigger_indexes_return_every_position_the_monitor_has_to_act_on(s: Scenario) -> None:
    """The monitor reads only the positions the trigger indexes return. Along any price path, whenever the full
    check would close the position (on a level, not a deadline: those have their own index) or move its best
    price, the position is among them; so reading only those changes nothing."""
    position = s.position()
    best = position.entry_price
    for price, now in s.path:
        signal = check_exit(position, price, best, now)
        on_a_level = signal is not None and signal.reason != ExitReason.TIMEOUT
        moves_best = tracks_best(position) and better(position.side, best, price) != best
        if on_a_level or moves_best:
            assert triggers(position, best).reached(price)
            assert found_by_the_indexes(position, best, price)
        if signal is not None:
            return
        if moves_best:
            best = price


@PROPERTY
@given(st.lists(st.decimals(min_value=Decimal("1e-12"), max_value=Decimal("1e15"), places=12), min_size=2))
def test_level_keys_sort_as_the_prices_do(prices: list[Decimal]) -> None:
    for rounding in (ROUND_FLOOR, ROUND_CEILING):
        encoded = [keys.level_key(price, rounding) for price in prices]
        assert sorted(encoded) == [keys.level_key(price, rounding) for price in sorted(prices)]
        assert all(len(key) == keys.LEVEL_DIGITS for key in encoded)
    low, high = min(prices), max(prices)
    assert keys.level_key(low, ROUND_FLOOR) <= keys.level_key(high, ROUND_CEILING)
    # exact where the price fits the key's 20 decimals, so equal prices meet at the boundary of a Query
    assert keys.level_key(low, ROUND_FLOOR) == keys.level_key(low, ROUND_CEILING)


def test_the_triggers_of_each_kind_of_position() -> None:
    long = make_position(entry="100", stop_loss="90", take_profit="120", leverage=5)  # liquidation at 80
    assert triggers(long, Decimal(100)) == Triggers(Decimal(90), Decimal(120))
    spot = make_position(entry="100")  # a 1x LONG without levels: nothing but a deadline could close it
    assert (triggers(spot, Decimal(100)).down, triggers(spot, Decimal(100)).up) == (None, None)
    trailing = make_position(entry="100", trailing="10")
    levels = triggers(trailing, Decimal(150))  # best so far 150: the stop at 135, a new best above 150
    assert (levels.down, levels.up) == (Decimal(135), Decimal(150))
    short = make_position(side=Side.SHORT, entry="100", stop_loss="105", take_profit="80", leverage=10)
    assert (triggers(short, Decimal(100)).down, triggers(short, Decimal(100)).up) == (Decimal(80), Decimal(105))
    short_trailing = make_position(side=Side.SHORT, entry="100", trailing="10")  # liquidation at 200
    levels = triggers(short_trailing, Decimal(90))
    assert (levels.down, levels.up) == (Decimal(90), Decimal(99))


def test_the_path_generator_reaches_every_outcome() -> None:
    """Guards the property above against a generator that never produces some exit (or never stays open)."""
    seen: set[ExitReason | None] = set()

    @settings(max_examples=scaled(300, 3000), deadline=None, database=None, derandomize=True, phases=[Phase.generate])
    @given(scenarios())
    def collect(s: Scenario) -> None:
        crossing = first_crossing(s)
        seen.add(None if crossing is None else crossing.reason)

    collect()
    assert seen == {*ExitReason, None} - {ExitReason.MANUAL}


def test_the_monitor_examples() -> None:
    def outcome(position: Position, prices: list[str], minutes: int = 3) -> tuple[ExitReason | None, Decimal | None]:
        path = tuple(
            (Decimal(p), NOW + timedelta(minutes=minutes * (i + 1))) for i, p in enumerate(prices)
        )  # a run every few minutes
        run_monitor(position, path)
        return position.exit_reason, position.exit_price

    long = {"side": Side.LONG, "quantity": "0.5", "entry": "50000", "stop_loss": "49000", "take_profit": "53000"}
    assert outcome(make_position(**long), ["51000", "52999.99", "53000"]) == (ExitReason.TP_HIT, Decimal(53000))
    assert outcome(make_position(**long), ["50500", "49000"]) == (ExitReason.SL_HIT, Decimal(49000))
    assert outcome(make_position(**long), ["49000.01", "52999"]) == (None, None)
    short = {"side": Side.SHORT, "entry": "100", "stop_loss": "110", "take_profit": "80"}
    assert outcome(make_position(**short), ["95", "80"]) == (ExitReason.TP_HIT, Decimal(80))
    assert outcome(make_position(**short), ["105", "110.5"]) == (ExitReason.SL_HIT, Decimal("110.5"))
    # the stop loss lies beyond the liquidation price (10x: 90 for a LONG at 100)
    assert outcome(make_position(entry="100", leverage=10, stop_loss="85"), ["95", "90"]) == (
        ExitReason.LIQUIDATION,
        Decimal(90),
    )
    assert outcome(make_position(Side.SHORT, entry="100", leverage=10), ["109.99", "115"]) == (
        ExitReason.LIQUIDATION,
        Decimal(115),
    )
    # the stop loss and the liquidation price crossed by the same price: the stop loss wins
    assert outcome(make_position(entry="100", leverage=10, stop_loss="95"), ["80"]) == (ExitReason.SL_HIT, 80)
    # trailing stop 5% below the best price seen (120): 114 is the level
    trailing = {"entry": "100", "trailing": "5"}
    assert outcome(make_position(**trailing), ["110", "120", "114.01"]) == (None, None)
    assert outcome(make_position(**trailing), ["110", "120", "114"]) == (ExitReason.TRAILING_STOP, 114)
    assert outcome(make_position(Side.SHORT, **trailing), ["90", "80", "84"]) == (ExitReason.TRAILING_STOP, 84)
    # a price that makes a new best can not trigger the trailing stop on its own
    assert outcome(make_position(**trailing), ["94", "200"]) == (ExitReason.TRAILING_STOP, 94)
    assert outcome(make_position(Side.SHORT, **trailing), ["50"]) == (None, None)
    # timeout once max_duration_minutes have passed (runs at 3, 6, 9 minutes)
    assert outcome(make_position(max_duration=9), ["100", "101", "99"]) == (ExitReason.TIMEOUT, 99)
    assert outcome(make_position(max_duration=10), ["100", "101", "99"]) == (None, None)


def test_stop_loss_wins_when_both_levels_are_reached() -> None:
    # Levels that both fire at one price can only come from a position stored without the open-time check.
    position = make_position(entry="100")
    position.stop_loss, position.take_profit = Decimal(105), Decimal(102)
    assert check_exit(position, Decimal(103), Decimal(100), NOW) == ExitSignal(ExitReason.SL_HIT, 103, 105)
    position = make_position(Side.SHORT, entry="100")
    position.stop_loss, position.take_profit = Decimal(95), Decimal(98)
    assert check_exit(position, Decimal(96), Decimal(100), NOW) == ExitSignal(ExitReason.SL_HIT, 96, 95)


def test_check_exit_levels_and_precedence_at_one_price() -> None:
    position = make_position(entry="100", leverage=2, stop_loss="60", trailing="10", max_duration=5)
    later = NOW + timedelta(minutes=5)
    # at 50: stop loss, liquidation (50), trailing (90) and timeout all fire; the stop loss wins
    assert check_exit(position, Decimal(50), Decimal(100), later) == ExitSignal(ExitReason.SL_HIT, 50, 60)
    position.stop_loss = None
    assert check_exit(position, Decimal(50), Decimal(100), later) == ExitSignal(ExitReason.LIQUIDATION, 50, 50)
    assert check_exit(position, Decimal(90), Decimal(100), later) == ExitSignal(ExitReason.TRAILING_STOP, 90, 90)
    assert check_exit(position, Decimal("90.01"), Decimal(100), later) == ExitSignal(
        ExitReason.TIMEOUT, Decimal("90.01"), None
    )
    assert check_exit(position, Decimal("90.01"), Decimal(100), later - timedelta(seconds=1)) is None
    position.take_profit = Decimal(110)
    assert check_exit(position, Decimal(110), Decimal(100), later) == ExitSignal(ExitReason.TP_HIT, 110, 110)
    # the trailing level follows the best price, the current one included
    assert trailing_level(position, Decimal(100)) == 90
    assert check_exit(position, Decimal(99), Decimal(100), NOW) is None
    assert check_exit(position, Decimal(99), Decimal(110), NOW) == ExitSignal(ExitReason.TRAILING_STOP, 99, 99)


def test_better_is_higher_for_a_long_and_lower_for_a_short() -> None:
    assert better(Side.LONG, Decimal(1), Decimal(2)) == 2
    assert better(Side.SHORT, Decimal(1), Decimal(2)) == 1


# ---------------------------------------------------------------------------------------------------------------
# The spec's formulas, by example
# ---------------------------------------------------------------------------------------------------------------


def test_the_spec_example_position() -> None:
    position = make_position(quantity="0.5", entry="50000", stop_loss="49000", take_profit="53000")
    assert risk_reward_ratio(position) == Decimal("3.0000")
    assert net_pnl(position, Decimal(51000)) == 500
    assert margin(position) == 25000
    assert position.status == PositionStatus.OPEN
    assert position.entry_time == NOW
    assert position.side == Side.LONG


@pytest.mark.parametrize(
    ("side", "entry", "stop_loss", "take_profit", "expected"),
    [
        (Side.LONG, "100", "97", "110", Decimal("3.3333")),
        (Side.LONG, "100", "97", "102", Decimal("0.6667")),
        (Side.SHORT, "100", "103", "90", Decimal("3.3333")),
        (Side.SHORT, "2.5", "2.6", "2.25", Decimal("2.5000")),
        (Side.LONG, "100", "97", None, None),
        (Side.LONG, "100", None, "110", None),
        (Side.SHORT, "100", None, None, None),
    ],
)
def test_risk_reward_ratio(
    side: Side, entry: str, stop_loss: str | None, take_profit: str | None, expected: Decimal | None
) -> None:
    ratio = risk_reward_ratio(make_position(side, entry=entry, stop_loss=stop_loss, take_profit=take_profit))
    assert ratio == expected
    if ratio is not None:
        assert decimals_at_most(ratio, 4)


def test_pnl_long_and_short_less_fees() -> None:
    assert gross_pnl(Side.LONG, Decimal(100), Decimal(110), Decimal(2)) == 20
    assert gross_pnl(Side.SHORT, Decimal(100), Decimal(110), Decimal(2)) == -20
    assert gross_pnl(Side.SHORT, Decimal(100), Decimal(90), Decimal(2)) == 20
    assert net_pnl(make_position(quantity="2", entry="100", fees="1.5"), Decimal(110)) == Decimal("18.5")
    assert net_pnl(make_position(Side.SHORT, quantity="2", entry="100", fees="1.5"), Decimal(90)) == Decimal("18.5")
    assert net_pnl(make_position(Side.SHORT, quantity="2", entry="100", fees="1.5"), Decimal(110)) == Decimal("-21.5")


def test_pnl_percentage_is_on_the_margin() -> None:
    spot = make_position(quantity="0.5", entry="50000")
    assert pnl_percentage(spot, Decimal(500)) == Decimal("2.0000")
    assert pnl_percentage(make_position(quantity="0.5", entry="50000", leverage=10), Decimal(500)) == Decimal("20")
    assert pnl_percentage(make_position(quantity="1", entry="3"), Decimal(1)) == Decimal("33.3333")
    assert pnl_percentage(make_position(quantity="1", entry="3"), Decimal(2)) == Decimal("66.6667")
    assert pnl_percentage(make_position(quantity="1", entry="3"), Decimal(-2)) == Decimal("-66.6667")


def test_close_records_the_exit_fields() -> None:
    position = make_position(quantity="0.5", entry="50000", stop_loss="49000", take_profit="53000", fees="10")
    exit_time = NOW + timedelta(hours=1, minutes=29, seconds=59)
    close(position, exit_price=Decimal("53010"), exit_time=exit_time, reason=ExitReason.TP_HIT, trigger=Decimal(53000))
    assert position.status == PositionStatus.CLOSED
    assert (position.exit_price, position.exit_time, position.exit_reason) == (53010, exit_time, ExitReason.TP_HIT)
    assert position.pnl_usd == position.realized_pnl == Decimal(1495)
    assert position.pnl_percentage == Decimal("5.9800")
    assert position.is_winning is True
    assert position.actual_rr_ratio == Decimal("3.0100")
    assert position.trade_duration_minutes == 89
    assert position.slippage == Decimal("0.0189")  # 10 / 53000 * 100 = 0.018867...
    assert position.last_updated_price == 53010
    assert position.unrealized_pnl is None


@pytest.mark.parametrize(
    ("side", "exit_price", "fees", "expected"),
    [
        (Side.LONG, "90", "0", Decimal("-2.0000")),
        (Side.LONG, "110", "0", Decimal("2.0000")),
        (Side.LONG, "97", "0", Decimal("-0.6000")),
        (Side.LONG, "100.5", "1", Decimal("-0.1000")),  # above entry, but the fees make it a loss
        (Side.SHORT, "110", "0", Decimal("-2.0000")),
        (Side.SHORT, "85", "0", Decimal("3.0000")),
    ],
)
def test_actual_rr_ratio_is_signed_negative_for_a_loss(
    side: Side, exit_price: str, fees: str, expected: Decimal
) -> None:
    stop_loss = "95" if side == Side.LONG else "105"
    position = make_position(side, entry="100", stop_loss=stop_loss, fees=fees)
    close(position, exit_price=Decimal(exit_price), exit_time=NOW, reason=ExitReason.MANUAL)
    assert position.actual_rr_ratio == expected
    assert position.is_winning is (expected > 0)


def test_a_manual_close_without_a_stop_loss_has_no_rr_and_no_slippage() -> None:
    position = make_position(entry="100", take_profit="120")
    close(position, exit_price=Decimal(100), exit_time=NOW, reason=ExitReason.MANUAL)
    assert position.actual_rr_ratio is None
    assert position.slippage is None
    assert position.pnl_usd == 0
    assert position.is_winning is False  # is_winning is pnl > 0
    assert position.trade_duration_minutes == 0


@pytest.mark.parametrize(
    ("side", "stop_loss", "take_profit", "error"),
    [
        (Side.LONG, "99", "101", None),
        (Side.LONG, None, None, None),
        (Side.LONG, "99", None, None),
        (Side.LONG, None, "101", None),
        (Side.LONG, "100", None, "stop_loss"),
        (Side.LONG, "101", None, "stop_loss"),
        (Side.LONG, None, "100", "take_profit"),
        (Side.LONG, None, "99", "take_profit"),
        (Side.LONG, "101", "99", "stop_loss"),
        (Side.SHORT, "101", "99", None),
        (Side.SHORT, None, None, None),
        (Side.SHORT, "100", None, "stop_loss"),
        (Side.SHORT, "99", None, "stop_loss"),
        (Side.SHORT, None, "100", "take_profit"),
        (Side.SHORT, None, "101", "take_profit"),
        (Side.SHORT, "99", "101", "stop_loss"),
    ],
)
def test_validate_levels(side: Side, stop_loss: str | None, take_profit: str | None, error: str | None) -> None:
    result = validate_levels(
        side,
        Decimal(100),
        None if stop_loss is None else Decimal(stop_loss),
        None if take_profit is None else Decimal(take_profit),
    )
    if error is None:
        assert result is None
    else:
        assert result is not None
        assert result.startswith(error)
        assert side.value in result


@pytest.mark.parametrize(
    ("side", "leverage", "expected"),
    [
        (Side.LONG, 1, Decimal(0)),
        (Side.SHORT, 1, Decimal(100_000)),
        (Side.LONG, 10, Decimal(45_000)),
        (Side.SHORT, 10, Decimal(55_000)),
        (Side.LONG, 125, Decimal(49_600)),
        (Side.SHORT, 125, Decimal(50_400)),
    ],
)
def test_liquidation_price_is_where_the_loss_reaches_the_margin(side: Side, leverage: int, expected: Decimal) -> None:
    position = make_position(side, quantity="0.5", entry="50000", leverage=leverage)
    assert liquidation_price(position) == expected
    assert -gross_pnl(side, position.entry_price, expected, position.quantity) == margin(position)


def test_a_spot_long_is_never_liquidated() -> None:
    position = make_position(entry="100")
    assert check_exit(position, Decimal("0.0001"), Decimal(100), NOW) is None


# ---------------------------------------------------------------------------------------------------------------
# Performance aggregates
# ---------------------------------------------------------------------------------------------------------------


def add(stats: StrategyStats, delta: dict[str, Decimal]) -> StrategyStats:
    return StrategyStats(**{name: getattr(stats, name) + delta.get(name, Decimal(0)) for name in STAT_FIELDS})


def aggregate(positions: list[Position]) -> StrategyStats:
    stats = StrategyStats()
    for position in positions:
        stats = add(stats, contribution(position))
    return stats


@st.composite
def closed_positions(draw: st.DrawFn) -> Position:
    side = draw(st.sampled_from(Side))
    entry = Decimal(draw(st.integers(100, 10_000_000))) / 100
    away = 1 if side == Side.LONG else -1
    stop_percent = draw(st.none() | st.integers(1, 50))
    take_percent = draw(st.none() | st.integers(1, 90))
    position = Position.opened(
        "u1",
        "ETHUSDT",
        Decimal(draw(st.integers(1, 100_000))) / 100,
        entry,
        NOW,
        side=side,
        leverage=draw(st.integers(1, 125)),
        stop_loss=None if stop_percent is None else entry * (100 - away * stop_percent) / 100,
        take_profit=None if take_percent is None else entry * (100 + away * take_percent) / 100,
        fees_paid=Decimal(draw(st.sampled_from([0, 0, 1, 250, 1999]))) / 100,
        strategy=draw(st.sampled_from(["breakout", "scalp", None])),
    )
    assert validate_levels(side, entry, position.stop_loss, position.take_profit) is None
    exit_price = entry * Decimal(draw(st.integers(10, 300))) / 100  # also exactly the entry now and then
    reason = draw(st.sampled_from(ExitReason))
    trigger = None
    if reason not in {ExitReason.MANUAL, ExitReason.TIMEOUT}:
        trigger = exit_price * Decimal(draw(st.integers(9_900, 10_100))) / 10_000
    close(
        position,
        exit_price=exit_price,
        exit_time=NOW + timedelta(minutes=draw(st.integers(0, 10_000))),
        reason=reason,
        trigger=trigger,
    )
    return position


def mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def check_rate(value: Decimal | None, exact: Fraction | None) -> None:
    """A percent with 2 decimals (spec: 'rates in percent (2 decimals)'), or None without data."""
    if exact is None:
        assert value is None
    else:
        assert rounded_close(value, exact, 2), (value, float(exact))


def check_near(value: Decimal | None, exact: Fraction | None, places: int) -> None:
    if exact is None:
        assert value is None
    else:
        assert rounded_close(value, exact, places), (value, float(exact))


@PROPERTY
@given(st.lists(closed_positions(), max_size=12))
def test_metrics_from_summed_contributions_match_a_brute_force_over_the_positions(positions: list[Position]) -> None:
    result = metrics(aggregate(positions), "breakout")
    pnls = [Fraction(p.pnl_usd or 0) for p in positions]
    wins = [pnl for pnl in pnls if pnl > 0]
    losses = [pnl for pnl in pnls if pnl <= 0]
    trades = len(positions)

    def share(count: int) -> Fraction | None:
        return None if trades == 0 else Fraction(100 * count, trades)

    assert result.strategy == "breakout"
    assert (result.total_trades, result.winning_trades, result.losing_trades) == (trades, len(wins), len(losses))
    assert [p.is_winning for p in positions] == [pnl > 0 for pnl in pnls]
    check_rate(result.win_rate, share(len(wins)))
    check_near(result.total_pnl, sum(pnls, Fraction(0)) if positions else None, 2)
    check_near(result.avg_pnl, mean(pnls), 2)
    check_near(result.avg_win, mean(wins), 2)
    check_near(result.avg_loss, mean(losses), 2)
    loss_total = abs(sum(losses, Fraction(0)))
    check_near(result.profit_factor, None if loss_total == 0 else sum(wins, Fraction(0)) / loss_total, 4)
    check_rate(result.tp_hit_rate, share(sum(p.exit_reason == ExitReason.TP_HIT for p in positions)))
    check_rate(result.sl_hit_rate, share(sum(p.exit_reason == ExitReason.SL_HIT for p in positions)))
    check_rate(result.manual_exit_rate, share(sum(p.exit_reason == ExitReason.MANUAL for p in positions)))

    planned_values = []
    for p in positions:  # each planned ratio is |TP - entry| / |entry - SL| to 4 decimals
        if p.stop_loss is not None and p.take_profit is not None:
            exact = Fraction(abs(p.take_profit - p.entry_price)) / Fraction(abs(p.entry_price - p.stop_loss))
            planned = risk_reward_ratio(p)
            check_near(planned, exact, 4)
            assert planned is not None
            planned_values.append(Fraction(planned))
        else:
            assert risk_reward_ratio(p) is None
    actual_values = [Fraction(p.actual_rr_ratio) for p in positions if p.actual_rr_ratio is not None]
    slippages = [Fraction(p.slippage) for p in positions if p.slippage is not None]
    avg_planned, avg_actual = mean(planned_values), mean(actual_values)
    check_near(result.avg_planned_rr, avg_planned, 4)
    check_near(result.avg_actual_rr, avg_actual, 4)
    check_near(result.avg_slippage, mean(slippages), 4)
    if avg_planned is None or avg_actual is None:
        assert result.rr_achievement_rate is None
    else:
        check_rate(result.rr_achievement_rate, avg_actual / avg_planned * 100)
    assert result.max_drawdown_percent is None


@PROPERTY
@given(st.lists(closed_positions(), min_size=1, max_size=8), st.data())
def test_taking_a_contribution_out_again_restores_the_aggregate(positions: list[Position], data: st.DataObject) -> None:
    stats = aggregate(positions)
    extra = data.draw(closed_positions())
    assert add(add(stats, contribution(extra)), contribution(extra, -1)) == stats
    # deleting one closed position leaves the aggregate of the others
    index = data.draw(st.integers(0, len(positions) - 1))
    others = positions[:index] + positions[index + 1 :]
    assert add(stats, contribution(positions[index], -1)) == aggregate(others)
    assert metrics(add(stats, contribution(positions[index], -1)), None) == metrics(aggregate(others), None)


def test_metrics_of_empty_stats_have_no_data() -> None:
    result = metrics(StrategyStats(), None)
    assert result.strategy is None
    assert (result.total_trades, result.winning_trades, result.losing_trades) == (0, 0, 0)
    counts = {"strategy", "total_trades", "winning_trades", "losing_trades"}
    for name, value in result.model_dump().items():
        if name not in counts:
            assert value is None, name
    # and the same once every trade has been taken out again
    position = make_position(entry="100", stop_loss="95", take_profit="110")
    close(position, exit_price=Decimal(110), exit_time=NOW, reason=ExitReason.TP_HIT, trigger=Decimal(110))
    emptied = add(add(StrategyStats(), contribution(position)), contribution(position, -1))
    assert metrics(emptied, None) == result


def test_metrics_example() -> None:
    def closed(exit_price: str, reason: ExitReason, trigger: str | None = None) -> Position:
        position = make_position(entry="100", stop_loss="95", take_profit="110", quantity="10", fees="1")
        close(
            position,
            exit_price=Decimal(exit_price),
            exit_time=NOW + timedelta(minutes=30),
            reason=reason,
            trigger=None if trigger is None else Decimal(trigger),
        )
        return position

    positions = [
        closed("110.11", ExitReason.TP_HIT, "110"),  # +100.1, rr 2.022, slippage 0.1
        closed("94.81", ExitReason.SL_HIT, "95"),  # -52.9, rr -1.038, slippage 0.2
        closed("105", ExitReason.MANUAL),  # +49, rr 1
        closed("100", ExitReason.MANUAL),  # -1 (fees), rr 0
    ]
    result = metrics(aggregate(positions), "breakout", Decimal("8.333"))
    assert (result.total_trades, result.winning_trades, result.losing_trades) == (4, 2, 2)
    assert result.win_rate == Decimal("50.00")
    assert result.total_pnl == Decimal("95.20")
    assert result.avg_pnl == Decimal("23.80")
    assert result.avg_win == Decimal("74.55")
    assert result.avg_loss == Decimal("-26.95")
    assert result.profit_factor == Decimal("2.7662")  # 149.1 / 53.9 = 2.76623...
    assert (result.tp_hit_rate, result.sl_hit_rate, result.manual_exit_rate) == (25, 25, 50)
    assert result.avg_planned_rr == 2
    assert result.avg_actual_rr == Decimal("0.4960")  # (2.022 - 1.038 + 1 + 0) / 4
    assert result.rr_achievement_rate == Decimal("24.80")
    assert result.avg_slippage == Decimal("0.1500")
    assert result.max_drawdown_percent == Decimal("8.33")


def test_profit_factor_is_null_without_losses() -> None:
    position = make_position(entry="100", take_profit="110")
    close(position, exit_price=Decimal(110), exit_time=NOW, reason=ExitReason.TP_HIT, trigger=Decimal(110))
    result = metrics(aggregate([position, position]), None)
    assert result.profit_factor is None
    assert result.avg_loss is None
    assert result.avg_win == 10
    assert result.win_rate == 100
    assert result.avg_planned_rr is None  # no stop loss, so no planned or actual R
    assert result.avg_actual_rr is None
    assert result.rr_achievement_rate is None
