"""The merchant admin of the program, storefronts and the ledger."""

import re
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import Account, ApiKey, Entry, Hold, Lot, Program
from loyalty.services import ledger
from loyalty.services.storefronts import api_key_create, api_key_digest
from members.admin import EstimatedCountPaginator
from tests.factories import MemberFactory

from .helpers import balances

pytestmark = pytest.mark.django_db

API_KEY = re.compile(r"lk_[0-9a-f]+_[\w-]+")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def form_data(form):
    """What a browser would post for an admin form as it was rendered."""
    data = {}
    for name, _field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


@pytest.fixture
def staff_client(client, django_user_model):
    """A logged-in staff user with no permissions; grant them with ``grant``."""
    user = django_user_model.objects.create_user(username="support", password="x", is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["loyalty", "members"], codename__in=codenames)
    )


class TestMemberPage:
    def test_shows_balances_entries_lots_and_holds(self, admin_client, program, member, admin_user):
        ledger.points_earn(member=member, points=150, pending=False, reason="Welcome bonus")
        ledger.points_adjust(member=member, points=-30, staff_user=admin_user, reason="Duplicate bonus")
        ledger.hold_reserve(member=member, points=20)

        response = admin_client.get(change_url(member))

        assert response.status_code == 200
        points = response.context["points"]
        assert (points["account"].available, points["account"].held, points["account"].lifetime_earned) == (
            100,
            20,
            150,
        )
        assert [entry.signed_points for entry in points["entries"]] == [0, -30, 150]
        assert [(lot.remaining, lot.amount) for lot in points["lots"]] == [(100, 150)]
        assert [hold.points for hold in points["holds"]] == [20]
        page = response.content.decode()
        for text in ("Latest ledger entries", "Welcome bonus", "Duplicate bonus", "-30", "+150", "admin"):
            assert text in page
        assert f"/admin/loyalty/entry/?account={member.pk}" in page
        assert f"/admin/loyalty/lot/?account={member.pk}&amp;open=yes" in page
        assert f"/admin/loyalty/hold/?account={member.pk}&amp;status__exact=active" in page

    def test_links_to_the_ledger_lists_only_for_users_who_may_see_them(self, staff_client, program, member):
        grant(staff_client.user, "view_member")

        points = staff_client.get(change_url(member)).context["points"]

        assert (points["entries_url"], points["lots_url"], points["holds_url"]) == (None, None, None)

    def test_shows_empty_balances_of_a_member_never_credited(self, admin_client, program, member):
        response = admin_client.get(change_url(member))

        assert response.status_code == 200
        assert response.context["points"]["account"].available == 0
        assert not Account.objects.filter(pk=member.pk).exists()

    def test_links_to_the_full_lists_open_them_filtered(self, admin_client, program, member, other_member):
        ledger.points_earn(member=member, points=10, pending=False)
        ledger.points_earn(member=other_member, points=20, pending=False)
        ledger.hold_reserve(member=member, points=5)

        points = admin_client.get(change_url(member)).context["points"]

        for url, expected in ((points["entries_url"], 2), (points["lots_url"], 1), (points["holds_url"], 1)):
            response = admin_client.get(url)
            assert response.status_code == 200, url
            assert {obj.account_id for obj in response.context["cl"].result_list} == {member.pk}
            assert response.context["cl"].result_count == expected


