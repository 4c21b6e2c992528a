"""Paid memberships: what storefronts report (purchase, renewal, cancellation,
with idempotent replays), the expiry job, the plans API, and the selector the
personal cabinet will use."""

import calendar
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.services.storefronts import api_key_create
from rewards.memberships.selectors import membership_status
from rewards.memberships.services import membership_cancel, membership_purchase, membership_renew, memberships_expire
from rewards.models import Membership, MembershipPayment, MembershipPlan

from ..api.helpers import client_for, error_of
from ..factories import StorefrontFactory
from .conftest import moscow

pytestmark = pytest.mark.django_db


def make_plan(**fields):
    values = {
        "code": "club",
        "name_en": "Club",
        "name_ru": "Клуб",
        "period": MembershipPlan.Period.MONTHLY,
        "fee": Decimal("299.00"),
        "discount_percent": Decimal(5),
        "free_shipping": MembershipPlan.FreeShipping.ALWAYS,
    }
    values.update(fields)
    return MembershipPlan.objects.create(**values)


@pytest.fixture
def plan(program):
    return make_plan()


@pytest.fixture
def annual(program):
    return make_plan(code="club-year", name_en="Club, a year", period=MembershipPlan.Period.ANNUAL, fee="2990.00")


@pytest.fixture
def lifetime(program):
    return make_plan(code="forever", name_en="Forever", period=MembershipPlan.Period.LIFETIME, fee="9900.00")


def url(member, action=""):
    return f"/api/v1/members/{member.external_id}/membership" + (f"/{action}" if action else "")


def local_midnight(year, month, day):
    return moscow(year, month, day, hour=0)


def month_later(day):
    month, year = day.month % 12 + 1, day.year + (day.month == 12)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class TestPurchaseOverTheApi:
    def test_a_purchase_starts_the_plan_today(self, api, member, plan):
        response = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        assert response.status_code == 201
        body = response.json()
        assert body["plan"] == {"code": "club", "name": "Club", "period": "monthly", "fee": "299.00"}
        assert (body["active"], body["status"], body["renews"]) == (True, "active", True)
        assert body["fees_paid"] == "299.00" and body["currency"] == "RUB"
        # The day of purchase counts whole; a month later, at local midnight, it ends.
        zone = local_midnight(2026, 1, 1).tzinfo
        today = datetime.datetime.fromisoformat(body["started_at"]).astimezone(zone).date()
        expires = datetime.datetime.fromisoformat(body["expires_at"]).astimezone(zone)
        assert (expires.date(), expires.time()) == (month_later(today), datetime.time(0))

    def test_a_retried_purchase_changes_nothing(self, api, member, plan):
        first = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        again = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        assert again.status_code == 200 and again.json() == first.json()
        assert MembershipPayment.objects.count() == 1
        assert again.json()["fees_paid"] == "299.00"

    def test_a_replay_under_the_idempotency_key_is_the_first_answer(self, api, member, plan):
        first = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"}, HTTP_IDEMPOTENCY_KEY="k-1")

        replay = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"}, HTTP_IDEMPOTENCY_KEY="k-1")

        assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
        assert replay.json() == first.json()
        assert MembershipPayment.objects.count() == 1

    def test_the_same_number_with_another_plan_is_refused(self, api, member, plan, annual):
        api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        response = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club-year"})

        assert (response.status_code, error_of(response)["code"]) == (409, "membership_payment_exists")
        assert Membership.objects.get().plan == plan

    def test_payment_numbers_belong_to_their_storefront(self, api, member, plan):
        other = client_for(api_key_create(storefront=StorefrontFactory(), name="App")[1])
        api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        response = other.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        assert response.status_code == 201
        assert response.json()["fees_paid"] == "598.00"

    def test_the_fee_paid_is_what_the_storefront_says(self, api, member, plan):
        body = api.post(url(member, "purchase"), {"number": "P-1", "plan": "club", "fee": "199.00"}).json()

        assert body["fees_paid"] == "199.00"

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"number": "P-1", "plan": "nothing"}, 404, "plan_not_found"),
            ({"number": "P-1", "plan": "retired"}, 422, "plan_not_available"),
            ({"plan": "club"}, 400, "validation_error"),
            ({"number": "P-1", "plan": "club", "fee": "-1"}, 400, "validation_error"),
        ],
    )
    def test_refusals(self, api, member, plan, body, status, code):
        make_plan(code="retired", is_active=False)

        response = api.post(url(member, "purchase"), body)

        assert (response.status_code, error_of(response)["code"]) == (status, code)
        assert not Membership.objects.exists()

    def test_an_unknown_member(self, api, plan):
        response = api.post("/api/v1/members/nobody/membership/purchase", {"number": "P-1", "plan": "club"})

        assert (response.status_code, error_of(response)["code"]) == (404, "member_not_found")


