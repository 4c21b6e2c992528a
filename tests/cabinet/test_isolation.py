"""A member sees only their own data. Every cabinet URL is tried by an
anonymous visitor (sent to sign-in) and every URL with an object id by
another member (404, never the other member's data)."""

import pytest
from django.urls import reverse

from loyalty.services import ledger
from rewards.catalog.services import reward_redeem
from rewards.models import Tier
from tests.cabinet_support import earn

from .helpers import make_reward

pytestmark = pytest.mark.django_db

MEMBER_PAGES = [
    "cabinet:dashboard",
    "cabinet:card",
    "cabinet:profile",
    "cabinet:my_data",
    "cabinet:delete_account",
    "cabinet_points:history",
    "cabinet_points:orders",
    "cabinet_points:gift",
    "cabinet_rewards:catalog",
    "cabinet_rewards:coupons",
]
MEMBER_POSTS = ["cabinet:data_download", "cabinet_points:gift_confirm"]


@pytest.fixture
def others_things(other_shopper, make_order, program):
    """Another member's order and coupon, and a reward only a higher tier may see."""
    order = make_order(other_shopper, number="SECRET-1")
    earn(other_shopper, 1000)
    coupon = reward_redeem(member=other_shopper, reward=make_reward(name_en="Their reward"))
    gold_only = make_reward(name_en="Gold only", min_tier=Tier.objects.get(code="gold"))
    return {"order": order, "coupon": coupon, "gold_only": gold_only}


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, program, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")


@pytest.mark.parametrize("name", MEMBER_POSTS)
def test_anonymous_posts_are_sent_to_sign_in(client, program, name):
    response = client.post(reverse(name), {})
    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/")


def test_anonymous_cannot_reach_object_pages(client, others_things):
    for url in (
        reverse("cabinet_points:order", args=[others_things["order"].pk]),
        reverse("cabinet_rewards:coupon", args=[others_things["coupon"].pk]),
        reverse("cabinet_rewards:redeem", args=[others_things["gold_only"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/"), url


def test_another_members_order_is_not_found(shopper_client, others_things):
    response = shopper_client.get(reverse("cabinet_points:order", args=[others_things["order"].pk]))
    assert response.status_code == 404
    assert "SECRET-1" not in response.content.decode()


def test_another_members_coupon_is_not_found(shopper_client, others_things):
    coupon = others_things["coupon"]
    response = shopper_client.get(reverse("cabinet_rewards:coupon", args=[coupon.pk]))
    assert response.status_code == 404
    assert coupon.code not in response.content.decode()
    assert coupon.code not in shopper_client.get(reverse("cabinet_rewards:coupons")).content.decode()


def test_a_reward_above_the_members_tier_is_not_found(shopper_client, shopper, others_things):
    earn(shopper, 1000)
    url = reverse("cabinet_rewards:redeem", args=[others_things["gold_only"].pk])
    assert shopper_client.get(url).status_code == 404
    assert shopper_client.post(url, {"request_id": "3f1c5e43-1d1e-4c55-9a3d-111111111111"}).status_code == 404
    assert "Gold only" not in shopper_client.get(reverse("cabinet_rewards:catalog")).content.decode()


def test_lists_and_exports_hold_only_the_members_own_rows(shopper_client, shopper, other_shopper, others_things):
    ledger.points_adjust(member=other_shopper, points=7, staff_user=None or _staff(), reason="Their private reason")
    for name in ("cabinet_points:history", "cabinet_points:orders", "cabinet:dashboard"):
        page = shopper_client.get(reverse(name)).content.decode()
        assert "Their private reason" not in page and "SECRET-1" not in page, name
    data = shopper_client.post(reverse("cabinet:data_download")).content.decode()
    assert "SECRET-1" not in data and other_shopper.email not in data and others_things["coupon"].code not in data


def test_a_member_id_in_the_query_or_form_changes_nothing(shopper_client, shopper, others_things):
    page = shopper_client.get(reverse("cabinet_points:history") + f"?member={others_things['order'].member_id}")
    assert "SECRET-1" not in page.content.decode()


def _staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("agent", password="x", is_staff=True)
