"""Catalog coupons in checkout: effects, refusals with reasons, the lifecycle
through place, complete, cancel and return, and concurrent orders."""

import datetime

import pytest
from django.utils import timezone

from loyalty.checkout import cart_from_data, checkout_calculate
from loyalty.exceptions import PriceChanged
from loyalty.services.orders import order_cancel, order_complete, order_place, order_return
from loyalty.verification import ledger_mismatches
from rewards.catalog.services import coupons_reserve, reward_redeem
from rewards.exceptions import CouponNotAvailable
from rewards.models import Coupon, Reward

from ..concurrency import run_at_once
from ..factories import MemberFactory, StorefrontFactory
from .catalog_helpers import cart_data, give_points, make_reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(program, member):
    give_points(member, 10_000)
    return member


def issue(member, **fields):
    return reward_redeem(member=member, reward=make_reward(**fields))


def price(member, *codes, lines=(), **fields):
    data = cart_data(*lines, codes=codes, **fields)
    return checkout_calculate(cart=cart_from_data(data, member=member)).as_dict()


def refused(answer):
    return {coupon["code"]: coupon["reason"] for coupon in answer["coupons"]["refused"]}


class TestEffects:
    def test_a_fixed_amount_off_the_order(self, shopper):
        coupon = issue(shopper)
        lines = (
            {"id": "a", "sku": "A", "quantity": 1, "unit_price": "3000.00"},
            {"id": "b", "sku": "B", "quantity": 1, "unit_price": "1000.00"},
        )

        answer = price(shopper, coupon.code, lines=list(lines))

        assert answer["discount_total"] == "500.00"
        assert [line["discount"] for line in answer["lines"]] == ["375.00", "125.00"]
        assert answer["coupons"]["applied"] == [
            {"code": coupon.code, "source": {"type": "coupon", "id": coupon.pk, "name": "500 RUB off"}}
        ]
        assert answer["effects"][0]["description"] == "500 RUB off: 500.00 off"

    def test_a_percent_coupon_and_its_minimum_order(self, shopper):
        coupon = issue(shopper, kind=Reward.Kind.PERCENT, amount=None, percent=10, min_order_amount="3000.00")

        assert price(shopper, coupon.code)["discount_total"] == "300.00"
        small = price(shopper, coupon.code, lines=[{"sku": "A", "quantity": 1, "unit_price": "2999.00"}])
        assert small["discount_total"] == "0.00"
        assert small["coupons"]["refused"] == [
            {
                "code": coupon.code,
                "reason": "below_minimum_order",
                "message": "This coupon applies to orders from 3000.00.",
            }
        ]

    def test_free_shipping(self, shopper):
        coupon = issue(shopper, kind=Reward.Kind.FREE_SHIPPING, amount=None)

        assert price(shopper, coupon.code)["shipping_discount"] == "300.00"
        assert refused(price(shopper, coupon.code, shipping="0")) == {coupon.code: "not_needed"}

    def test_a_gift_product(self, shopper):
        coupon = issue(shopper, kind=Reward.Kind.GIFT_PRODUCT, amount=None, gift_sku="MUG")
        lines = [
            {"id": "a", "sku": "A", "quantity": 1, "unit_price": "3000.00"},
            {"id": "m", "sku": "MUG", "quantity": 2, "unit_price": "400.00"},
        ]

        answer = price(shopper, coupon.code, lines=lines)

        assert [line["discount"] for line in answer["lines"]] == ["0.00", "400.00"]
        assert refused(price(shopper, coupon.code)) == {coupon.code: "gift_not_in_cart"}

    def test_codes_are_matched_without_case_and_others_stay_for_campaigns(self, shopper):
        coupon = issue(shopper)

        answer = price(shopper, coupon.code.lower(), "SPRING")

        assert answer["discount_total"] == "500.00"
        assert refused(answer) == {"SPRING": "unknown_coupon"}