class TestAdjustPoints:
    def url(self, member):
        return reverse("admin:members_member_adjust_points", args=[member.pk])

    def post(self, client, member, **data):
        return client.post(self.url(member), {"request_id": str(uuid.uuid4()), **data})

    def test_is_linked_from_the_member_page(self, admin_client, program, member):
        assert self.url(member) in admin_client.get(change_url(member)).content.decode()

    def test_credits_as_the_staff_user_with_the_reason(self, admin_client, admin_user, program, member):
        assert admin_client.get(self.url(member)).status_code == 200

        response = self.post(admin_client, member, direction="credit", points="100", reason="  Lost parcel  ")

        assert response.status_code == 302
        assert response["Location"] == change_url(member)
        assert balances(member)["available"] == 100
        entry = Entry.objects.get(account_id=member.pk)
        assert (entry.kind, entry.signed_points, entry.staff_user, entry.reason) == (
            Entry.Kind.ADJUSTMENT,
            100,
            admin_user,
            "Lost parcel",
        )

    def test_debits(self, admin_client, admin_user, program, member):
        ledger.points_earn(member=member, points=100, pending=False)

        response = self.post(admin_client, member, direction="debit", points="40", reason="Fraudulent order")

        assert response.status_code == 302
        assert balances(member)["available"] == 60
        entry = Entry.objects.get(kind=Entry.Kind.ADJUSTMENT)
        assert (entry.signed_points, entry.staff_user, entry.reason) == (-40, admin_user, "Fraudulent order")

    def test_a_resubmitted_form_adjusts_once(self, admin_client, program, member):
        data = {"request_id": str(uuid.uuid4()), "direction": "credit", "points": "100", "reason": "Goodwill"}

        admin_client.post(self.url(member), data)
        admin_client.post(self.url(member), data)

        assert balances(member)["available"] == 100

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_refuses_a_blank_reason(self, admin_client, program, member, reason):
        response = self.post(admin_client, member, direction="credit", points="100", reason=reason)

        assert response.status_code == 200
        assert "reason" in response.context["form"].errors
        assert not Entry.objects.exists()

    @pytest.mark.parametrize("points", ["0", "-5", "1.5", "abc"])
    def test_refuses_points_that_are_not_a_positive_whole_number(self, admin_client, program, member, points):
        response = self.post(admin_client, member, direction="credit", points=points, reason="Goodwill")

        assert response.status_code == 200
        assert "points" in response.context["form"].errors
        assert not Entry.objects.exists()

    def test_refuses_a_debit_beyond_the_available_points(self, admin_client, program, member):
        ledger.points_earn(member=member, points=50, pending=False)

        response = self.post(admin_client, member, direction="debit", points="51", reason="Fraudulent order")

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == ["The account does not have enough available points."]
        assert balances(member)["available"] == 50
        assert Entry.objects.count() == 1

    def test_needs_a_permission(self, staff_client, program, member):
        grant(staff_client.user, "view_member", "change_member")
        assert self.url(member) not in staff_client.get(change_url(member)).content.decode()
        assert staff_client.get(self.url(member)).status_code == 403
        response = self.post(staff_client, member, direction="credit", points="100", reason="Goodwill")
        assert response.status_code == 403

        grant(staff_client.user, "adjust_points")
        response = self.post(staff_client, member, direction="credit", points="100", reason="Goodwill")

        assert response.status_code == 302
        assert balances(member)["available"] == 100


