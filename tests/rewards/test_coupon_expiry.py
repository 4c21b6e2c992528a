"""The coupon expiry job: issued coupons past their date are stored as
expired, once; the API and checkout say "expired" before and after it runs."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from loyalty.checkout import cart_from_data, checkout_calculate
from rewards.catalog.services import coupon_refund, coupons_expire, reward_redeem
from rewards.models import Coupon

from .catalog_helpers import cart_data, give_points, make_reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(program, member):
    give_points(member, 10_000)
    return member


def coupon_issued(member, days_ago):
    """A coupon valid for 30 days, redeemed ``days_ago`` days ago."""
    return reward_redeem(member=member, reward=make_reward(), now=timezone.now() - datetime.timedelta(days=days_ago))


def status(coupon):
    return Coupon.objects.get(pk=coupon.pk).status


def test_the_job_marks_coupons_past_their_date_once(shopper):
    old, fresh, used = coupon_issued(shopper, 31), coupon_issued(shopper, 1), coupon_issued(shopper, 40)
    Coupon.objects.filter(pk=used.pk).update(status=Coupon.Status.USED)

    assert coupons_expire() == 1
    assert coupons_expire() == 0

    assert [status(coupon) for coupon in (old, fresh, used)] == ["expired", "issued", "used"]


def test_the_api_and_checkout_say_expired_before_and_after_the_job(api, shopper):
    coupon = coupon_issued(shopper, 31)
    url = f"/api/v1/members/{shopper.external_id}/coupons"

    def seen():
        listed = api.get(url).json()[0]["status"]
        answer = checkout_calculate(cart=cart_from_data(cart_data(codes=[coupon.code]), member=shopper)).as_dict()
        return listed, [refusal["reason"] for refusal in answer["coupons"]["refused"]]

    before = seen()
    coupons_expire()

    assert before == seen() == ("expired", ["expired"])


def test_an_expired_coupon_can_still_be_refunded(shopper):
    coupon = coupon_issued(shopper, 31)
    coupons_expire()

    refunded = coupon_refund(coupon=coupon, staff_user=get_user_model().objects.create_user(username="staff"))

    assert refunded.status == Coupon.Status.REFUNDED
