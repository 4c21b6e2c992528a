"""The demo a newcomer sees first: `manage.py load_demo` must leave a program
that looks alive in the admin, with a ledger that adds up."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from loyalty.models import Account, ApiKey, Entry, Hold, Lot, Order, OrderReturn, Program, Storefront
from loyalty.services.storefronts import api_key_digest
from members.models import ConsentPurpose, ConsentRecord, ConsentText, Member
from rewards.models import Coupon, MemberTier, Reward

MEMBERS = 20

pytestmark = pytest.mark.django_db


def load(tmp_path, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "load_demo",
        members=MEMBERS,
        api_key_file=str(tmp_path / "demo-api-key.txt"),
        stdout=stdout,
        stderr=stderr,
        **options,
    )
    return stdout.getvalue(), stderr.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Member,
            ConsentRecord,
            Account,
            Entry,
            Lot,
            Hold,
            Order,
            OrderReturn,
            Storefront,
            ApiKey,
            get_user_model(),
        )
    }


def assert_ledger_consistent():
    """Rule 2 of the design, account by account."""
    for account in Account.objects.all():
        sums = Entry.objects.filter(account=account).aggregate(
            available=Sum("available_delta", default=0),
            pending=Sum("pending_delta", default=0),
            held=Sum("held_delta", default=0),
        )
        assert (account.available, account.pending, account.held) == (
            sums["available"],
            sums["pending"],
            sums["held"],
        ), f"account {account.pk}: cached balances differ from the journal"
        lots = Lot.objects.filter(account=account)
        in_available_lots = lots.filter(is_pending=False).aggregate(s=Sum("remaining", default=0))["s"]
        in_pending_lots = lots.filter(is_pending=True).aggregate(s=Sum("remaining", default=0))["s"]
        reserved = Hold.objects.filter(account=account, status=Hold.Status.ACTIVE).aggregate(
            s=Sum("points", default=0)
        )["s"]
        assert account.available == in_available_lots - account.debt, f"account {account.pk}: available vs lots"
        assert account.pending == in_pending_lots, f"account {account.pk}: pending vs lots"
        assert account.held == reserved, f"account {account.pk}: held vs active holds"


def test_demo_looks_like_a_living_program(tmp_path):
    stdout, stderr = load(tmp_path)
    now = timezone.now()

    program = Program.objects.get()
    assert (program.currency, program.earn_rule, program.earn_points, program.earn_step) == (
        "RUB",
        Program.EarnRule.PER_AMOUNT,
        1,
        100,
    )
    assert program.redemption_cap_percent == 30
    assert program.pending_days == 14
    assert (program.expiry_policy, program.expiry_days) == (Program.ExpiryPolicy.DAYS_AFTER_EARNING, 365)
    assert program.time_zone == "Europe/Moscow"

    # Members, each with a points account and a personal-data consent.
    assert Member.objects.count() == MEMBERS
    assert Account.objects.count() == MEMBERS
    assert ConsentRecord.objects.filter(purpose=ConsentPurpose.PERSONAL_DATA, granted=True).count() == MEMBERS

    # What a user of the admin would notice.
    accounts = Account.objects.all()
    assert accounts.filter(available__gt=0).count() >= 3, "members with available points"
    assert accounts.filter(pending__gt=0).count() >= 2, "members with pending points (recent orders)"
    assert accounts.filter(lifetime_spent__gt=0).exists(), "members who spent points"
    expiring_soon = Lot.objects.filter(
        remaining__gt=0, is_pending=False, expires_at__gt=now, expires_at__lte=now + datetime.timedelta(days=120)
    )
    assert expiring_soon.values("account").distinct().count() >= 2, "members with points expiring soon"
    assert Entry.objects.filter(kind=Entry.Kind.EXPIRE).exists(), "points that already expired"
    assert Entry.objects.filter(kind=Entry.Kind.CAPTURE).exists()
    assert Entry.objects.filter(kind=Entry.Kind.CLAWBACK).exists(), "returns"
    assert Entry.objects.filter(kind=Entry.Kind.ADJUSTMENT).exclude(reason="").exclude(staff_user=None).exists()
    assert Entry.objects.filter(kind=Entry.Kind.TRANSFER).exists(), "gifts"
    assert Order.objects.filter(status=Order.Status.COMPLETED).count() > MEMBERS
    assert OrderReturn.objects.exists()

    # Orders look like checkout's: lines whose points add up to the order's.
    for order in Order.objects.annotate(
        lines_applied=Sum("lines__points_applied"), lines_earned=Sum("lines__points_earned")
    ):
        assert (order.lines_applied, order.lines_earned) == (order.points_spent, order.points_earned), order
        assert order.payable_total == order.subtotal - order.points_value
        assert (order.hold_id is not None) == (order.points_spent > 0), order

    # History is in the past, in order; the jobs have caught up with the present.
    assert not Entry.objects.filter(occurred_at__gt=now).exists()
    assert Entry.objects.earliest("occurred_at").occurred_at < now - datetime.timedelta(days=300)
    assert not Lot.objects.filter(is_pending=True, available_at__lte=now).exists()
    assert not Lot.objects.filter(remaining__gt=0, expires_at__lte=now).exists()
    assert not Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=now).exists()

    # Storefronts with API keys; the web shop's key is printed and saved, and it works.
    assert Storefront.objects.count() == 4
    assert all(storefront.api_keys.exists() for storefront in Storefront.objects.all())
    key = (tmp_path / "demo-api-key.txt").read_text().strip()
    assert key in stdout
    assert ApiKey.objects.get(digest=api_key_digest(key)).storefront.code == "web-shop"

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("admin")
    assert "admin / admin" in stdout

    # A visitor can sign in to the personal cabinet as the demo member, who has points and a coupon.
    assert "demo@example.com / demo" in stdout
    client = Client()
    response = client.post("/account/sign-in/", {"identifier": "demo@example.com", "password": "demo"})
    assert response.status_code == 302, response.content.decode()[:500]
    dashboard = client.get("/account/")
    assert dashboard.status_code == 200 and "Your points" in dashboard.content.decode()
    member = Member.objects.get(email="demo@example.com")
    assert member.points_account.available > 0
    assert Coupon.objects.filter(member=member).exists()
    assert Reward.objects.count() >= 4
    assert MemberTier.objects.count() == MEMBERS, "every member is in a tier, as after the nightly job"
    assert client.get("/account/history/").status_code == 200
    assert "Members:" in stderr and "History" in stderr, "progress is shown on stderr"

    assert_ledger_consistent()


def test_running_twice_duplicates_nothing(tmp_path):
    load(tmp_path)
    before = counts()
    first_key = (tmp_path / "demo-api-key.txt").read_text().strip()

    with pytest.raises(CommandError, match="already loaded"):
        load(tmp_path)
    assert counts() == before

    stdout, _ = load(tmp_path, skip_if_loaded=True)
    assert "already loaded" in stdout
    assert counts() == before

    load(tmp_path, reset=True)
    assert counts() == before, "--reset loads the same demo (same seed) instead of adding to it"
    assert ConsentText.objects.filter(purpose=ConsentPurpose.PERSONAL_DATA).exists(), "the merchant's texts stay"
    assert Reward.objects.filter(name_en="Free shipping").count() == 1
    assert (tmp_path / "demo-api-key.txt").read_text().strip() != first_key
    assert_ledger_consistent()


def test_refuses_a_database_with_other_data(tmp_path, member):
    with pytest.raises(CommandError, match="not the demo"):
        load(tmp_path)
    with pytest.raises(CommandError, match="only runs on a database that holds the demo"):
        load(tmp_path, reset=True)
    assert Member.objects.count() == 1
