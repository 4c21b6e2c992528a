"""How members move between tiers: upgrades on completion, downgrades at the
end of the period or of a grace period, returns, invitations and staff."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from rewards.models import MemberTier, TierChange, TierProgram
from rewards.services import tier_assign, tier_evaluate, tiers_reevaluate

from ..factories import MemberFactory
from .conftest import moscow

pytestmark = pytest.mark.django_db


def tier_of(member):
    return MemberTier.objects.get(member=member).tier.code


def history(member):
    return list(TierChange.objects.filter(member=member).order_by("id").values_list("to_tier__code", "reason"))


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="marketer", password="x", is_staff=True)


@pytest.fixture
def yearly(tier_settings, tiers):
    """Calendar-year window; Bronze is kept with 2000 points a year."""
    tier_settings.window = TierProgram.Window.CALENDAR_YEAR
    tier_settings.save()
    tiers["bronze"].retain_threshold = 2000
    tiers["bronze"].save()
    return tier_settings


class TestUpgrade:
    def test_the_first_order_makes_a_newcomer(self, member, tiers, buy):
        buy(member, "1000", moscow(2026, 3, 1))

        assert history(member) == [("newcomer", "qualified")]

    def test_a_completed_order_that_qualifies_upgrades_at_once(self, member, tiers, buy):
        buy(member, "1000", moscow(2026, 3, 1))
        buy(member, "99100", moscow(2026, 3, 2))  # 10 + 991 = 1001 points

        assert history(member) == [("newcomer", "qualified"), ("bronze", "upgrade")]

    def test_a_big_order_skips_tiers(self, member, tiers, buy):
        buy(member, "1000100", moscow(2026, 3, 1))

        assert tier_of(member) == "gold"

    def test_invitation_only_tiers_are_never_reached_automatically(self, member, tiers, buy):
        buy(member, "5000000", moscow(2026, 3, 1))

        assert tier_of(member) == "gold"


class TestDowngradeAtPeriodEnd:
    def test_at_local_midnight_of_the_new_year(self, member, yearly, buy):
        buy(member, "150000", moscow(2025, 6, 1))  # 1500 points: Bronze, but 2000 keep it

        tier_evaluate(member=member, now=moscow(2025, 12, 31, hour=23))
        assert tier_of(member) == "bronze"

        # 00:30 on 1 January in Moscow is 21:30 on 31 December in UTC.
        tier_evaluate(member=member, now=moscow(2026, 1, 1, hour=0) + datetime.timedelta(minutes=30))
        assert history(member)[-1] == ("newcomer", "period_end")

    def test_meeting_the_threshold_to_keep_keeps_the_tier_another_year(self, member, yearly, buy):
        buy(member, "250000", moscow(2025, 6, 1))

        tier_evaluate(member=member, now=moscow(2026, 1, 2))

        status = MemberTier.objects.get(member=member)
        assert status.tier.code == "bronze"
        assert status.review_at == moscow(2027, 1, 1, hour=0)

    def test_the_never_policy_keeps_the_tier(self, member, yearly, buy):
        yearly.downgrade_policy = TierProgram.DowngradePolicy.NEVER
        yearly.save()
        buy(member, "150000", moscow(2025, 6, 1))

        tier_evaluate(member=member, now=moscow(2027, 1, 2))

        assert tier_of(member) == "bronze"


class TestGracePeriod:
    @pytest.fixture
    def graceful(self, yearly):
        yearly.downgrade_policy = TierProgram.DowngradePolicy.GRACE
        yearly.grace_days = 10
        yearly.save()
        return yearly

    def test_the_tier_goes_when_the_grace_period_ends(self, member, graceful, buy):
        buy(member, "150000", moscow(2025, 6, 1))

        tier_evaluate(member=member, now=moscow(2026, 1, 1, hour=1))
        status = MemberTier.objects.get(member=member)
        assert (status.tier.code, status.grace_until) == ("bronze", moscow(2026, 1, 11, hour=0))

        tier_evaluate(member=member, now=moscow(2026, 1, 10, hour=23))
        assert tier_of(member) == "bronze"
        tier_evaluate(member=member, now=moscow(2026, 1, 11, hour=0))
        assert history(member)[-1] == ("newcomer", "grace_ended")

    def test_buying_enough_during_the_grace_period_keeps_the_tier(self, member, graceful, buy):
        buy(member, "150000", moscow(2025, 6, 1))
        tier_evaluate(member=member, now=moscow(2026, 1, 1, hour=1))

        buy(member, "250000", moscow(2026, 1, 5))  # 10% off: 2250 points
        tier_evaluate(member=member, now=moscow(2026, 1, 20))

        status = MemberTier.objects.get(member=member)
        assert (status.tier.code, status.grace_until) == ("bronze", None)


class TestReturns:
    def test_returning_the_order_that_qualified_takes_the_tier_at_once(self, member, tiers, buy, give_back):
        buy(member, "1000", moscow(2026, 3, 1))
        qualifying = buy(member, "99100", moscow(2026, 3, 2))

        give_back(qualifying, moscow(2026, 3, 5))

        assert history(member)[-1] == ("newcomer", "return")

    def test_returning_a_later_order_keeps_the_tier(self, member, tiers, buy, give_back):
        buy(member, "100100", moscow(2026, 3, 1))
        later = buy(member, "5000", moscow(2026, 3, 2))

        give_back(later, moscow(2026, 3, 5))

        assert tier_of(member) == "bronze"


class TestManualAssignment:
    def test_staff_assign_an_invitation_only_tier_with_a_reason(self, member, tiers, staff, buy):
        tier_assign(member=member, tier=tiers["platinum"], staff_user=staff, note="Key account")
        buy(member, "5000000", moscow(2026, 3, 1))

        change = TierChange.objects.get(member=member)
        assert (change.to_tier.code, change.reason, change.note, change.staff_user) == (
            "platinum",
            "manual",
            "Key account",
            staff,
        )
        assert tier_of(member) == "platinum"

    def test_a_reason_is_required(self, member, tiers, staff):
        with pytest.raises(ValidationError):
            tier_assign(member=member, tier=tiers["gold"], staff_user=staff, note=" ")

    def test_a_lock_holds_until_its_date(self, member, yearly, tiers, staff):
        tier_assign(
            member=member,
            tier=tiers["gold"],
            staff_user=staff,
            note="Compensation",
            locked_until=moscow(2026, 6, 1),
            now=moscow(2025, 3, 1),
        )

        tier_evaluate(member=member, now=moscow(2026, 1, 2))
        assert tier_of(member) == "gold"
        tier_evaluate(member=member, now=moscow(2026, 6, 2))
        assert history(member)[-1] == ("newcomer", "period_end")


class TestNightlyJob:
    def test_it_moves_due_members_and_is_safe_to_run_twice(self, yearly, tiers, buy):
        due, busy, idle = MemberFactory(), MemberFactory(), MemberFactory()
        buy(due, "150000", moscow(2025, 6, 1))
        buy(busy, "100", moscow(2025, 6, 1))
        assert tiers_reevaluate(now=moscow(2025, 7, 1)) == 1  # the first run gives idle a tier

        buy(busy, "300000", moscow(2025, 12, 1))
        moved = tiers_reevaluate(now=moscow(2026, 1, 1, hour=0) + datetime.timedelta(minutes=30))

        assert moved == 1  # busy was upgraded by the order itself and kept Bronze
        assert (tier_of(due), tier_of(busy), tier_of(idle)) == ("newcomer", "bronze", "newcomer")
        assert tiers_reevaluate(now=moscow(2026, 1, 1, hour=1)) == 0
        assert history(due) == [("bronze", "qualified"), ("newcomer", "period_end")]
