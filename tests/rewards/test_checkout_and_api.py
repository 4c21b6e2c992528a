"""Tier benefits in checkout (stacked with base earning and the redemption
cap), and the tiers API."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from loyalty.checkout import SPEND_MAX, cart_from_data, checkout_calculate
from loyalty.services import ledger
from rewards.models import Tier
from rewards.services import tier_assign

from ..api.helpers import error_of
from .conftest import moscow

pytestmark = pytest.mark.django_db

CART = {
    "currency": "RUB",
    "lines": [
        {"id": "a", "sku": "A", "quantity": 2, "unit_price": "1500.00"},
        {"id": "b", "sku": "B", "quantity": 1, "unit_price": "1000.00"},
    ],
    "shipping": "300.00",
    "points_to_spend": SPEND_MAX,
}


@pytest.fixture
def bronze_member(member, tiers):
    """A Bronze member with 5000 points; Bronze here also lets points pay half
    the order and multiplies earning by 1.5."""
    bronze = tiers["bronze"]
    bronze.redemption_cap_percent, bronze.earn_multiplier = 50, Decimal("1.5")
    bronze.save()
    staff = get_user_model().objects.create_user(username="staff", is_staff=True)
    tier_assign(member=member, tier=bronze, staff_user=staff, note="Test")
    ledger.points_earn(member=member, points=5000, pending=False)
    return member


def effects_of(answer):
    return [(effect["kind"], effect["source"]["type"]) for effect in answer["effects"]]


def test_a_tier_stacks_with_base_earning_and_the_redemption_cap(bronze_member):
    answer = checkout_calculate(cart=cart_from_data(CART, member=bronze_member)).as_dict()

    # 10% off 4000 = 3600; free shipping from 3000; 50% of 3600 paid by points;
    # 1 point per 100 RUB on the 1800 paid in money, and half as much again.
    assert (answer["discount_total"], answer["shipping_discount"]) == ("400.00", "300.00")
    assert (answer["points_to_spend"], answer["payable_total"]) == (1800, "1800.00")
    assert answer["points_earned"] == 18 + 9
    assert effects_of(answer) == [
        ("discount", "tier"),
        ("shipping_discount", "tier"),
        ("redemption_cap", "tier"),
        ("redemption", "program"),
        ("earning", "program"),
        ("earning", "tier"),
    ]


def test_free_shipping_from_an_amount_counts_the_amount_after_discounts(bronze_member):
    cart = {**CART, "lines": [{"sku": "A", "quantity": 1, "unit_price": "3200.00"}], "points_to_spend": 0}

    answer = checkout_calculate(cart=cart_from_data(cart, member=bronze_member)).as_dict()

    assert (answer["discount_total"], answer["shipping_discount"]) == ("320.00", "0.00")


def test_a_member_without_a_tier_and_a_newcomer_get_no_benefit(member, other_member, tiers):
    staff = get_user_model().objects.create_user(username="staff", is_staff=True)
    tier_assign(member=other_member, tier=tiers["newcomer"], staff_user=staff, note="Test")

    for shopper in (member, other_member):
        answer = checkout_calculate(cart=cart_from_data({**CART, "points_to_spend": 0}, member=shopper)).as_dict()
        assert effects_of(answer) == [("earning", "program")]


def test_calculate_over_http_names_the_tier(api, bronze_member):
    response = api.post("/api/v1/checkout/calculate", {**CART, "member": bronze_member.external_id})

    assert response.status_code == 200
    discount = response.json()["effects"][0]
    assert discount["source"] == {"type": "tier", "id": Tier.objects.get(code="bronze").pk, "name": "Bronze"}
    assert discount["description"] == "Bronze: 10% off"


def test_the_tiers_for_storefront_display(api, tiers):
    body = api.get("/api/v1/tiers").json()

    assert body["qualification"] == {"basis": "points", "window": "lifetime", "window_months": 12}
    assert [tier["code"] for tier in body["tiers"]] == ["newcomer", "bronze", "silver", "gold", "platinum"]
    bronze = body["tiers"][1]
    assert (bronze["threshold"], bronze["benefits"]["discount_percent"]) == ("1001.00", "10.00")
    assert (bronze["benefits"]["free_shipping"], bronze["benefits"]["free_shipping_from"]) == ("from_amount", "3000.00")
    assert body["tiers"][4]["invitation_only"] is True


def test_a_members_tier_and_progress(api, member, tiers, buy):
    buy(member, "60000", moscow(2026, 3, 1))

    body = api.get(f"/api/v1/members/{member.external_id}/tier").json()

    assert body["tier"]["code"] == "newcomer"
    assert (body["basis"], body["value"]) == ("points", "600.00")
    assert (body["next_tier"]["code"], body["needed_for_next"]) == ("bronze", "401.00")
    assert (body["keep_threshold"], body["needed_to_keep"]) == ("0.00", "0.00")
    # The end of the year in Moscow.
    assert datetime.datetime.fromisoformat(body["keep_by"]) == moscow(2027, 1, 1, hour=0)


def test_an_unknown_member_has_no_tier(api, tiers):
    response = api.get("/api/v1/members/nobody/tier")

    assert response.status_code == 404
    assert error_of(response)["code"] == "member_not_found"


def test_the_member_read_shows_the_tier_in_the_same_queries(api, bronze_member, django_assert_num_queries):
    url = f"/api/v1/members/{bronze_member.external_id}"
    api.get(url)  # records the key's use

    with django_assert_num_queries(3):  # as without tiers: tests/api/test_members.py
        body = api.get(url).json()

    assert body["tier"]["code"] == "bronze"
    assert body["tier"]["name"] == "Bronze"
