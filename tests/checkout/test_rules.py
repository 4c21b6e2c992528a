"""Proportional allocation: the parts always add up to the whole."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.models import Program
from loyalty.rules import allocate_money, allocate_proportionally, money_for_points, points_covering

weights_strategy = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40)


def test_the_largest_remainders_get_the_units_left_over():
    assert allocate_proportionally(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate_proportionally(7, [Decimal("0.5"), Decimal("2.5"), 0]) == [1, 6, 0]
    assert allocate_proportionally(0, [3, 4]) == [0, 0]


def test_limits_push_the_rest_to_the_other_parts():
    assert allocate_proportionally(10, [9, 1], limits=[5, None]) == [5, 5]
    assert allocate_proportionally(3, [1, 1, 1], limits=[0, 1, 5]) == [0, 1, 2]


@pytest.mark.parametrize(
    ("total", "weights", "limits"),
    [(1, [0, 0], None), (5, [1, 1], [2, 2]), (-1, [1], None), (1.5, [1], None), (1, [-1, 2], None)],
)
def test_what_cannot_be_allocated_is_an_error(total, weights, limits):
    with pytest.raises(ValueError):
        allocate_proportionally(total, weights, limits)


@given(total=st.integers(min_value=0, max_value=10**7), weights=weights_strategy)
def test_parts_add_up_and_stay_within_a_unit_of_the_exact_share(total, weights):
    if not any(weights):
        weights[0] = 1
    parts = allocate_proportionally(total, weights)

    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        share = Fraction(total * weight, sum(weights))
        assert math.floor(share) <= part <= math.ceil(share)


@given(data=st.data(), weights=weights_strategy)
def test_limited_parts_add_up_and_respect_their_limits(data, weights):
    limits = data.draw(
        st.lists(st.integers(min_value=0, max_value=10**4), min_size=len(weights), max_size=len(weights))
    )
    capacity = sum(limit for limit, weight in zip(limits, weights, strict=True) if weight)
    total = data.draw(st.integers(min_value=0, max_value=capacity))

    parts = allocate_proportionally(total, weights, limits)

    assert sum(parts) == total
    assert all(0 <= part <= limit for part, limit in zip(parts, limits, strict=True))
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if not weight)


@given(
    cents=st.integers(min_value=0, max_value=10**9),
    weights=weights_strategy,
    currency=st.sampled_from(["RUB", "JPY", "KWD"]),
)
def test_money_parts_add_up_to_the_minor_unit(cents, weights, currency):
    if not any(weights):
        weights[0] = 1
    amount = Decimal(cents).scaleb(-2 if currency == "RUB" else 0 if currency == "JPY" else -3)

    parts = allocate_money(amount, weights, currency)

    assert sum(parts) == amount
    assert all(part.as_tuple().exponent >= amount.as_tuple().exponent for part in parts)


@pytest.mark.parametrize(
    ("amount", "point_value", "currency", "points"),
    [
        # 30% of 382.19 RUB: 344 points of 0.3333 would be worth 114.6552, paid as 114.66 > 114.657.
        (Decimal("114.657"), Decimal("0.3333"), "RUB", 343),
        (Decimal("1000.00"), Decimal("1"), "RUB", 1000),
        (Decimal("999.999"), Decimal("1"), "RUB", 999),
        (Decimal("150.7"), Decimal("0.5"), "JPY", 300),
    ],
)
def test_points_covering_an_amount_never_pay_more_than_it(amount, point_value, currency, points):
    program = Program(point_value=point_value, currency=currency)

    assert points_covering(amount, program) == points
    assert money_for_points(points, program) <= amount
    assert money_for_points(points + 1, program) > amount  # and one more would pay too much