class TestRefusals:
    def test_reasons(self, shopper, other_member):
        expired = issue(shopper)
        Coupon.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - datetime.timedelta(seconds=1))
        used = issue(shopper)
        Coupon.objects.filter(pk=used.pk).update(status=Coupon.Status.USED)
        reserved = issue(shopper)
        Coupon.objects.filter(pk=reserved.pk).update(status=Coupon.Status.RESERVED)
        give_points(other_member, 1000)
        theirs = issue(other_member)

        answer = price(shopper, expired.code, used.code, reserved.code, theirs.code)

        assert refused(answer) == {
            expired.code: "expired",
            used.code: "already_used",
            reserved.code: "reserved",
            theirs.code: "other_member",
        }
        assert answer["discount_total"] == "0.00"
        assert refused(price(None, theirs.code)) == {theirs.code: "member_required"}

    def test_over_http(self, api, shopper, other_member):
        give_points(other_member, 1000)
        theirs = issue(other_member)

        response = api.post(
            "/api/v1/checkout/calculate",
            {"member": shopper.external_id, **cart_data(codes=[theirs.code])},
            format="json",
            HTTP_ACCEPT_LANGUAGE="ru",
        )

        assert response.status_code == 200
        [refusal] = response.json()["coupons"]["refused"]
        assert refusal["reason"] == "other_member" and refusal["message"]


def place(storefront, member, number, *codes, **kwargs):
    cart = cart_from_data(cart_data(codes=codes), member=member)
    return order_place(storefront=storefront, number=number, cart=cart, **kwargs)[0]


def status_of(coupon):
    coupon.refresh_from_db()
    return coupon.status


class TestLifecycle:
    def test_place_complete_and_return(self, shopper, storefront):
        coupon = issue(shopper)

        order = place(storefront, shopper, "O-1", coupon.code)
        assert (status_of(coupon), coupon.order) == (Coupon.Status.RESERVED, order)
        assert order.discount_total == 500

        order_complete(order=order)
        assert status_of(coupon) == Coupon.Status.USED

        order_return(order=order, number="R-1", full=True)
        assert (status_of(coupon), coupon.order) == (Coupon.Status.ISSUED, None)
        assert list(ledger_mismatches()) == []

    def test_a_partial_return_keeps_the_coupon_used(self, shopper, storefront):
        coupon = issue(shopper)
        order = order_complete(order=place(storefront, shopper, "O-1", coupon.code))

        order_return(order=order, number="R-1", line_quantities={"a": 1})

        assert status_of(coupon) == Coupon.Status.USED

    def test_cancel_releases_it(self, shopper, storefront):
        coupon = issue(shopper)
        order = place(storefront, shopper, "O-1", coupon.code)

        order_cancel(order=order)

        assert (status_of(coupon), coupon.order) == (Coupon.Status.ISSUED, None)
        assert place(storefront, shopper, "O-2", coupon.code).discount_total == 500

    def test_a_second_order_does_not_get_a_reserved_coupon(self, shopper, storefront):
        coupon = issue(shopper)
        place(storefront, shopper, "O-1", coupon.code)

        with pytest.raises(PriceChanged):
            place(storefront, shopper, "O-2", coupon.code, expected_payable_total=2800)
        second = place(storefront, shopper, "O-3", coupon.code)

        assert second.discount_total == 0
        assert second.calculation["coupons"]["refused"][0]["reason"] == "reserved"

    def test_reserving_a_coupon_no_longer_issued_refuses_the_placing(self, shopper, storefront, make_order):
        coupon = issue(shopper)
        Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED)

        with pytest.raises(CouponNotAvailable):
            coupons_reserve(order=make_order(shopper), coupon_ids=[coupon.pk], now=timezone.now())


@pytest.mark.parametrize("count", [1, 3])
def test_calculate_with_coupons_costs_a_fixed_number_of_queries(shopper, django_assert_num_queries, count):
    codes = [issue(shopper, kind=Reward.Kind.PERCENT, amount=None, percent=1).code for _ in range(count)]
    cart = cart_from_data(cart_data(codes=codes), member=shopper)

    checkout_calculate(cart=cart)  # a running process has the settings and tiers cached

    # The account, the member's tier, the cart's coupons.
    with django_assert_num_queries(3):
        answer = checkout_calculate(cart=cart).as_dict()

    assert len(answer["coupons"]["applied"]) == count


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_coupon_used_by_two_concurrent_orders(program):
    storefront = StorefrontFactory()
    member = MemberFactory()
    give_points(member, 1000)
    coupon = reward_redeem(member=member, reward=make_reward())

    results = run_at_once(
        lambda index: place(storefront, member, f"C-{index}", coupon.code, expected_payable_total=2800),
        count=2,
        expected_errors=(PriceChanged, CouponNotAvailable),
    )

    placed = [result for result in results if not isinstance(result, Exception)]
    assert len(placed) == 1
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.RESERVED, placed[0].pk)
    assert list(ledger_mismatches()) == []
