"""The surplus split of GET /goals/recommendations: exact to the cent, proportional, never over a need."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from goalpost.domain.recommendations import split_surplus

CENT = Decimal("0.01")
cents = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
surpluses = st.decimals(min_value=-(10**6), max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@given(surpluses, st.lists(cents, max_size=30))
def test_the_split_is_exact_proportional_and_never_over_a_need(surplus: Decimal, needs: list[Decimal]) -> None:
    split = split_surplus(surplus, needs)
    assert split.allocated + split.unallocated == surplus
    assert all(Decimal(0) <= share <= need for share, need in zip(split.shares, needs, strict=True))
    assert all(share == share.quantize(CENT) for share in split.shares)
    total = sum(needs, Decimal(0))
    if surplus <= 0 or total == 0:
        assert split.allocated == 0
    elif surplus >= total:
        assert split.shares == needs
        assert split.unallocated == surplus - total
    else:
        assert split.allocated == surplus  # all of it is given out
        for share, need in zip(split.shares, needs, strict=True):
            assert abs(share - surplus * need / total) < CENT


def test_split_worked_example() -> None:
    """docs/goals.md, "Recommendation split": 1,000 a month over needs of 1,125, 500 and 375 (2,000 in all)
    gives each half its need; over needs of 300 and 200 each gets all it needs and 500 stays unallocated."""
    split = split_surplus(Decimal(1000), [Decimal(1125), Decimal(500), Decimal(375)])
    assert split.shares == [Decimal("562.50"), Decimal(250), Decimal("187.50")]
    assert (split.allocated, split.unallocated) == (Decimal(1000), Decimal(0))
    covered = split_surplus(Decimal(1000), [Decimal(300), Decimal(200)])
    assert (covered.shares, covered.unallocated) == ([Decimal(300), Decimal(200)], Decimal(500))


def test_left_over_cents_go_to_the_largest_remainders() -> None:
    # 100 over three equal needs: 33.333… each; the one spare cent goes to the first.
    split = split_surplus(Decimal(100), [Decimal(50), Decimal(50), Decimal(50)])
    assert split.shares == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    # 10 cents over needs of 2 and 1: 6.666… and 3.333… cents: the larger remainder (.666) gets the cent.
    assert split_surplus(Decimal("0.10"), [Decimal(2), Decimal(1)]).shares == [Decimal("0.07"), Decimal("0.03")]


def test_no_surplus_shares_nothing() -> None:
    split = split_surplus(Decimal(-250), [Decimal(100)])
    assert (split.shares, split.allocated, split.unallocated) == ([Decimal(0)], Decimal(0), Decimal(-250))
    assert split_surplus(Decimal(500), []).unallocated == 500
