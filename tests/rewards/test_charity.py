"""Charity: members give points to causes (directly or through a charity
reward of the catalog), donations add up per cause, and staff record the
transfers that pay them out."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from loyalty.models import Account, Entry
from loyalty.verification import ledger_mismatches
from rewards.catalog.services import reward_redeem
from rewards.charity.selectors import causes_with_totals
from rewards.charity.services import charity_transfer_record, donation_make
from rewards.exceptions import BelowMinimumDonation, CauseNotAvailable, LimitReached
from rewards.models import Cause, CharityTransfer, Coupon, Donation, Reward

from ..api.helpers import error_of
from .catalog_helpers import give_points, make_reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def cause(program):
    return Cause.objects.create(name_en="Animal shelter", name_ru="Приют для животных", min_points=10)


@pytest.fixture
def donor(member):
    give_points(member, 1000)
    return member


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="staff", is_staff=True)


def available(member):
    return Account.objects.get(member=member).available


def totals(cause):
    cause = causes_with_totals().get(pk=cause.pk)
    return cause.donated_points, cause.donated_value, cause.transferred_value, cause.to_transfer_value


class TestDonating:
    def test_points_go_to_the_cause_at_their_value(self, donor, cause, program):
        program.point_value = Decimal("0.50")
        program.save()

        donation = donation_make(member=donor, cause=cause, points=300)

        assert (donation.points, donation.value, donation.currency) == (300, Decimal("150.00"), "RUB")
        assert available(donor) == 700
        entry = donation.spend_entry
        assert (entry.kind, entry.points, entry.source) == (Entry.Kind.SPEND, 300, cause)
        assert totals(cause) == (300, Decimal("150.00"), Decimal(0), Decimal("150.00"))
        assert list(ledger_mismatches()) == []

    def test_refusals(self, donor, cause):
        with pytest.raises(BelowMinimumDonation):
            donation_make(member=donor, cause=cause, points=9)
        Cause.objects.filter(pk=cause.pk).update(is_active=False)
        cause.refresh_from_db()
        with pytest.raises(CauseNotAvailable):
            donation_make(member=donor, cause=cause, points=100)
        assert available(donor) == 1000

    def test_a_charity_reward_of_the_catalog(self, donor, cause):
        reward = make_reward(
            kind=Reward.Kind.CHARITY_DONATION, amount=None, cause=cause, cost_points=200, per_member_limit=2
        )

        donations = [reward_redeem(member=donor, reward=reward) for _ in range(2)]

        assert all(isinstance(donation, Donation) for donation in donations)
        assert [donation.reward for donation in donations] == [reward, reward]
        assert not Coupon.objects.exists()
        with pytest.raises(LimitReached):
            reward_redeem(member=donor, reward=reward)
        assert totals(cause)[0] == 400 and available(donor) == 600


class TestTransfers:
    def test_totals_per_cause_and_what_was_transferred(self, donor, other_member, cause, staff, program):
        other_cause = Cause.objects.create(name_en="Library")
        give_points(other_member, 1000)
        donation_make(member=donor, cause=cause, points=100)
        donation_make(member=other_member, cause=cause, points=200)
        donation_make(member=donor, cause=other_cause, points=50)

        transfer = charity_transfer_record(cause=cause, staff_user=staff, reference="PP-17")
        donation_make(member=donor, cause=cause, points=40)

        assert (transfer.points, transfer.amount, transfer.reference) == (300, Decimal("300.00"), "PP-17")
        assert totals(cause) == (340, Decimal("340.00"), Decimal("300.00"), Decimal("40.00"))
        assert totals(other_cause) == (50, Decimal("50.00"), Decimal(0), Decimal("50.00"))
        assert Donation.objects.filter(transfer=transfer).count() == 2
        # Nothing left: recording again records nothing.
        charity_transfer_record(cause=cause, staff_user=staff, reference="PP-18")
        assert charity_transfer_record(cause=cause, staff_user=staff, reference="PP-19") is None
        assert CharityTransfer.objects.filter(cause=cause).count() == 2

    def test_staff_see_the_totals_and_record_a_transfer_in_the_admin(self, client, donor, cause):
        user = get_user_model().objects.create_user(username="accountant", is_staff=True)
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_cause", "record_transfer", "view_donation"])
        )
        client.force_login(user)
        donation_make(member=donor, cause=cause, points=250)

        listing = client.get("/admin/rewards/cause/")
        page = client.get(f"/admin/rewards/cause/{cause.pk}/record-transfer/")
        refused = client.post(f"/admin/rewards/cause/{cause.pk}/record-transfer/", {"reference": ""})
        recorded = client.post(f"/admin/rewards/cause/{cause.pk}/record-transfer/", {"reference": "PP-1"}, follow=True)

        assert listing.status_code == 200 and "250.00" in listing.content.decode()
        assert page.status_code == 200 and "Record a transfer of 250.00" in page.content.decode()
        assert refused.status_code == 200
        assert [str(message) for message in recorded.context["messages"]] == ["Recorded a transfer of 250.00 RUB."]
        assert totals(cause)[2:] == (Decimal("250.00"), Decimal(0))
        # Donations transferred and not, as the donations list filters them.
        transferred = client.get("/admin/rewards/donation/?transfer__isempty=0").context["cl"].result_count
        pending = client.get("/admin/rewards/donation/?transfer__isempty=1").context["cl"].result_count
        assert (transferred, pending) == (1, 0)

    def test_without_the_permission_no_transfer(self, client, cause):
        user = get_user_model().objects.create_user(username="marketer", is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(codename__in=["view_cause", "change_cause"]))
        client.force_login(user)

        assert client.get(f"/admin/rewards/cause/{cause.pk}/record-transfer/").status_code == 403


class TestApi:
    def test_the_causes_with_what_was_given(self, api, donor, cause):
        Cause.objects.create(name_en="Closed", is_active=False)
        donation_make(member=donor, cause=cause, points=120)

        body = api.get("/api/v1/causes", HTTP_ACCEPT_LANGUAGE="ru").json()

        assert body == [
            {
                "id": cause.pk,
                "name": "Приют для животных",
                "description": "",
                "min_points": 10,
                "donated_points": 120,
                "donated_value": "120.00",
            }
        ]

    def test_donating_is_safe_to_retry(self, api, donor, cause):
        url = f"/api/v1/members/{donor.external_id}/donations"

        first = api.post(url, {"cause": cause.pk, "points": 100}, HTTP_IDEMPOTENCY_KEY="d-1")
        replay = api.post(url, {"cause": cause.pk, "points": 100}, HTTP_IDEMPOTENCY_KEY="d-1")

        assert first.status_code == 201 and replay.json() == first.json()
        assert (first.json()["points"], first.json()["value"], first.json()["cause"]["id"]) == (100, "100.00", cause.pk)
        assert available(donor) == 900
        assert [item["id"] for item in api.get(url).json()] == [first.json()["id"]]

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"points": 5}, 422, "below_minimum_donation"),
            ({"points": 5000}, 409, "insufficient_points"),
            ({"points": 0}, 400, "validation_error"),
        ],
    )
    def test_refusals(self, api, donor, cause, body, status, code):
        response = api.post(f"/api/v1/members/{donor.external_id}/donations", {"cause": cause.pk, **body})

        assert (response.status_code, error_of(response)["code"]) == (status, code)

    def test_an_unknown_cause(self, api, donor):
        response = api.post(f"/api/v1/members/{donor.external_id}/donations", {"cause": 999, "points": 10})

        assert (response.status_code, error_of(response)["code"]) == (404, "cause_not_found")

    def test_redeeming_a_charity_reward_answers_the_donation(self, api, donor, cause):
        reward = make_reward(kind=Reward.Kind.CHARITY_DONATION, amount=None, cause=cause, cost_points=100)

        response = api.post(f"/api/v1/members/{donor.external_id}/rewards/{reward.pk}/redeem")

        assert response.status_code == 201
        assert (response.json()["cause"]["id"], response.json()["reward"], response.json()["points"]) == (
            cause.pk,
            reward.pk,
            100,
        )
