"""The members endpoints over HTTP, as a storefront drives them."""

import datetime

import pytest
from django.utils import timezone

from loyalty.api.contributors import MemberContributor, member_contributors
from loyalty.models import Entry
from loyalty.services import ledger
from members.models import Channel, ConsentRecord, Member

from ..factories import MemberFactory, OrderFactory
from .helpers import error_of

pytestmark = pytest.mark.django_db


def url(external_id, suffix=""):
    return f"/api/v1/members/{external_id}{suffix}"


class TestPut:
    def test_create_then_update(self, api, storefront, program):
        created = api.put(
            url("C-1"),
            {
                "email": " Anna@Example.com ",
                "phone": "8 (916) 123-45-67",
                "first_name": "Anna",
                "birth_date": "1990-05-17",
                "language": "en",
                "consents": [{"purpose": "personal_data", "granted": True, "text_version": "2024-01"}],
            },
        )
        updated = api.put(url("C-1"), {"last_name": "Petrova"})

        assert created.status_code == 201
        body = created.json()
        assert body["external_id"] == "C-1"
        assert (body["email"], body["phone"]) == ("anna@example.com", "+79161234567")
        assert (body["enrolment_channel"], body["enrolment_storefront"]) == (Channel.WEB_SHOP, storefront.code)
        assert updated.status_code == 200
        assert (updated.json()["first_name"], updated.json()["last_name"]) == ("Anna", "Petrova")
        assert updated.json()["email"] == "anna@example.com"
        assert Member.objects.count() == 1
        consent = ConsentRecord.objects.get()
        assert (consent.channel, consent.storefront) == (Channel.WEB_SHOP, storefront.code)

    def test_repeating_a_put_records_consents_once(self, api, program):
        body = {"email": "anna@example.com", "consents": [{"purpose": "marketing_email", "granted": True}]}

        statuses = [api.put(url("C-1"), body).status_code for _ in range(3)]
        api.put(url("C-1"), {"consents": [{"purpose": "marketing_email", "granted": False}]})

        assert statuses == [201, 200, 200]
        assert list(ConsentRecord.objects.order_by("id").values_list("granted", flat=True)) == [True, False]

    def test_consents_given_with_an_update_are_recorded(self, api, member, program):
        response = api.put(url(member.external_id), {"consents": [{"purpose": "marketing_sms", "granted": True}]})

        assert response.status_code == 200
        assert member.consent_records.get().purpose == "marketing_sms"

    def test_null_clears_an_identifier(self, api, member, program):
        response = api.put(url(member.external_id), {"email": None})

        assert response.status_code == 200
        member.refresh_from_db()
        assert member.email is None

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"email": "not-an-email"}, "email"),
            ({"phone": "12"}, "phone"),
            ({"phone": "call me"}, "phone"),
            ({"birth_date": (timezone.now() + datetime.timedelta(days=3)).date().isoformat()}, "birth_date"),
            ({"birth_date": "1850-01-01"}, "birth_date"),
            ({"birth_date": "17.05.1990"}, "birth_date"),
            ({"language": "xx"}, "language"),
            ({"first_name": "x" * 151}, "first_name"),
            ({"consents": [{"purpose": "personal_data", "granted": True}]}, "text_version"),
            ({"consents": [{"purpose": "telepathy", "granted": True}]}, "consents"),
            ({"consents": [{"purpose": "marketing_sms"}]}, "consents"),
        ],
    )
    def test_field_errors(self, api, program, body, field):
        response = api.put(url("C-1"), body)

        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "validation_error"
        assert list(error["fields"]) == [field]
        assert not Member.objects.exists()

    def test_every_bad_field_is_reported_at_once(self, api, program):
        response = api.put(url("C-1"), {"email": "bad", "phone": "bad"})

        assert set(error_of(response)["fields"]) == {"email", "phone"}

    @pytest.mark.parametrize("field", ["email", "phone"])
    def test_an_identifier_held_by_another_member(self, api, program, field):
        MemberFactory(email="taken@example.com", phone="+79161234567")
        value = {"email": "TAKEN@example.com", "phone": "+7 916 123 45 67"}[field]

        response = api.put(url("C-1"), {field: value})

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [field]

    def test_a_too_long_external_id(self, api):
        response = api.put(url("x" * 65), {})

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["external_id"]

    def test_a_body_that_is_not_an_object(self, api):
        response = api.put(url("C-1"), [1, 2], format="json")

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["non_field_errors"]


