"""A calculation costs the same number of queries whatever the cart and the
member's history: the account, read once. The program settings come from the
process cache (loyalty/caching.py), warmed by whatever ran before."""

import pytest

from loyalty.checkout import SPEND_MAX, checkout_calculate
from loyalty.selectors import program_get
from loyalty.services import ledger

from .helpers import line, make_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_with_history(member, make_order):
    for number in range(30):
        ledger.points_earn(member=member, points=100, order=make_order(member), pending=number % 2 == 0)
    ledger.points_spend(member=member, points=300)
    return member


@pytest.mark.parametrize("line_count", [1, 200])
def test_a_member_cart_costs_three_queries(program, member_with_history, django_assert_num_queries, line_count):
    cart = make_cart(
        member_with_history,
        *[line(f"{100 + index}.00", category="shoes" if index % 2 else "") for index in range(line_count)],
        shipping="300.00",
        coupon_codes=["SPRING"],
        points_to_spend=SPEND_MAX,
    )

    checkout_calculate(cart=cart)  # a running process has the settings, tiers and plans cached

    # The account, the member's tier and the cart's coupons (one query for all
    # its codes; none without a code) -- the rewards app's steps.
    with django_assert_num_queries(3):
        calculation = checkout_calculate(cart=cart)

    assert calculation.points_to_spend > 0


def test_a_member_without_an_account_costs_two_queries(program, member, django_assert_num_queries):
    cart = make_cart(member, line("100.00"), points_to_spend=SPEND_MAX)
    checkout_calculate(cart=cart)  # a running process has the settings, tiers and plans cached

    with django_assert_num_queries(2):
        assert checkout_calculate(cart=cart).points_to_spend == 0


@pytest.mark.parametrize("line_count", [1, 200])
def test_a_guest_cart_costs_no_query(program, django_assert_num_queries, line_count):
    cart = make_cart(None, *[line("100.00") for _ in range(line_count)])
    program_get()  # a running process has read the settings before

    with django_assert_num_queries(0):
        checkout_calculate(cart=cart)