class TestPeriods:
    def test_buying_the_same_plan_again_adds_a_period(self, member, plan, storefront):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))

        membership, _ = membership_purchase(
            member=member, plan=plan, storefront=storefront, number="P-2", now=moscow(2026, 3, 20)
        )

        # Through 9 April, then through 9 May.
        assert membership.expires_at == local_midnight(2026, 5, 10)
        assert membership.started_at == moscow(2026, 3, 10)

    def test_another_plan_replaces_the_current_one_from_now(self, member, plan, annual, storefront):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))

        membership, _ = membership_purchase(
            member=member, plan=annual, storefront=storefront, number="P-2", now=moscow(2026, 3, 20)
        )

        assert (membership.plan, membership.expires_at) == (annual, local_midnight(2027, 3, 20))
        assert membership.started_at == moscow(2026, 3, 10)

    def test_a_renewal_follows_the_current_period_and_a_retry_adds_nothing(self, member, plan, storefront):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))

        membership, created = membership_renew(
            member=member, storefront=storefront, number="R-1", now=moscow(2026, 4, 8)
        )
        retried, created_again = membership_renew(
            member=member, storefront=storefront, number="R-1", now=moscow(2026, 4, 9)
        )

        assert (created, created_again) == (True, False)
        assert membership.expires_at == retried.expires_at == local_midnight(2026, 5, 10)
        assert MembershipPayment.objects.filter(kind="renewal").count() == 1

    def test_a_renewal_after_the_end_starts_again(self, member, plan, storefront):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))

        membership, _ = membership_renew(member=member, storefront=storefront, number="R-1", now=moscow(2026, 6, 1))

        assert (membership.started_at, membership.expires_at) == (moscow(2026, 6, 1), local_midnight(2026, 7, 1))

    def test_renewals_over_the_api(self, api, member, plan):
        api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})
        first_end = Membership.objects.get().expires_at

        response = api.post(url(member, "renew"), {"number": "R-1"}, HTTP_IDEMPOTENCY_KEY="r")
        again = api.post(url(member, "renew"), {"number": "R-1"})

        assert (response.status_code, again.status_code) == (201, 200)
        assert response.json()["fees_paid"] == again.json()["fees_paid"] == "598.00"
        assert Membership.objects.get().expires_at > first_end

    def test_a_lifetime_plan(self, api, member, lifetime):
        body = api.post(url(member, "purchase"), {"number": "P-1", "plan": "forever"}).json()

        assert (body["expires_at"], body["renews"], body["active"]) == (None, False, True)
        again = api.post(url(member, "purchase"), {"number": "P-2", "plan": "forever"})
        assert (again.status_code, error_of(again)["code"]) == (409, "membership_already_active")
        renewal = api.post(url(member, "renew"), {"number": "R-1"})
        assert (renewal.status_code, error_of(renewal)["code"]) == (422, "membership_not_renewable")

    def test_renewing_without_a_membership(self, api, member, plan):
        response = api.post(url(member, "renew"), {"number": "R-1"})

        assert (response.status_code, error_of(response)["code"]) == (404, "membership_not_found")