class TestRead:
    def test_profile_and_balances(self, api, member, program, now):
        ledger.points_earn(member=member, points=120, pending=False, now=now)
        ledger.points_earn(member=member, points=40, now=now)
        ledger.hold_reserve(member=member, points=20, now=now)

        response = api.get(url(member.external_id))

        assert response.status_code == 200
        body = response.json()
        assert body["external_id"] == member.external_id
        assert body["status"] == "active"
        assert body["balances"] == {
            "available": 100,
            "pending": 40,
            "held": 20,
            "available_value": "100.00",
            "currency": "RUB",
        }
        assert body["tier"] is None

    def test_a_member_without_an_account(self, api, member, program):
        body = api.get(url(member.external_id)).json()

        assert body["balances"]["available"] == 0
        assert (body["expiring"], body["pending_points"]) == ([], [])

    def test_money_value_follows_the_point_value(self, api, member, program, now):
        program.point_value = "0.5"
        program.save()
        ledger.points_earn(member=member, points=7, pending=False, now=now)

        assert api.get(url(member.external_id)).json()["balances"]["available_value"] == "3.50"

    def test_expiring_points_by_their_last_day_in_the_program_time_zone(self, api, member, program):
        moscow_evening = datetime.datetime(2026, 3, 10, 20, 30, tzinfo=datetime.UTC)  # 23:30 in Moscow
        moscow_night = datetime.datetime(2026, 3, 10, 21, 30, tzinfo=datetime.UTC)  # 00:30 on the 11th
        for points, moment in [(10, moscow_evening), (5, moscow_evening), (7, moscow_night)]:
            ledger.points_earn(member=member, points=points, pending=False, now=moment)
        for day in (20, 21, 22):
            ledger.points_earn(member=member, points=1, pending=False, now=moscow_evening.replace(day=day))

        expiring = api.get(url(member.external_id)).json()["expiring"]

        assert expiring == [
            {"date": "2027-03-10", "points": 15},
            {"date": "2027-03-11", "points": 7},
            {"date": "2027-03-20", "points": 1},
        ]

    def test_spent_points_no_longer_expire(self, api, member, program, now):
        ledger.points_earn(member=member, points=10, pending=False, now=now)
        ledger.points_earn(member=member, points=10, pending=False, now=now + datetime.timedelta(days=1))
        ledger.points_spend(member=member, points=12, now=now + datetime.timedelta(days=2))

        assert api.get(url(member.external_id)).json()["expiring"] == [{"date": "2027-03-11", "points": 8}]

    def test_pending_points_by_the_day_they_become_available(self, api, member, program, now):
        ledger.points_earn(member=member, points=30, now=now)
        ledger.points_earn(member=member, points=12, now=now + datetime.timedelta(hours=1))
        ledger.points_earn(member=member, points=8, now=now + datetime.timedelta(days=2))

        pending = api.get(url(member.external_id)).json()["pending_points"]

        # Earned on 10 March in Moscow, pending 14 days: spendable from 24 March.
        assert pending == [{"date": "2026-03-24", "points": 42}, {"date": "2026-03-26", "points": 8}]

    def test_unknown_member(self, api):
        response = api.get(url("nobody"))

        assert response.status_code == 404
        assert error_of(response)["code"] == "member_not_found"

    def test_a_contributor_fills_the_tier(self, api, member, program, monkeypatch):
        class Tier(MemberContributor):
            def prepare(self, queryset):
                return queryset.defer("updated_at")

            def represent(self, member):
                return {"code": "gold", "name": f"Gold for {member.external_id}"}

        monkeypatch.setattr(member_contributors, "_contributors", {})
        member_contributors.register("tier", Tier())

        body = api.get(url(member.external_id)).json()

        assert body["tier"] == {"code": "gold", "name": f"Gold for {member.external_id}"}

    def test_contributors_only_fill_declared_fields_once(self, monkeypatch):
        monkeypatch.setattr(member_contributors, "_contributors", {})
        member_contributors.register("tier", MemberContributor())

        with pytest.raises(Exception, match="already fills"):
            member_contributors.register("tier", MemberContributor())
        with pytest.raises(Exception, match="no field"):
            member_contributors.register("favourite_colour", MemberContributor())


