"""Birthday bonuses: the tier's bonus on the member's birthday in the program
time zone, once a year however often the job runs, 29 February on 28
February in other years, and days a missed run left behind."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from loyalty.models import Account, Entry
from members.models import Member
from rewards.services import birthday_bonuses_award, tier_assign

from ..factories import MemberFactory
from .conftest import moscow

pytestmark = pytest.mark.django_db


@pytest.fixture
def bronze(tiers):
    tier = tiers["bronze"]
    tier.birthday_bonus_points = 100
    tier.save()
    return tier


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="staff", is_staff=True)


@pytest.fixture
def born(bronze, staff):
    """A Bronze member born on this day, enrolled long ago."""

    def born(day, tier=bronze, **fields):
        member = MemberFactory(birth_date=day, enrolled_at=moscow(2020, 1, 1), **fields)
        tier_assign(member=member, tier=tier, staff_user=staff, note="Test")
        return member

    return born


def bonus(member):
    account = Account.objects.filter(member=member).first()
    return account.available if account else 0


def local(year, month, day, hour, minute=0):
    return moscow(year, month, day, hour) + datetime.timedelta(minutes=minute)


def test_the_bonus_comes_on_the_birthday_in_the_program_time_zone(born):
    member = born(datetime.date(1990, 3, 10))

    # 23:30 on 9 March in Moscow (20:30 UTC): not yet.
    assert birthday_bonuses_award(now=local(2026, 3, 9, 23, 30)) == 0
    # 00:10 on 10 March in Moscow, still 9 March in UTC.
    assert birthday_bonuses_award(now=local(2026, 3, 10, 0, 10)) == 1

    assert bonus(member) == 100
    entry = Entry.objects.get(account_id=member.pk)
    assert (entry.kind, entry.points, entry.available_delta, entry.reason) == (
        Entry.Kind.EARN,
        100,
        100,
        "Birthday bonus",
    )
    assert entry.idempotency_key == f"birthday:{member.pk}:2026"


def test_running_twice_gives_one_bonus(born):
    member = born(datetime.date(1990, 3, 10))

    birthday_bonuses_award(now=local(2026, 3, 10, 0, 10))
    assert birthday_bonuses_award(now=local(2026, 3, 10, 0, 10)) == 0
    assert birthday_bonuses_award(now=local(2026, 3, 11, 0, 10)) == 0

    assert bonus(member) == 100


def test_a_missed_run_is_caught_up_for_a_few_days(born):
    late = born(datetime.date(1990, 3, 10))
    too_late = born(datetime.date(1990, 3, 6))

    assert birthday_bonuses_award(now=local(2026, 3, 12, 0, 10)) == 1

    assert (bonus(late), bonus(too_late)) == (100, 0)


def test_once_a_year(born):
    member = born(datetime.date(1990, 3, 10))

    birthday_bonuses_award(now=local(2026, 3, 10, 0, 10))
    birthday_bonuses_award(now=local(2027, 3, 10, 0, 10))

    assert bonus(member) == 200


def test_29_february_on_28_february_in_other_years(born):
    member = born(datetime.date(2000, 2, 29))

    assert birthday_bonuses_award(now=local(2027, 2, 27, 12)) == 0
    assert birthday_bonuses_award(now=local(2027, 2, 28, 0, 10)) == 1
    assert birthday_bonuses_award(now=local(2027, 3, 1, 0, 10)) == 0
    # In a leap year on the day itself, not on the 28th.
    assert birthday_bonuses_award(now=local(2028, 2, 28, 0, 10)) == 0
    assert birthday_bonuses_award(now=local(2028, 2, 29, 0, 10)) == 1

    keys = Entry.objects.filter(account_id=member.pk, kind=Entry.Kind.EARN).values_list("idempotency_key", flat=True)
    assert sorted(keys) == [f"birthday:{member.pk}:2027", f"birthday:{member.pk}:2028"]


def test_who_gets_nothing(born, tiers, member):
    newcomer = born(datetime.date(1990, 3, 10), tier=tiers["newcomer"])  # the tier gives no bonus
    blocked = born(datetime.date(1990, 3, 10), status=Member.Status.BLOCKED)
    member.birth_date = datetime.date(1990, 3, 10)  # no tier at all
    member.save()
    newly_enrolled = born(datetime.date(1990, 3, 9))
    Member.objects.filter(pk=newly_enrolled.pk).update(enrolled_at=local(2026, 3, 10, 0, 5))

    assert birthday_bonuses_award(now=local(2026, 3, 10, 0, 10)) == 0

    assert [bonus(someone) for someone in (newcomer, blocked, member, newly_enrolled)] == [0, 0, 0, 0]


def test_whose_birthday_it_is_is_found_in_sql(born, program, django_assert_num_queries):
    for day in range(1, 29):
        born(datetime.date(1990, 2, day))

    # One query per day looked at (today and two missed days): no member is
    # looked at in Python. The program settings are cached in the process.
    with django_assert_num_queries(3):
        assert birthday_bonuses_award(now=local(2026, 3, 20, 0, 10)) == 0