class TestLedgerLists:
    @pytest.mark.parametrize("model", [Entry, Lot, Hold])
    def test_cannot_be_added_changed_or_deleted(self, admin_client, program, member, model):
        ledger.points_earn(member=member, points=100, pending=False)
        ledger.hold_reserve(member=member, points=10)
        obj = model.objects.first()
        opts = model._meta

        response = admin_client.get(change_url(obj))
        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()
        assert admin_client.post(change_url(obj), {}).status_code == 403
        assert admin_client.get(reverse(f"admin:loyalty_{opts.model_name}_add")).status_code == 403
        assert (
            admin_client.post(
                reverse(f"admin:loyalty_{opts.model_name}_delete", args=[obj.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        assert model.objects.filter(pk=obj.pk).exists()

    def test_entries_are_listed_without_counting_the_whole_table(self, admin_client, program, member, monkeypatch):
        ledger.points_earn(member=member, points=100, pending=False)
        ledger.points_spend(member=member, points=10)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE loyalty_entry")
        monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 1)

        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("admin:loyalty_entry_changelist"))

        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 2
        assert not [
            q["sql"] for q in queries if re.search(r'COUNT\(\*\).* FROM "loyalty_entry"(?!.* WHERE )', q["sql"])
        ]

    @pytest.mark.parametrize("model", [Entry, Lot, Hold])
    def test_a_longer_page_needs_no_more_queries(self, admin_client, program, make_order, model):
        url = reverse(f"admin:loyalty_{model._meta.model_name}_changelist")

        def queries_for_a_page_of(members):
            for member in members:
                order = make_order(member)
                ledger.points_earn(member=member, points=100, pending=False, order=order)
                ledger.hold_reserve(member=member, points=10, order=order)
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(url).status_code == 200
            return len(queries)

        assert queries_for_a_page_of(MemberFactory.create_batch(1)) == queries_for_a_page_of(
            MemberFactory.create_batch(3)
        )

    @pytest.mark.parametrize(
        ("params", "expected"), [({"kind__exact": "spend"}, 1), ({"occurred_at__gte": "2020-01-01 00:00:00+00:00"}, 2)]
    )
    def test_entries_are_filtered_by_kind_and_date(self, admin_client, program, member, params, expected):
        ledger.points_earn(member=member, points=100, pending=False)
        ledger.points_spend(member=member, points=10)

        response = admin_client.get(reverse("admin:loyalty_entry_changelist"), params)

        assert response.context["cl"].result_count == expected


class TestProgramSettings:
    def test_the_list_leads_to_the_one_row(self, admin_client, program):
        response = admin_client.get(reverse("admin:loyalty_program_changelist"))

        assert response.status_code == 302
        assert response["Location"] == change_url(program)

    def test_the_row_is_created_on_first_visit(self, admin_client, db):
        response = admin_client.get(reverse("admin:loyalty_program_changelist"))

        assert response["Location"] == reverse("admin:loyalty_program_change", args=[Program.SINGLETON_ID])
        assert Program.objects.count() == 1

    def test_rows_are_never_added_or_deleted(self, admin_client, program):
        assert admin_client.get(reverse("admin:loyalty_program_add")).status_code == 403
        assert (
            admin_client.post(reverse("admin:loyalty_program_delete", args=[program.pk]), {"post": "yes"}).status_code
            == 403
        )

    def test_saves_valid_settings(self, admin_client, program):
        form = admin_client.get(change_url(program)).context["adminform"].form
        data = {**form_data(form), "pending_days": "30", "time_zone": "Asia/Yekaterinburg"}

        response = admin_client.post(change_url(program), data)

        assert response.status_code == 302
        program.refresh_from_db()
        assert (program.pending_days, program.time_zone) == (30, "Asia/Yekaterinburg")

    def test_runs_the_models_validation(self, admin_client, program):
        form = admin_client.get(change_url(program)).context["adminform"].form
        data = {**form_data(form), "expiry_policy": Program.ExpiryPolicy.DAYS_AFTER_EARNING, "expiry_days": "10"}

        response = admin_client.post(change_url(program), data)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["expiry_days"] == [
            "Points must not expire before the pending period ends."
        ]
        program.refresh_from_db()
        assert program.expiry_days == 365


class TestApiKeys:
    def create_url(self, storefront):
        return reverse("admin:loyalty_storefront_create_api_key", args=[storefront.pk])

    def test_the_storefront_page_lists_keys_and_links_to_creation(self, admin_client, storefront):
        api_key_create(storefront=storefront, name="Production")

        page = admin_client.get(change_url(storefront)).content.decode()

        assert "Production" in page
        assert self.create_url(storefront) in page

    def test_a_new_key_is_shown_once_and_only_its_digest_is_stored(self, admin_client, storefront):
        assert admin_client.get(self.create_url(storefront)).status_code == 200

        response = admin_client.post(self.create_url(storefront), {"name": "Production"}, follow=True)

        assert response.redirect_chain == [(change_url(storefront), 302)]
        shown = [str(message) for message in response.context["messages"]]
        keys = [match for message in shown for match in API_KEY.findall(message)]
        assert len(keys) == 1
        api_key = ApiKey.objects.get(storefront=storefront)
        assert api_key.name == "Production"
        assert api_key.digest == api_key_digest(keys[0])
        stored = [str(getattr(api_key, field.attname)) for field in ApiKey._meta.concrete_fields]
        assert not [value for value in stored if keys[0] in value]
        assert keys[0] not in admin_client.get(change_url(storefront)).content.decode()

    def test_a_key_needs_a_name(self, admin_client, storefront):
        response = admin_client.post(self.create_url(storefront), {"name": " "})

        assert response.status_code == 200
        assert "name" in response.context["form"].errors
        assert not ApiKey.objects.exists()

    def test_revoking_sets_revoked_at(self, admin_client, storefront):
        revoked, _ = api_key_create(storefront=storefront, name="Old")
        kept, _ = api_key_create(storefront=storefront, name="Current")

        response = admin_client.post(
            reverse("admin:loyalty_apikey_changelist"), {"action": "revoke", "_selected_action": [revoked.pk]}
        )

        assert response.status_code == 302
        revoked.refresh_from_db()
        kept.refresh_from_db()
        assert revoked.revoked_at is not None
        assert kept.revoked_at is None

    def test_keys_cannot_be_edited_or_deleted(self, admin_client, storefront):
        api_key, _ = api_key_create(storefront=storefront, name="Production")

        assert admin_client.post(change_url(api_key), {"name": "Changed"}).status_code == 403
        assert (
            admin_client.post(reverse("admin:loyalty_apikey_delete", args=[api_key.pk]), {"post": "yes"}).status_code
            == 403
        )