class TestQueryCount:
    """Reading a member costs the same queries however long their history is:
    the API key, the member with their account and tier, the expiring and
    pending days."""

    QUERIES = 3

    def read(self, api, member, django_assert_num_queries):
        assert api.get(url(member.external_id)).status_code == 200  # records the key's use
        with django_assert_num_queries(self.QUERIES):
            response = api.get(url(member.external_id))
        assert response.status_code == 200
        return response.json()

    def test_with_one_lot(self, api, member, program, now, django_assert_num_queries):
        ledger.points_earn(member=member, points=10, now=now)

        self.read(api, member, django_assert_num_queries)

    def test_with_two_hundred_lots_and_entries(self, api, member, program, now, django_assert_num_queries):
        for day in range(200):
            moment = now + datetime.timedelta(days=day)
            ledger.points_earn(member=member, points=10, pending=day > 190, now=moment)
        ledger.points_spend(member=member, points=15, now=now + datetime.timedelta(days=200))

        body = self.read(api, member, django_assert_num_queries)

        assert len(body["expiring"]) == 3
        assert len(body["pending_points"]) == 9
        assert Entry.objects.filter(account_id=member.pk).count() > 200


class TestLookup:
    def test_by_email_in_any_case(self, api, program):
        member = MemberFactory(email="anna@example.com")

        response = api.get("/api/v1/members/lookup", {"email": "  ANNA@example.com "})

        assert response.status_code == 200
        assert response.json()["external_id"] == member.external_id

    def test_by_phone_in_any_notation(self, api, program):
        member = MemberFactory(phone="+79161234567")

        response = api.get("/api/v1/members/lookup", {"phone": "8 (916) 123-45-67"})

        assert response.json()["external_id"] == member.external_id

    @pytest.mark.parametrize("query", [{"email": "nobody@example.com"}, {"phone": "+79990000000"}])
    def test_not_found(self, api, query):
        response = api.get("/api/v1/members/lookup", query)

        assert response.status_code == 404
        assert error_of(response)["code"] == "member_not_found"

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"email": "not-an-email"}, "email"),
            ({"phone": "12"}, "phone"),
            ({}, "non_field_errors"),
            ({"email": "a@example.com", "phone": "+79161234567"}, "non_field_errors"),
        ],
    )
    def test_malformed(self, api, query, field):
        response = api.get("/api/v1/members/lookup", query)

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [field]


