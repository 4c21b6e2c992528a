"""Membership benefits in checkout: the best benefit of each kind wins
between the tier and the plan, named after its source; and what the
membership saved, recorded when orders complete and lowered by returns."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from loyalty.checkout import SPEND_MAX, cart_from_data, checkout_calculate
from loyalty.services import ledger
from loyalty.services.orders import order_cancel, order_complete, order_place, order_return
from rewards.memberships.services import membership_cancel, membership_purchase
from rewards.models import MembershipPlan, MembershipSaving
from rewards.services import tier_assign

from .test_memberships import make_plan

pytestmark = pytest.mark.django_db

CART = {
    "currency": "RUB",
    "lines": [
        {"id": "a", "sku": "A", "quantity": 2, "unit_price": "1500.00"},
        {"id": "b", "sku": "B", "quantity": 1, "unit_price": "1000.00"},
    ],
    "shipping": "300.00",
}


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="staff", is_staff=True)


@pytest.fixture
def in_tier(member, tiers, staff):
    """Put ``member`` in the tier with this code."""

    def assign(code):
        tier_assign(member=member, tier=tiers[code], staff_user=staff, note="Test")
        return member

    return assign


@pytest.fixture
def subscribe(member, storefront):
    numbers = iter(range(1, 1000))

    def subscribe(**fields):
        plan = make_plan(code=f"plan-{next(numbers)}", **fields)
        membership_purchase(member=member, plan=plan, storefront=storefront, number=f"P-{plan.code}")
        return plan

    return subscribe


def price(member, cart=CART):
    return checkout_calculate(cart=cart_from_data(cart, member=member)).as_dict()


def effects(answer):
    return [(effect["kind"], effect["source"]["type"], effect["description"]) for effect in answer["effects"]]


class TestStacking:
    def test_the_bigger_discount_wins_not_both(self, member, tiers, in_tier, subscribe):
        in_tier("bronze")  # 10% off, free shipping from 3000
        subscribe(name_en="Club", discount_percent=15, free_shipping=MembershipPlan.FreeShipping.NEVER)

        answer = price(member)

        # 15% of 4000, not 10% and then 15%.
        assert answer["discount_total"] == "600.00"
        assert effects(answer)[:2] == [
            ("discount", "membership", "Club: 15% off"),
            ("shipping_discount", "tier", "Bronze: free shipping"),
        ]

    def test_the_tier_wins_when_it_gives_more(self, member, in_tier, subscribe):
        in_tier("gold")  # 20% off
        subscribe(discount_percent=15, free_shipping=MembershipPlan.FreeShipping.NEVER)

        answer = price(member)

        assert answer["discount_total"] == "800.00"
        assert [kind for kind, source, _ in effects(answer) if source == "membership"] == []

    def test_on_a_tie_the_tier_is_named(self, member, in_tier, subscribe):
        in_tier("silver")  # 15% off, free shipping always
        subscribe(discount_percent=15, free_shipping=MembershipPlan.FreeShipping.ALWAYS)

        answer = price(member)

        assert {source for _, source, _ in effects(answer)} == {"tier", "program"}
        assert (answer["discount_total"], answer["shipping_discount"]) == ("600.00", "300.00")

    def test_free_shipping_from_the_plan_when_the_tier_does_not_give_it(self, member, in_tier, subscribe):
        in_tier("bronze")  # free shipping only from 3000 after discounts
        subscribe(name_en="Club", discount_percent=0, free_shipping=MembershipPlan.FreeShipping.ALWAYS)
        small = {**CART, "lines": [{"sku": "A", "quantity": 1, "unit_price": "2000.00"}]}

        answer = price(member, small)

        assert answer["shipping_discount"] == "300.00"
        assert ("shipping_discount", "membership", "Club: free shipping") in effects(answer)
        assert ("discount", "tier", "Bronze: 10% off") in effects(answer)

    def test_the_higher_multiplier_and_cap_win(self, member, tiers, in_tier, subscribe):
        tiers["bronze"].earn_multiplier = Decimal("1.5")
        tiers["bronze"].save()
        in_tier("bronze")
        subscribe(
            name_en="Club",
            discount_percent=0,
            free_shipping=MembershipPlan.FreeShipping.NEVER,
            earn_multiplier=2,
            redemption_cap_percent=50,
        )
        ledger.points_earn(member=member, points=5000, pending=False)

        answer = price(member, {**CART, "points_to_spend": SPEND_MAX})

        # 10% off 4000 = 3600; half of it payable by points; 1800 in money
        # earn 18 points, twice over with the plan (not 1.5 times, not 2.5).
        assert answer["points_to_spend"] == 1800
        assert answer["points_earned"] == 36
        assert effects(answer)[2:] == [
            ("redemption_cap", "membership", "Club: up to 50% payable by points"),
            ("redemption", "program", "1800 points pay 1800.00 RUB"),
            ("earning", "program", "1 points per 100.00 RUB"),
            ("earning", "membership", "Club: 2× points"),
        ]

    def test_a_plan_granting_a_tier_gives_its_benefits_under_the_plans_name(self, member, tiers, subscribe):
        subscribe(name_en="Silver pass", grants_tier=tiers["silver"], discount_percent=0)

        answer = price(member)

        assert (answer["discount_total"], answer["shipping_discount"]) == ("600.00", "300.00")
        assert effects(answer)[:2] == [
            ("discount", "membership", "Silver pass: 15% off"),
            ("shipping_discount", "membership", "Silver pass: free shipping"),
        ]

    def test_an_ended_membership_gives_nothing(self, member, subscribe):
        subscribe(discount_percent=15)

        membership_cancel(member=member, immediately=True)

        assert price(member)["discount_total"] == "0.00"

    def test_the_tier_and_the_membership_cost_one_query(
        self, member, in_tier, subscribe, django_assert_num_queries, program
    ):
        in_tier("bronze")
        subscribe(discount_percent=15)
        cart = cart_from_data(CART, member=member)

        checkout_calculate(cart=cart)  # a running process has the settings, tiers and plans cached

        # The account, the tier with the membership.
        with django_assert_num_queries(2):
            checkout_calculate(cart=cart)


class TestSavings:
    @pytest.fixture
    def shopper(self, member, in_tier, subscribe):
        """A Bronze member (10% off, free shipping from 3000) with a plan of
        15% off, free shipping always and double points."""
        in_tier("bronze")
        subscribe(discount_percent=15, free_shipping=MembershipPlan.FreeShipping.ALWAYS, earn_multiplier=2)
        return member

    def place(self, member, storefront, number="O-1"):
        line = {"id": "a", "sku": "A", "quantity": 2, "unit_price": "1000.00"}
        cart = cart_from_data({"currency": "RUB", "lines": [line], "shipping": "300.00"}, member=member)
        return order_place(storefront=storefront, number=number, cart=cart)[0]

    def status(self, api, member):
        return api.get(f"/api/v1/members/{member.external_id}/membership").json()

    def test_what_it_saved_counts_when_the_order_completes(self, api, shopper, storefront):
        order = self.place(shopper, storefront)
        assert self.status(api, shopper)["savings"]["orders"] == 0

        order_complete(order=order)

        body = self.status(api, shopper)
        # 15% of 2000 instead of the tier's 10%: 100 more; shipping the tier
        # would not have made free (1700 < 3000): 300; 17 points twice: 17 more.
        assert body["savings"] == {
            "orders": 1,
            "discount": "100.00",
            "shipping": "300.00",
            "points": 17,
            "points_value": "17.00",
            "total": "417.00",
        }
        assert (body["fees_paid"], body["net"], body["paid_off"]) == ("299.00", "118.00", True)

    def test_returns_lower_it_and_a_full_return_takes_it_all(self, api, shopper, storefront):
        order = order_complete(order=self.place(shopper, storefront))

        order_return(order=order, number="R-1", line_quantities={"a": 1})
        halfway = self.status(api, shopper)["savings"]
        order_return(order=order, number="R-2", full=True)
        nothing = self.status(api, shopper)["savings"]

        assert halfway == {
            "orders": 1,
            "discount": "50.00",
            "shipping": "300.00",
            "points": 9,
            "points_value": "9.00",
            "total": "359.00",
        }
        assert (nothing["total"], nothing["points"]) == ("0.00", 0)

    def test_a_cancelled_order_saved_nothing(self, shopper, storefront):
        order = self.place(shopper, storefront)

        order_cancel(order=order)

        assert not MembershipSaving.objects.exists()

    def test_an_order_without_membership_benefits_records_nothing(self, member, in_tier, storefront):
        in_tier("gold")
        order_complete(order=self.place(member, storefront))

        assert not MembershipSaving.objects.exists()


def test_the_breakdown_names_the_plan_in_the_shoppers_language(api, member, subscribe):
    subscribe(name_en="Club", name_ru="Клуб", discount_percent=15, free_shipping=MembershipPlan.FreeShipping.NEVER)

    response = api.post("/api/v1/checkout/calculate", {**CART, "member": member.external_id}, HTTP_ACCEPT_LANGUAGE="ru")

    discount = response.json()["effects"][0]
    assert discount["source"]["type"] == "membership"
    assert (discount["source"]["name"], discount["description"]) == ("Клуб", "Клуб: скидка 15%")
