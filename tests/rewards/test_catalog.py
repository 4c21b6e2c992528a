"""Redeeming rewards: points, stock, limits, tiers, validity; the catalog API;
the admin refund."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from loyalty.exceptions import InsufficientPoints
from loyalty.models import Account, Entry
from loyalty.verification import ledger_mismatches
from rewards.catalog.rules import CODE_ALPHABET, CODE_LENGTH
from rewards.catalog.services import coupon_refund, reward_redeem
from rewards.exceptions import CouponNotRefundable, LimitReached, OutOfStock, RewardNotAvailable, TierRequired
from rewards.models import Coupon, Reward
from rewards.services import tier_assign

from ..api.helpers import error_of
from ..concurrency import run_at_once
from ..factories import MemberFactory
from .catalog_helpers import give_points, make_reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="staff", is_staff=True)


@pytest.fixture
def shopper(program, member):
    give_points(member, 1000)
    return member


def available(member):
    return Account.objects.get(member=member).available


class TestRedeem:
    def test_spends_the_points_and_issues_a_coupon(self, shopper):
        reward = make_reward(cost_points=300, stock=5, coupon_validity_days=10)

        coupon = reward_redeem(member=shopper, reward=reward)

        assert available(shopper) == 700
        assert coupon.status == Coupon.Status.ISSUED and coupon.member == shopper
        assert len(coupon.code) == CODE_LENGTH and set(coupon.code) <= set(CODE_ALPHABET)
        assert coupon.valid_until - coupon.issued_at == datetime.timedelta(days=10)
        entry = coupon.spend_entry
        assert (entry.kind, entry.points, entry.source) == (Entry.Kind.SPEND, 300, reward)
        assert Reward.objects.get().stock == 4
        assert list(ledger_mismatches()) == []

    def test_each_coupon_has_its_own_code(self, shopper):
        reward = make_reward(cost_points=10)

        codes = {reward_redeem(member=shopper, reward=reward).code for _ in range(20)}

        assert len(codes) == 20

    def test_the_same_idempotency_key_issues_one_coupon(self, shopper):
        reward = make_reward()

        first = reward_redeem(member=shopper, reward=reward, idempotency_key="k-1")
        again = reward_redeem(member=shopper, reward=reward, idempotency_key="k-1")

        assert first == again and Coupon.objects.count() == 1 and available(shopper) == 900

    def test_not_enough_points(self, shopper):
        with pytest.raises(InsufficientPoints):
            reward_redeem(member=shopper, reward=make_reward(cost_points=1001, stock=1))

        assert (Coupon.objects.count(), Reward.objects.get().stock, available(shopper)) == (0, 1, 1000)

    def test_out_of_stock(self, shopper):
        with pytest.raises(OutOfStock):
            reward_redeem(member=shopper, reward=make_reward(stock=0))

    def test_the_per_member_limit_does_not_count_refunds(self, shopper, staff):
        reward = make_reward(per_member_limit=1)
        coupon = reward_redeem(member=shopper, reward=reward)
        with pytest.raises(LimitReached):
            reward_redeem(member=shopper, reward=reward)

        coupon_refund(coupon=coupon, staff_user=staff)

        assert reward_redeem(member=shopper, reward=reward).status == Coupon.Status.ISSUED

    @pytest.mark.parametrize(
        "fields",
        [
            {"is_active": False},
            {"available_from": timezone.now() + datetime.timedelta(days=1)},
            {"available_until": timezone.now() - datetime.timedelta(days=1)},
        ],
        ids=["inactive", "not-yet", "ended"],
    )
    def test_outside_its_validity(self, shopper, fields):
        with pytest.raises(RewardNotAvailable):
            reward_redeem(member=shopper, reward=make_reward(**fields))

    def test_a_tier_restriction(self, shopper, tiers, staff):
        reward = make_reward(min_tier=tiers["silver"])
        with pytest.raises(TierRequired):
            reward_redeem(member=shopper, reward=reward)
        tier_assign(member=shopper, tier=tiers["bronze"], staff_user=staff, note="Test")
        with pytest.raises(TierRequired):
            reward_redeem(member=shopper, reward=reward)

        tier_assign(member=shopper, tier=tiers["gold"], staff_user=staff, note="Test")

        assert reward_redeem(member=shopper, reward=reward).reward == reward


class TestRefund:
    def test_gives_the_points_back_and_restocks(self, shopper, staff):
        reward = make_reward(cost_points=300, stock=1)
        coupon = reward_redeem(member=shopper, reward=reward)

        coupon = coupon_refund(coupon=coupon, staff_user=staff)

        assert coupon.status == Coupon.Status.REFUNDED and available(shopper) == 1000
        entry = coupon.refund_entry
        assert (entry.kind, entry.points, entry.staff_user) == (Entry.Kind.ADJUSTMENT, 300, staff)
        assert entry.reason == f"Refund of coupon {coupon.code}"
        assert Reward.objects.get().stock == 1
        # Twice changes nothing.
        coupon_refund(coupon=coupon, staff_user=staff)
        assert available(shopper) == 1000
        assert list(ledger_mismatches()) == []

    def test_a_used_coupon_is_not_refunded(self, shopper, staff):
        coupon = reward_redeem(member=shopper, reward=make_reward())
        Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED)

        with pytest.raises(CouponNotRefundable):
            coupon_refund(coupon=coupon, staff_user=staff)

    def test_the_admin_action(self, client, shopper):
        user = get_user_model().objects.create_user(username="support", is_staff=True, password="x")
        content_type = ContentType.objects.get_for_model(Coupon)
        user.user_permissions.add(*Permission.objects.filter(content_type=content_type))
        client.force_login(user)
        reward = make_reward(cost_points=100)
        unused, used = reward_redeem(member=shopper, reward=reward), reward_redeem(member=shopper, reward=reward)
        Coupon.objects.filter(pk=used.pk).update(status=Coupon.Status.USED)
        assert client.get("/admin/rewards/coupon/").status_code == 200
        assert client.get(f"/admin/rewards/coupon/{unused.pk}/change/").status_code == 200

        response = client.post(
            "/admin/rewards/coupon/",
            {"action": "refund_points", "_selected_action": [unused.pk, used.pk]},
            follow=True,
        )

        assert response.status_code == 200
        messages = [str(message) for message in response.context["messages"]]
        assert messages == ["Refunded 1 coupons.", "1 coupons were not refunded: they are reserved, used or prizes."]
        assert Coupon.objects.get(pk=unused.pk).status == Coupon.Status.REFUNDED
        assert available(shopper) == 900
        assert Coupon.objects.get(pk=unused.pk).refund_entry.staff_user == user

    def test_the_reward_pages_load(self, admin_client, program):
        reward = make_reward()
        for page in (
            "/admin/rewards/reward/",
            "/admin/rewards/reward/add/",
            f"/admin/rewards/reward/{reward.pk}/change/",
        ):
            assert admin_client.get(page).status_code == 200


class TestApi:
    def rewards_url(self, member):
        return f"/api/v1/members/{member.external_id}/rewards"

    def test_the_catalog_a_member_may_get(self, api, shopper, tiers):
        cheap = make_reward(cost_points=100, per_member_limit=1, stock=3)
        dear = make_reward(name_en="Gift", kind=Reward.Kind.GIFT_PRODUCT, amount=None, gift_sku="MUG", cost_points=5000)
        make_reward(min_tier=tiers["gold"])
        make_reward(is_active=False)
        reward_redeem(member=shopper, reward=cheap)

        body = api.get(self.rewards_url(shopper)).json()

        assert [item["reward"]["id"] for item in body] == [cheap.pk, dear.pk]
        assert body[0] == {**body[0], "redeemed": 1, "affordable": True, "limit_left": 0, "can_redeem": False}
        assert body[0]["reward"]["stock"] == 2
        assert body[1] == {**body[1], "affordable": False, "points_missing": 4100, "can_redeem": False}

    def test_names_follow_the_request_language(self, api, shopper):
        make_reward()

        body = api.get(self.rewards_url(shopper), HTTP_ACCEPT_LANGUAGE="ru").json()

        assert body[0]["reward"]["name"] == "Скидка 500 ₽"

    def test_redeem_and_list_coupons(self, api, shopper):
        reward = make_reward(cost_points=250)
        url = f"{self.rewards_url(shopper)}/{reward.pk}/redeem"

        response = api.post(url, HTTP_IDEMPOTENCY_KEY="r-1")
        replay = api.post(url, HTTP_IDEMPOTENCY_KEY="r-1")

        assert response.status_code == 201 and replay.json() == response.json()
        coupon = response.json()
        assert (coupon["status"], coupon["reward"]["id"], coupon["order"]) == ("issued", reward.pk, None)
        assert available(shopper) == 750
        listed = api.get(f"/api/v1/members/{shopper.external_id}/coupons").json()
        assert [item["code"] for item in listed] == [coupon["code"]]

    @pytest.mark.parametrize(
        ("fields", "status", "code"),
        [
            ({"cost_points": 5000}, 409, "insufficient_points"),
            ({"stock": 0}, 409, "out_of_stock"),
            ({"available_until": timezone.now() - datetime.timedelta(days=1)}, 422, "reward_not_available"),
        ],
    )
    def test_redeem_refusals(self, api, shopper, fields, status, code):
        reward = make_reward(**fields)

        response = api.post(f"{self.rewards_url(shopper)}/{reward.pk}/redeem")

        assert (response.status_code, error_of(response)["code"]) == (status, code)

    def test_unknown_reward_and_member(self, api, shopper):
        response = api.post(f"{self.rewards_url(shopper)}/999999/redeem")
        assert (response.status_code, error_of(response)["code"]) == (404, "reward_not_found")
        response = api.get("/api/v1/members/nobody/coupons")
        assert (response.status_code, error_of(response)["code"]) == (404, "member_not_found")

    def test_validate(self, api, shopper, other_member):
        coupon = reward_redeem(member=shopper, reward=make_reward(min_order_amount="2000.00"))

        def validate(**body):
            return api.post("/api/v1/coupons/validate", {"code": coupon.code, **body}, format="json").json()

        ok = validate(member=shopper.external_id, amount="2500.00")
        assert (ok["valid"], ok["reason"], ok["coupon"]["code"]) == (True, None, coupon.code)
        assert validate(member=shopper.external_id, amount="1000.00")["reason"] == "below_minimum_order"
        assert validate(member=other_member.external_id) == {
            "valid": False,
            "reason": "other_member",
            "message": "This coupon belongs to another member.",
            "coupon": None,
        }
        assert validate()["reason"] == "member_required"
        assert validate(code=coupon.code.lower(), member=shopper.external_id)["valid"] is True
        assert validate(code="NOPE")["reason"] == "unknown_coupon"

    def test_the_schema_lists_the_endpoints(self, api):
        paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

        assert "/api/v1/members/{external_id}/rewards/{reward_id}/redeem" in paths
        assert "/api/v1/coupons/validate" in paths


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_last_items_are_never_sold_twice(program):
    reward = make_reward(stock=3, cost_points=100)
    members = [MemberFactory() for _ in range(10)]
    for member in members:
        give_points(member, 100)

    results = run_at_once(
        lambda index: reward_redeem(member=members[index], reward=reward), count=10, expected_errors=(OutOfStock,)
    )

    assert sum(isinstance(result, Coupon) for result in results) == 3
    assert sum(isinstance(result, OutOfStock) for result in results) == 7
    assert (Reward.objects.get().stock, Coupon.objects.count()) == (0, 3)
    assert Entry.objects.filter(kind=Entry.Kind.SPEND).count() == 3
    assert list(ledger_mismatches()) == []


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_per_member_limit_holds_under_concurrency(program, member):
    give_points(member, 10_000)
    reward = make_reward(per_member_limit=2, cost_points=100)

    results = run_at_once(
        lambda index: reward_redeem(member=member, reward=reward), count=6, expected_errors=(LimitReached,)
    )

    assert sum(isinstance(result, Coupon) for result in results) == 2
    assert Account.objects.get(member=member).available == 9800
    assert list(ledger_mismatches()) == []
