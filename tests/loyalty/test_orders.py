"""The order lifecycle at the service level: place, complete, cancel, and the
arithmetic of returns, which must never create or lose a point."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.checkout import checkout_calculate
from loyalty.exceptions import (
    OrderConflict,
    OrderNotReturnable,
    OrderStateConflict,
    PriceChanged,
    ReturnConflict,
    ReturnExceedsOrder,
)
from loyalty.models import Account, Entry, Hold, Order, OrderReturn, Program
from loyalty.rules import quantize_money
from loyalty.services import ledger, ledger_jobs
from loyalty.services.orders import order_cancel, order_complete, order_place, order_return

from ..checkout.helpers import line, make_cart
from ..factories import MemberFactory
from .helpers import assert_ledger_consistent, balances, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_member(member, now):
    ledger.points_earn(member=member, points=1000, pending=False, now=now - days(1))
    return member


@pytest.fixture
def place(storefront, now):
    def place(member, *lines, number="100045", **fields):
        order, _created = order_place(
            storefront=storefront, number=number, cart=make_cart(member, *lines, **fields), now=now
        )
        return order

    return place


class TestPlace:
    def test_the_order_its_lines_and_its_hold(self, place, rich_member):
        order = place(rich_member, line("1500.00", 2, id="a"), line("1000.00", id="b"), points_to_spend=600)

        assert (order.subtotal, order.payable_total, order.points_spent, order.points_earned) == (
            Decimal("4000.00"),
            Decimal("3400.00"),
            600,
            34,
        )
        assert list(order.lines.values_list("line_id", "amount", "points_applied", "points_earned")) == [
            ("a", Decimal("3000.00"), 450, 26),
            ("b", Decimal("1000.00"), 150, 8),
        ]
        assert (order.hold.points, order.hold.status) == (600, Hold.Status.ACTIVE)
        assert balances(rich_member) == {"available": 400, "pending": 0, "held": 600, "debt": 0}
        assert order.calculation["payable_total"] == "3400.00"

    def test_the_same_cart_again_returns_the_order(self, storefront, rich_member, now):
        cart = make_cart(rich_member, line("1000.00"), points_to_spend=100)

        first, created = order_place(storefront=storefront, number="1", cart=cart, now=now)
        again, created_again = order_place(storefront=storefront, number="1", cart=cart, now=now)

        assert (created, created_again) == (True, False)
        assert again.pk == first.pk
        assert Hold.objects.count() == 1

    def test_another_cart_under_the_same_number(self, place, rich_member):
        place(rich_member, line("1000.00"))

        with pytest.raises(OrderConflict):
            place(rich_member, line("1000.00"), points_to_spend=1)

    def test_a_changed_price_stores_nothing(self, storefront, rich_member, now):
        cart = make_cart(rich_member, line("1000.00"), points_to_spend=100)

        with pytest.raises(PriceChanged) as raised:
            order_place(storefront=storefront, number="1", cart=cart, expected_payable_total=Decimal("1000"), now=now)

        assert raised.value.details["payable_total"] == "900.00"
        assert raised.value.details["calculation"]["points_to_spend"] == 100
        assert not Order.objects.exists()
        assert not Hold.objects.exists()

    def test_the_expected_total_is_compared_in_the_minor_unit(self, storefront, rich_member, now):
        cart = make_cart(rich_member, line("1000.00"), points_to_spend=100)

        _order, created = order_place(
            storefront=storefront, number="1", cart=cart, expected_payable_total=Decimal("900"), now=now
        )

        assert created

    def test_a_guest_order_earns_nothing(self, place, program):
        order = place(None, line("1000.00"))

        assert (order.member, order.hold, order.points_earned) == (None, None, 0)
        assert order.lines.get().points_earned == 0
        assert order.calculation["points_earned_if_joined"] == 10


class TestCompleteAndCancel:
    def test_complete_captures_and_earns_pending_points(self, place, rich_member, now):
        order = place(rich_member, line("1000.00"), points_to_spend=100)

        order_complete(order=order, now=now)
        order_complete(order=order, now=now)

        assert balances(rich_member) == {"available": 900, "pending": 9, "held": 0, "debt": 0}
        assert list(Entry.objects.filter(order=order).values_list("kind", flat=True).order_by("id")) == [
            Entry.Kind.HOLD,
            Entry.Kind.CAPTURE,
            Entry.Kind.EARN,
        ]

    def test_cancel_releases_the_hold(self, place, rich_member, now):
        order = place(rich_member, line("1000.00"), points_to_spend=100)

        order_cancel(order=order, now=now)
        order_cancel(order=order, now=now)

        order.refresh_from_db()
        assert (order.status, order.hold.status) == (Order.Status.CANCELLED, Hold.Status.RELEASED)
        assert balances(rich_member)["available"] == 1000

    def test_an_order_that_moves_no_points_is_still_a_purchase(self, place, rich_member, program, now):
        """Under an inactivity policy the points live as long as the member
        buys, also when a purchase earns nothing (a category that never earns)."""
        program.inactivity_expiry_days = 30
        program.excluded_categories = ["gift_cards"]
        program.save()
        order = place(rich_member, line("1000.00", category="gift_cards"))
        assert (order.points_spent, order.points_earned) == (0, 0)

        order_complete(order=order, now=now + days(20))
        ledger.points_earn(member=rich_member, points=1, pending=False, now=now + days(45))

        assert balances(rich_member)["available"] == 1001

    def test_a_completed_order_cannot_be_cancelled(self, place, rich_member, now):
        order = place(rich_member, line("1000.00"))
        order_complete(order=order, now=now)

        with pytest.raises(OrderStateConflict):
            order_cancel(order=order, now=now)

    def test_a_cancelled_order_cannot_be_completed(self, place, rich_member, now):
        order = place(rich_member, line("1000.00"))
        order_cancel(order=order, now=now)

        with pytest.raises(OrderStateConflict):
            order_complete(order=order, now=now)


class TestReturns:
    @pytest.fixture
    def order(self, place, rich_member, now):
        order = place(rich_member, line("100.00", 2, id="a"), line("50.00", 3, id="b"), points_to_spend=100)
        return order_complete(order=order, now=now)

    def test_units_after_a_return_by_amount_share_what_is_left_of_the_line(self, place, rich_member, now):
        order = order_complete(order=place(rich_member, line("100.00", 2, id="a"), points_to_spend=60), now=now)

        order_return(order=order, number="R-1", amount=Decimal("120.00"), now=now)
        one, _ = order_return(order=order, number="R-2", line_quantities={"a": 1}, now=now)
        last, _ = order_return(order=order, number="R-3", line_quantities={"a": 1}, now=now)

        assert (one.amount, last.amount) == (Decimal("40.00"), Decimal("40.00"))
        order.refresh_from_db()
        assert order.status == Order.Status.RETURNED
        assert balances(rich_member) == {"available": 1000, "pending": 0, "held": 0, "debt": 0}
        assert_ledger_consistent()

    def test_the_same_return_again(self, order, now):
        first, created = order_return(order=order, number="R-1", line_quantities={"a": 1}, now=now)
        again, created_again = order_return(order=order, number="R-1", line_quantities={"a": 1}, now=now)

        assert (created, created_again) == (True, False)
        assert again.pk == first.pk
        with pytest.raises(ReturnConflict):
            order_return(order=order, number="R-1", line_quantities={"a": 2}, now=now)

    def test_an_amount_and_the_same_amount_written_otherwise_are_one_request(self, order, now):
        order_return(order=order, number="R-1", amount=Decimal("10.5"), now=now)

        _again, created = order_return(order=order, number="R-1", amount=Decimal("10.50"), now=now)

        assert not created

    @pytest.mark.parametrize("amount", ["0", "-1", "0.001"])
    def test_an_amount_the_currency_cannot_pay(self, order, now, amount):
        with pytest.raises(ValidationError) as raised:
            order_return(order=order, number="R-1", amount=Decimal(amount), now=now)

        assert list(raised.value.message_dict) == ["amount"]

    def test_nothing_is_left_after_a_full_return(self, order, now):
        order_return(order=order, number="R-1", full=True, now=now)

        with pytest.raises(ReturnExceedsOrder):
            order_return(order=order, number="R-2", full=True, now=now)
        with pytest.raises(ReturnExceedsOrder):
            order_return(order=order, number="R-3", amount=Decimal("0.01"), now=now)

    def test_a_placed_order_is_not_returnable(self, place, rich_member, now):
        order = place(rich_member, line("100.00"))

        with pytest.raises(OrderNotReturnable):
            order_return(order=order, number="R-1", full=True, now=now)


# Return arithmetic over random carts and random sequences of returns.

numbers = itertools.count()

cart_lines = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=5),
        st.integers(min_value=0, max_value=300_000),
        st.sampled_from(["", "shoes", "gift_cards"]),
    ),
    min_size=1,
    max_size=6,
)
partial_returns = st.lists(
    st.one_of(
        # (line index, units) pairs; units are cut to what is left of the line.
        st.tuples(
            st.just("lines"),
            st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5)), min_size=1, max_size=3),
        ),
        # A share of what is left of the order, in ten-thousandths.
        st.tuples(st.just("amount"), st.integers(min_value=1, max_value=10_000)),
    ),
    max_size=8,
)


def _lines_request(order, picks):
    lines = list(order.lines.order_by("id"))
    quantities = {}
    for index, units in picks:
        picked = lines[index % len(lines)]
        left = picked.quantity - picked.returned_quantity - quantities.get(picked.line_id, 0)
        if left:
            quantities[picked.line_id] = quantities.get(picked.line_id, 0) + min(units, left)
    return {"line_quantities": quantities} if quantities else None


def _amount_request(order, share):
    left = sum((line.amount - line.returned_value for line in order.lines.all()), Decimal(0))
    if not left:
        return None
    amount = quantize_money(left * share / 10_000, order.currency)
    return {"amount": min(max(amount, Decimal("0.01")), left)}


def _account(member):
    account = Account.objects.get(pk=member.pk)
    return {
        field: getattr(account, field)
        for field in ("available", "pending", "held", "debt", "lifetime_earned", "lifetime_spent")
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=cart_lines,
    spend=st.integers(min_value=0, max_value=10**6),
    returns=partial_returns,
    point_value=st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("3")]),
    rounding=st.sampled_from(Program.Rounding.values),
    after_pending_period=st.booleans(),
)
def test_partial_returns_add_up_to_a_full_return(
    program, storefront, now, lines, spend, returns, point_value, rounding, after_pending_period
):
    """Whatever the cart, the points spent and the returns, once the whole
    order is back the points taken back are exactly those earned, the points
    given back exactly those spent, and the account is where one full return
    of the same order leaves a twin account."""
    program.point_value, program.rounding, program.excluded_categories = point_value, rounding, ["gift_cards"]
    program.save()
    member, twin = MemberFactory(), MemberFactory()
    for someone in (member, twin):
        ledger.points_earn(member=someone, points=100_000, pending=False, now=now - days(1))
    cart_data = [line(Decimal(cents).scaleb(-2), quantity, category) for quantity, cents, category in lines]
    points_max = checkout_calculate(cart=make_cart(member, *cart_data, points_to_spend="max")).points_max
    orders = {}
    for someone in (member, twin):
        cart = make_cart(someone, *cart_data, points_to_spend=spend % (points_max + 1))
        order, _created = order_place(storefront=storefront, number=f"P-{next(numbers)}", cart=cart, now=now)
        orders[someone] = order_complete(order=order, now=now)
    order = orders[member]
    returned_at = now + (days(30) if after_pending_period else datetime.timedelta(hours=1))
    if after_pending_period:
        ledger_jobs.activate_due_lots(now=returned_at)

    for index, (kind, argument) in enumerate(returns):
        request = _lines_request(order, argument) if kind == "lines" else _amount_request(order, argument)
        if request is not None:
            order_return(order=order, number=f"R-{index}", now=returned_at, **request)
    order.refresh_from_db()
    if order.status != Order.Status.RETURNED:
        order_return(order=order, number="rest", full=True, now=returned_at)
    order_return(order=orders[twin], number="all", full=True, now=returned_at)

    order_returns = OrderReturn.objects.filter(order=order)
    assert sum(r.points_clawed_back for r in order_returns) == order.points_earned
    assert sum(r.points_shortfall for r in order_returns) == 0
    assert sum(r.points_refunded for r in order_returns) == order.points_spent
    assert all(
        (line.returned_quantity, line.returned_value) == (line.quantity, line.amount) for line in order.lines.all()
    )
    assert _account(member) == _account(twin)
    assert _account(member)["held"] == 0
    assert _account(member)["lifetime_earned"] == 100_000
    assert _account(member)["available"] + _account(member)["pending"] == 100_000
    assert_ledger_consistent()