class TestCancellation:
    def test_a_cancelled_membership_lasts_until_its_period_ends(self, api, member, plan):
        api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        body = api.post(url(member, "cancel"), {}, HTTP_IDEMPOTENCY_KEY="c-1").json()
        again = api.post(url(member, "cancel"), {}).json()

        assert (body["active"], body["renews"]) == (True, False)
        assert again == body

    def test_ending_it_now(self, api, member, plan):
        api.post(url(member, "purchase"), {"number": "P-1", "plan": "club"})

        body = api.post(url(member, "cancel"), {"immediately": True}).json()

        assert (body["active"], body["status"], body["renews"]) == (False, "expired", False)
        assert body["cancelled_at"] == body["expires_at"]

    def test_a_renewal_takes_back_the_cancellation(self, member, plan, storefront):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))
        membership_cancel(member=member, now=moscow(2026, 3, 11))

        membership, _ = membership_renew(member=member, storefront=storefront, number="R-1", now=moscow(2026, 3, 12))

        assert membership.cancelled_at is None

    def test_a_lifetime_membership_ends_now(self, member, lifetime, storefront):
        membership_purchase(member=member, plan=lifetime, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))

        membership = membership_cancel(member=member, now=moscow(2026, 3, 11))

        assert not membership.is_active_at(moscow(2026, 3, 11))

    def test_nothing_to_cancel(self, api, member):
        response = api.post(url(member, "cancel"), {})

        assert (response.status_code, error_of(response)["code"]) == (404, "membership_not_found")


class TestExpiry:
    def test_the_job_ends_memberships_whose_period_is_over_once(self, member, other_member, plan, storefront):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))
        membership_purchase(
            member=other_member, plan=plan, storefront=storefront, number="P-2", now=moscow(2026, 3, 25)
        )

        # 23:59 on 9 April in Moscow: the last minute of the first period.
        assert memberships_expire(now=moscow(2026, 4, 9, hour=23) + datetime.timedelta(minutes=59)) == 0
        assert memberships_expire(now=local_midnight(2026, 4, 10)) == 1
        assert memberships_expire(now=local_midnight(2026, 4, 10)) == 0

        assert Membership.objects.get(member=member).status == Membership.Status.EXPIRED
        assert Membership.objects.get(member=other_member).status == Membership.Status.ACTIVE

    def test_benefits_stop_at_the_end_even_before_the_job_runs(self, member, plan, storefront, program):
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=moscow(2026, 3, 10))

        status = membership_status(member, program, now=local_midnight(2026, 4, 10))

        assert status.membership.status == Membership.Status.ACTIVE
        assert (status.active, status.renews) == (False, False)


class TestReading:
    def test_the_plans_on_sale_with_the_benefits_they_give(self, api, plan, tiers):
        make_plan(code="gold-pass", name_en="Gold pass", grants_tier=tiers["gold"], discount_percent=0, perks=["Gift"])
        make_plan(code="retired", is_active=False)

        body = api.get("/api/v1/membership-plans", HTTP_ACCEPT_LANGUAGE="ru").json()

        assert [item["code"] for item in body] == ["club", "gold-pass"]
        assert body[0]["name"] == "Клуб"
        gold_pass = body[1]
        assert (gold_pass["grants_tier"], gold_pass["benefits"]["discount_percent"]) == ("gold", "20.00")
        assert gold_pass["benefits"]["perks"] == ["Gift", "Exclusive offers", "Invitations to events"]

    def test_a_member_without_a_membership(self, api, member):
        response = api.get(url(member))

        assert (response.status_code, error_of(response)["code"]) == (404, "membership_not_found")

    def test_the_cabinet_selector(self, member, plan, storefront, program):
        assert membership_status(member, program) is None
        membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1", now=timezone.now())

        status = membership_status(member, program)

        assert (status.plan, status.active, status.fees_paid, status.savings.total) == (
            plan,
            True,
            Decimal("299.00"),
            Decimal("0.00"),
        )
        assert (status.net, status.paid_off) == (Decimal("-299.00"), False)
