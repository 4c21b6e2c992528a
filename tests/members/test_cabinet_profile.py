"""Profile, consents, my data and the deletion of an account."""

import io
import json

import pytest
from django.core.management import call_command

from loyalty.models import Account, Entry
from loyalty.services import ledger
from members.models import ConsentPurpose, ConsentRecord, Credentials, Member, MemberEvent
from members.selectors import consent_current_states
from members.services import consent_record
from tests.cabinet_support import PASSWORD, earn

pytestmark = pytest.mark.django_db

PROFILE = {"first_name": "Anna", "last_name": "Petrova", "phone": "+79161234567", "language": "en"}


def test_profile_changes_are_saved_and_logged(shopper_client, shopper):
    response = shopper_client.post(
        "/account/profile/", {**PROFILE, "first_name": "Anya", "phone": "8 916 765 43 21", "language": "en"}
    )
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert (shopper.first_name, shopper.phone, shopper.language) == ("Anya", "+79167654321", "en")
    event = MemberEvent.objects.get(member=shopper, kind=MemberEvent.Kind.PROFILE_CHANGED)
    assert event.changes == {
        "first_name": ["Anna", "Anya"],
        "phone": ["+79161234567", "+79167654321"],
        "language": ["ru", "en"],
    }
    assert response.cookies["django_language"].value == "en"


def test_bad_phone_is_reported_on_the_field(shopper_client, shopper):
    response = shopper_client.post("/account/profile/", {**PROFILE, "phone": "12"})
    assert response.status_code == 200
    assert "Enter a valid phone number." in response.content.decode()


def test_birth_date_is_set_once_then_only_by_support(shopper_client, shopper):
    shopper_client.post("/account/profile/", {**PROFILE, "birth_date": "1990-05-17"})
    shopper.refresh_from_db()
    assert str(shopper.birth_date) == "1990-05-17"
    page = shopper_client.get("/account/profile/").content.decode()
    assert 'name="birth_date"' not in page and "Only support can change your birth date" in page
    shopper_client.post("/account/profile/", {**PROFILE, "birth_date": "2000-01-01"})
    shopper.refresh_from_db()
    assert str(shopper.birth_date) == "1990-05-17"


def test_marketing_consents_given_and_withdrawn_with_records(shopper_client, shopper):
    shopper_client.post("/account/profile/", {**PROFILE, "marketing_email": "on", "marketing_sms": "on"})
    shopper_client.post("/account/profile/", {**PROFILE, "marketing_sms": "on"})
    states = consent_current_states(shopper)
    assert states[ConsentPurpose.MARKETING_SMS].granted
    assert not states[ConsentPurpose.MARKETING_EMAIL].granted
    email_records = ConsentRecord.objects.filter(member=shopper, purpose=ConsentPurpose.MARKETING_EMAIL)
    assert [record.granted for record in email_records.order_by("recorded_at", "id")] == [True, False]
    assert MemberEvent.objects.filter(member=shopper, kind=MemberEvent.Kind.CONSENT_CHANGED).count() == 2
    page = shopper_client.get("/account/profile/").content.decode()
    assert "Withdrawn" in page and "Given" in page


def test_my_data_download_holds_everything(shopper_client, shopper, make_order):
    consent_record(
        member=shopper, purpose=ConsentPurpose.PERSONAL_DATA, granted=True, text_version="v1", channel="cabinet"
    )
    earn(shopper, 50)
    make_order(shopper, number="W-77")
    response = shopper_client.post("/account/my-data/download/")
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["member"]["email"] == shopper.email
    assert data["consents"][0]["text_version"] == "v1"
    assert data["points"]["account"]["available"] == 50
    assert data["points"]["orders"][0]["number"] == "W-77"
    assert {"tier", "tier_changes", "coupons"} <= set(data["rewards"])
    assert shopper.credentials.password not in response.content.decode()
    assert '"password":' not in response.content.decode()


def test_delete_account_needs_the_password_then_anonymises(shopper_client, shopper, other_shopper, make_order):
    consent_record(
        member=shopper, purpose=ConsentPurpose.PERSONAL_DATA, granted=True, text_version="v1", channel="cabinet"
    )
    consent_record(member=shopper, purpose=ConsentPurpose.MARKETING_SMS, granted=True, channel="cabinet")
    earn(shopper, 120)
    order = make_order(shopper)
    ledger.points_earn(member=shopper, points=30, order=order)
    ledger.points_transfer(sender=shopper, recipient=other_shopper, points=20)
    balances = Account.objects.filter(pk=shopper.pk).values("available", "pending", "lifetime_earned").get()
    entries = Entry.objects.filter(account_id=shopper.pk).count()

    page = shopper_client.get("/account/my-data/delete/")
    assert "This cannot be undone" in page.content.decode()
    refused = shopper_client.post("/account/my-data/delete/", {"password": "wrong", "confirm": "on"})
    assert refused.status_code == 200 and Member.objects.get(pk=shopper.pk).status == Member.Status.ACTIVE
    unconfirmed = shopper_client.post("/account/my-data/delete/", {"password": PASSWORD})
    assert unconfirmed.status_code == 200 and Member.objects.get(pk=shopper.pk).status == Member.Status.ACTIVE

    done = shopper_client.post("/account/my-data/delete/", {"password": PASSWORD, "confirm": "on"})

    assert "Your account is deleted" in done.content.decode()
    member = Member.objects.get(pk=shopper.pk)
    assert member.status == Member.Status.ANONYMISED
    assert (member.email, member.phone, member.first_name, member.last_name, member.external_id) == (
        None,
        None,
        "",
        "",
        None,
    )
    assert not Credentials.objects.filter(member=member).exists()
    assert not any(record and record.granted for record in consent_current_states(member).values())
    assert ConsentRecord.objects.filter(member=member, granted=False).count() == 2
    assert not MemberEvent.objects.filter(member=member).exclude(changes={}).exists()
    # The ledger and the aggregates stay whole.
    assert Account.objects.filter(pk=shopper.pk).values("available", "pending", "lifetime_earned").get() == balances
    assert Entry.objects.filter(account_id=shopper.pk).count() == entries
    out = io.StringIO()
    call_command("verify_ledger", "--no-progress", stdout=out)
    # Signed out, and the old password opens nothing.
    assert shopper_client.get("/account/").status_code == 302
    response = shopper_client.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
    assert response.status_code == 200


def test_consent_texts_are_public_and_versioned(client, program):
    page = client.get("/account/consents/personal_data/").content.decode()
    assert "Version default" in page
    assert client.get("/account/consents/nonsense/").status_code == 404


def test_staff_changes_in_the_admin_join_the_event_log(admin_client, shopper):
    response = admin_client.post(
        f"/admin/members/member/{shopper.pk}/change/",
        {
            "external_id": shopper.external_id,
            "email": shopper.email,
            "phone": shopper.phone,
            "first_name": shopper.first_name,
            "last_name": shopper.last_name,
            "birth_date": "1985-02-03",
            "language": shopper.language,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = MemberEvent.objects.get(member=shopper, kind=MemberEvent.Kind.PROFILE_CHANGED)
    assert event.channel == "staff" and event.changes == {"birth_date": [None, "1985-02-03"]}