class TestEntries:
    @pytest.fixture
    def history(self, member, program, now, storefront, admin_user):
        """Seven entries, one a minute: earn x5, a spend for an order, an adjustment."""
        order = OrderFactory(member=member, storefront=storefront, number="ORD-7")
        for minute in range(5):
            ledger.points_earn(member=member, points=10, pending=False, now=now + datetime.timedelta(minutes=minute))
        ledger.points_spend(member=member, points=4, order=order, now=now + datetime.timedelta(minutes=5))
        ledger.points_adjust(
            member=member, points=-1, staff_user=admin_user, reason="Goodwill", now=now + datetime.timedelta(minutes=6)
        )
        return member

    def pages(self, api, path, **query):
        """Every page from ``path``, following the next links."""
        pages = []
        response = api.get(path, query)
        while True:
            assert response.status_code == 200, response.json()
            pages.append(response.json()["results"])
            next_link = response.json()["next"]
            if next_link is None:
                return pages
            response = api.get(next_link)

    def test_an_entry(self, api, history):
        entries = api.get(url(history.external_id, "/entries")).json()["results"]

        assert entries[1] == {
            "id": entries[1]["id"],
            "kind": "spend",
            "points": -4,
            "deltas": {"available": -4, "pending": 0, "held": 0},
            "order_number": "ORD-7",
            "reason": "",
            "occurred_at": "2026-03-10T12:05:00Z",
        }
        assert (entries[0]["kind"], entries[0]["reason"], entries[0]["order_number"]) == (
            "adjustment",
            "Goodwill",
            None,
        )

    def test_pages_newest_first(self, api, history):
        pages = self.pages(api, url(history.external_id, "/entries"), page_size=3)

        assert [len(page) for page in pages] == [3, 3, 1]
        ids = [entry["id"] for page in pages for entry in page]
        assert ids == sorted(ids, reverse=True)
        assert len(set(ids)) == 7

    def test_new_entries_do_not_shift_the_next_page(self, api, history, now):
        first = api.get(url(history.external_id, "/entries"), {"page_size": 3}).json()
        # A new entry, and one at the same moment as the last of the page: both come before the cursor.
        ledger.points_earn(member=history, points=1, pending=False, now=now + datetime.timedelta(minutes=30))
        ledger.points_earn(member=history, points=1, pending=False, now=now + datetime.timedelta(minutes=4))

        second = api.get(first["next"]).json()

        assert [entry["occurred_at"] for entry in second["results"]] == [
            "2026-03-10T12:03:00Z",
            "2026-03-10T12:02:00Z",
            "2026-03-10T12:01:00Z",
        ]

    def test_entries_of_the_same_moment_are_paged_by_id(self, api, member, program, now):
        for _ in range(5):
            ledger.points_earn(member=member, points=1, pending=False, now=now)

        pages = self.pages(api, url(member.external_id, "/entries"), page_size=2)

        assert [len(page) for page in pages] == [2, 2, 1]
        assert len({entry["id"] for page in pages for entry in page}) == 5

    def test_filter_by_kind(self, api, history):
        entries = api.get(url(history.external_id, "/entries"), {"kind": "earn"}).json()["results"]

        assert [entry["kind"] for entry in entries] == ["earn"] * 5

    def test_filter_by_time(self, api, history):
        entries = api.get(
            url(history.external_id, "/entries"),
            {"occurred_after": "2026-03-10T12:01:00Z", "occurred_before": "2026-03-10T15:04:00+03:00"},
        ).json()["results"]

        assert [entry["occurred_at"] for entry in entries] == [
            "2026-03-10T12:03:00Z",
            "2026-03-10T12:02:00Z",
            "2026-03-10T12:01:00Z",
        ]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"kind": "bribe"}, "kind"),
            ({"occurred_after": "yesterday"}, "occurred_after"),
            ({"page_size": "0"}, "page_size"),
            ({"page_size": "500"}, "page_size"),
            ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
            ({"cursor": "%%%"}, "cursor"),
        ],
    )
    def test_malformed_query(self, api, history, query, field):
        response = api.get(url(history.external_id, "/entries"), query)

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [field]

    def test_unknown_member(self, api):
        response = api.get(url("nobody", "/entries"))

        assert response.status_code == 404
        assert error_of(response)["code"] == "member_not_found"

    def test_a_fixed_number_of_queries(self, api, history, django_assert_num_queries):
        api.get(url(history.external_id, "/entries"))

        with django_assert_num_queries(3):  # the key, the member, the page with its orders
            api.get(url(history.external_id, "/entries"), {"page_size": 200})
