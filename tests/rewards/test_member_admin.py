"""The member's tier in the merchant admin: the tier section and history on
the member's page, and the manual assignment page."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from loyalty.rules import end_of_local_day
from rewards.models import MemberTier, TierChange
from rewards.services import tier_assign

pytestmark = pytest.mark.django_db


def change_url(member):
    return reverse("admin:members_member_change", args=[member.pk])


def assign_url(member):
    return reverse("admin:members_member_assign_tier", args=[member.pk])


@pytest.fixture
def staff_client(client, django_user_model):
    """A logged-in staff user who may see and change members, but not assign tiers."""
    user = django_user_model.objects.create_user(username="support", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="members", codename__in=["view_member", "change_member"])
    )
    client.force_login(user)
    client.user = user
    return client


class TestMemberPage:
    def test_shows_the_tier_and_its_history_newest_first(self, admin_client, admin_user, tiers, member):
        tier_assign(member=member, tier=tiers["bronze"], staff_user=admin_user, note="Complaint settled")
        tier_assign(member=member, tier=tiers["gold"], staff_user=admin_user, note="VIP customer")

        response = admin_client.get(change_url(member))

        assert response.status_code == 200
        tier = response.context["tier"]
        assert tier["progress"].tier == tiers["gold"]
        assert [(change.from_tier, change.to_tier) for change in tier["history"]] == [
            (tiers["bronze"], tiers["gold"]),
            (None, tiers["bronze"]),
        ]
        page = response.content.decode()
        for text in ("Tier history", "VIP customer", "Complaint settled", "Assigned by staff", "Gold", "admin"):
            assert text in page
        assert page.index("VIP customer") < page.index("Complaint settled")
        assert f"/admin/rewards/tierchange/?member={member.pk}" in page
        # The sections of the member admins this one extends are still there.
        assert "Latest ledger entries" in page
        assert "Consent history" in page

    def test_a_member_without_a_tier(self, admin_client, tiers, member):
        response = admin_client.get(change_url(member))

        assert response.status_code == 200
        assert response.context["tier"]["progress"].tier is None
        assert "No tier yet" in response.content.decode()

    def test_the_add_page_still_loads(self, admin_client, tiers):
        assert admin_client.get(reverse("admin:members_member_add")).status_code == 200


class TestAssignTier:
    def test_is_linked_from_the_member_page(self, admin_client, tiers, member):
        assert assign_url(member) in admin_client.get(change_url(member)).content.decode()

    def test_moves_the_tier_with_the_staff_user_and_reason(self, admin_client, admin_user, tiers, member):
        assert admin_client.get(assign_url(member)).status_code == 200

        response = admin_client.post(assign_url(member), {"tier": tiers["silver"].pk, "reason": "  Lost parcel  "})

        assert response.status_code == 302
        assert response["Location"] == change_url(member)
        status = MemberTier.objects.get(member=member)
        assert (status.tier, status.assigned_by_staff, status.locked_until) == (tiers["silver"], True, None)
        change = TierChange.objects.get(member=member)
        assert (change.to_tier, change.reason, change.note, change.staff_user) == (
            tiers["silver"],
            TierChange.Reason.MANUAL,
            "Lost parcel",
            admin_user,
        )

    def test_locks_until_the_end_of_the_day_in_the_program_time_zone(self, admin_client, program, tiers, member):
        day = timezone.localdate() + datetime.timedelta(days=30)

        response = admin_client.post(
            assign_url(member), {"tier": tiers["gold"].pk, "reason": "Retention offer", "locked_until": day.isoformat()}
        )

        assert response.status_code == 302
        status = MemberTier.objects.get(member=member)
        assert status.locked_until == end_of_local_day(day, program)
        # The next day, Moscow time, the lock is over.
        assert status.locked_until == datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(), datetime.timezone(datetime.timedelta(hours=3))
        )

    def test_a_lock_in_the_past_is_refused(self, admin_client, tiers, member):
        response = admin_client.post(
            assign_url(member), {"tier": tiers["gold"].pk, "reason": "Retention offer", "locked_until": "2020-01-01"}
        )

        assert response.status_code == 200
        assert response.context["form"].errors["locked_until"] == ["The lock must end in the future."]
        assert not MemberTier.objects.filter(member=member).exists()
        assert not TierChange.objects.filter(member=member).exists()

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_blank_reason_is_refused_and_changes_nothing(self, admin_client, admin_user, tiers, member, reason):
        tier_assign(member=member, tier=tiers["bronze"], staff_user=admin_user, note="Start")

        response = admin_client.post(assign_url(member), {"tier": tiers["gold"].pk, "reason": reason})

        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        assert MemberTier.objects.get(member=member).tier == tiers["bronze"]
        assert TierChange.objects.filter(member=member).count() == 1

    def test_an_invitation_only_tier_can_be_assigned(self, admin_client, tiers, member):
        platinum = tiers["platinum"]
        assert platinum.invitation_only
        form = admin_client.get(assign_url(member)).context["form"]
        assert platinum in form.fields["tier"].queryset

        response = admin_client.post(assign_url(member), {"tier": platinum.pk, "reason": "Invited by the owner"})

        assert response.status_code == 302
        assert MemberTier.objects.get(member=member).tier == platinum

    def test_needs_a_permission(self, staff_client, tiers, member):
        assert staff_client.get(change_url(member)).status_code == 200
        assert assign_url(member) not in staff_client.get(change_url(member)).content.decode()
        assert staff_client.get(assign_url(member)).status_code == 403
        response = staff_client.post(assign_url(member), {"tier": tiers["gold"].pk, "reason": "Goodwill"})
        assert response.status_code == 403
        assert not MemberTier.objects.filter(member=member).exists()

        staff_client.user.user_permissions.add(
            Permission.objects.get(content_type__app_label="rewards", codename="assign_tier")
        )
        response = staff_client.post(assign_url(member), {"tier": tiers["gold"].pk, "reason": "Goodwill"})

        assert response.status_code == 302
        assert MemberTier.objects.get(member=member).tier == tiers["gold"]
        assert TierChange.objects.get(member=member).staff_user == staff_client.user
