"""The member admin: search, fast lists, and writes through the services."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.admin import EstimatedCountPaginator
from members.models import Channel, ConsentPurpose, ConsentRecord, Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

UNFILTERED_MEMBER_COUNT = re.compile(r'SELECT COUNT\(\*\).* FROM "members_member"(?!.* WHERE )')


def changelist_url():
    return reverse("admin:members_member_changelist")


def search(client, term):
    response = client.get(changelist_url(), {"q": term})
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def profile(**overrides):
    data = {
        "external_id": "",
        "email": "",
        "phone": "",
        "first_name": "Anna",
        "last_name": "Ivanova",
        "birth_date": "",
        "language": "en",
    }
    return {**data, **overrides}


class TestSearch:
    def test_finds_a_member_by_exact_external_id(self, admin_client):
        wanted = MemberFactory(external_id="A-100")
        MemberFactory(external_id="A-1000")

        assert search(admin_client, " A-100 ") == {wanted}

    def test_finds_a_member_by_email_in_any_case(self, admin_client):
        wanted = MemberFactory(email="anna@example.com")
        MemberFactory(email="anna@example.org")

        assert search(admin_client, "Anna@Example.COM") == {wanted}

    def test_finds_a_member_by_phone_in_any_notation(self, admin_client):
        wanted = MemberFactory(phone="+79161234567")
        MemberFactory(phone="+79161234568")

        assert search(admin_client, "8 (916) 123-45-67") == {wanted}

    def test_finds_members_by_the_beginning_of_the_last_name(self, admin_client):
        ivanova = MemberFactory(last_name="Ivanova", first_name="Anna")
        ivanov = MemberFactory(last_name="Ivanov", first_name="Boris")
        MemberFactory(last_name="Petrov", first_name="Ivan")

        assert search(admin_client, "ivan") == {ivanova, ivanov}

    def test_narrows_by_the_first_name_in_either_order(self, admin_client):
        ivanova = MemberFactory(last_name="Ivanova", first_name="Anna")
        MemberFactory(last_name="Ivanov", first_name="Boris")

        assert search(admin_client, "Ivanov An") == {ivanova}
        assert search(admin_client, "anna ivan") == {ivanova}

    def test_finds_cyrillic_names_in_any_case(self, admin_client):
        wanted = MemberFactory(last_name="Ёлкина", first_name="Ольга")
        MemberFactory(last_name="Елкин", first_name="Олег")

        assert search(admin_client, "ЁЛК") == {wanted}

    @pytest.mark.parametrize("term", ["+++", "@", "anna@", "8 (916)", "%", "_"])
    def test_malformed_input_matches_nothing_instead_of_failing(self, admin_client, term):
        MemberFactory(last_name="Ivanova", phone="+79161234567", email="anna@example.com")

        assert search(admin_client, term) == set()


class TestChangelist:
    def test_lists_members_without_counting_the_whole_table(self, admin_client, monkeypatch):
        members = MemberFactory.create_batch(3)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_member")
        # Pretend the table is big enough for the estimate to be used.
        monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 1)

        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(changelist_url())

        assert response.status_code == 200
        assert set(response.context["cl"].result_list) == set(members)
        assert response.context["cl"].result_count == 3
        assert not [query["sql"] for query in queries if UNFILTERED_MEMBER_COUNT.search(query["sql"])]

    def test_a_filtered_list_is_counted_exactly(self, admin_client, monkeypatch):
        MemberFactory.create_batch(2)
        MemberFactory(status=Member.Status.BLOCKED)
        monkeypatch.setattr(EstimatedCountPaginator, "estimate_from", 1)

        response = admin_client.get(changelist_url(), {"status__exact": Member.Status.BLOCKED})

        assert response.context["cl"].result_count == 1

    def test_a_small_table_is_counted_exactly(self, admin_client):
        MemberFactory.create_batch(2)

        assert admin_client.get(changelist_url()).context["cl"].result_count == 2


class TestAdd:
    url = staticmethod(lambda: reverse("admin:members_member_add"))

    def test_enrols_through_the_service(self, admin_client):
        response = admin_client.post(
            self.url(), profile(external_id="C-1", email=" Anna@Example.com ", phone="8 916 123-45-67")
        )

        assert response.status_code == 302
        member = Member.objects.get(external_id="C-1")
        assert (member.email, member.phone) == ("anna@example.com", "+79161234567")
        assert member.enrolment_channel == Channel.STAFF

    def test_reports_every_bad_field_and_creates_nothing(self, admin_client):
        tomorrow = timezone.now().date() + datetime.timedelta(days=2)

        response = admin_client.post(
            self.url(), profile(email="not-an-email", phone="12", birth_date=tomorrow.isoformat())
        )

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert {"email", "phone", "birth_date"} <= set(errors)
        assert "A birth date cannot be in the future." in errors["birth_date"]
        assert not Member.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"), [("external_id", "TAKEN-1"), ("email", "TAKEN@example.com"), ("phone", "+7 916 000-00-01")]
    )
    def test_refuses_an_identifier_another_member_has(self, admin_client, field, value):
        MemberFactory(external_id="TAKEN-1", email="taken@example.com", phone="+79160000001")

        response = admin_client.post(self.url(), profile(**{field: value}))

        assert response.status_code == 200
        assert response.context["adminform"].form.errors[field] == ["Another member already has this value."]
        assert Member.objects.count() == 1


class TestChange:
    def url(self, member):
        return reverse("admin:members_member_change", args=[member.pk])

    def test_updates_through_the_service(self, admin_client):
        member = MemberFactory(external_id="C-1", email="anna@example.com")

        response = admin_client.post(
            self.url(member), profile(external_id="C-1", email="anna@example.com", phone="8 916 123 45 67")
        )

        assert response.status_code == 302
        member.refresh_from_db()
        assert member.phone == "+79161234567"

    def test_refuses_another_members_email_and_changes_nothing(self, admin_client):
        MemberFactory(email="taken@example.com")
        member = MemberFactory(email="anna@example.com", last_name="Ivanova")

        response = admin_client.post(self.url(member), profile(email="Taken@example.com", last_name="Petrova"))

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["email"] == ["Another member already has this value."]
        member.refresh_from_db()
        assert (member.email, member.last_name) == ("anna@example.com", "Ivanova")

    def test_shows_the_consent_history_newest_first(self, admin_client):
        member = MemberFactory()
        now = timezone.now()
        for days_ago, granted in ((2, True), (1, False)):
            ConsentRecord.objects.create(
                member=member,
                purpose=ConsentPurpose.MARKETING_EMAIL,
                granted=granted,
                channel=Channel.WEB_SHOP,
                recorded_at=now - datetime.timedelta(days=days_ago),
            )

        response = admin_client.get(self.url(member))

        assert response.status_code == 200
        assert [record.granted for record in response.context["consent_records"]] == [False, True]
        assert "Consent history" in response.content.decode()

    def test_members_cannot_be_deleted(self, admin_client):
        member = MemberFactory()

        response = admin_client.post(reverse("admin:members_member_delete", args=[member.pk]), {"post": "yes"})

        assert response.status_code == 403
        assert Member.objects.filter(pk=member.pk).exists()


class TestRecordConsent:
    def url(self, member):
        return reverse("admin:members_member_record_consent", args=[member.pk])

    def test_is_linked_from_the_change_page(self, admin_client):
        member = MemberFactory()

        response = admin_client.get(reverse("admin:members_member_change", args=[member.pk]))

        assert self.url(member) in response.content.decode()

    def test_records_a_grant_made_through_staff(self, admin_client):
        member = MemberFactory()
        assert admin_client.get(self.url(member)).status_code == 200

        response = admin_client.post(
            self.url(member), {"purpose": ConsentPurpose.PERSONAL_DATA, "granted": "granted", "text_version": "2026-01"}
        )

        assert response.status_code == 302
        record = ConsentRecord.objects.get(member=member)
        assert (record.purpose, record.granted, record.text_version, record.channel) == (
            ConsentPurpose.PERSONAL_DATA,
            True,
            "2026-01",
            Channel.STAFF,
        )

    def test_records_a_withdrawal(self, admin_client):
        member = MemberFactory()

        admin_client.post(self.url(member), {"purpose": ConsentPurpose.MARKETING_SMS, "granted": "withdrawn"})

        assert ConsentRecord.objects.get(member=member).granted is False

    def test_shows_the_services_refusal_as_a_field_error(self, admin_client):
        member = MemberFactory()

        response = admin_client.post(self.url(member), {"purpose": ConsentPurpose.PERSONAL_DATA, "granted": "granted"})

        assert response.status_code == 200
        assert "text_version" in response.context["form"].errors
        assert not ConsentRecord.objects.exists()
