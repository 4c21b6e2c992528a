"""Signing up, verifying the email, signing in and out, resetting the
password, and the throttle of failed sign-ins: what a shopper notices."""

import pytest
from django.core import mail

from members.cabinet.auth import SESSION_MEMBER_KEY
from members.models import Channel, ConsentPurpose, ConsentRecord, Credentials, Member, MemberEvent
from members.services import member_enrol
from tests.cabinet_support import PASSWORD, give_credentials, link_in_last_email

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "email": "Olga@Example.com",
    "first_name": "Olga",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "personal_data": "on",
    "marketing_email": "on",
}


def consents_of(member):
    return sorted((r.purpose, r.granted, r.text_version) for r in ConsentRecord.objects.filter(member=member))


class TestSignUp:
    def test_sign_up_then_verify_signs_in(self, client, program):
        response = client.post("/account/sign-up/", SIGN_UP)
        assert response.status_code == 302
        assert response["Location"] == "/account/sign-up/check-your-email/"
        member = Member.objects.get(email="olga@example.com")
        assert member.enrolment_channel == Channel.CABINET
        assert consents_of(member) == [
            (ConsentPurpose.MARKETING_EMAIL, True, "default"),
            (ConsentPurpose.PERSONAL_DATA, True, "default"),
        ]
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["olga@example.com"]

        # Not verified yet: the password does not open the cabinet.
        refused = client.post("/account/sign-in/", {"identifier": "olga@example.com", "password": PASSWORD})
        assert "Confirm your email first" in refused.content.decode()

        response = client.get(link_in_last_email())
        assert response.status_code == 302 and response["Location"] == "/account/"
        assert client.get("/account/").status_code == 200
        assert Credentials.objects.get(member=member).is_verified
        # The link works once.
        assert client.get(link_in_last_email()).status_code in (302, 400)

    def test_personal_data_consent_is_required(self, client, program):
        response = client.post("/account/sign-up/", {**SIGN_UP, "personal_data": ""})
        assert response.status_code == 200
        assert "Without this consent" in response.content.decode()
        assert not Member.objects.exists()
        assert not mail.outbox

    def test_weak_or_mismatched_password_is_refused(self, client, program):
        response = client.post("/account/sign-up/", {**SIGN_UP, "password1": "123", "password2": "123"})
        assert response.status_code == 200
        assert not Member.objects.exists()
        response = client.post("/account/sign-up/", {**SIGN_UP, "password2": "Other-Horse-42"})
        assert "The two passwords differ." in response.content.decode()

    def test_a_storefront_member_claims_the_account_by_verifying_the_email(self, client, program):
        member = member_enrol(email="olga@example.com", external_id="C-1", channel=Channel.WEB_SHOP)
        client.post("/account/sign-up/", SIGN_UP)
        assert Member.objects.count() == 1
        assert not ConsentRecord.objects.filter(member=member).exists(), "nothing recorded before the mailbox answers"

        client.get(link_in_last_email())

        assert client.get("/account/").status_code == 200
        assert client.session[SESSION_MEMBER_KEY] == member.pk
        assert ConsentPurpose.PERSONAL_DATA in [purpose for purpose, *_ in consents_of(member)]

    def test_signing_up_with_a_taken_email_reveals_nothing_and_changes_nothing(self, client, shopper):
        old_hash = shopper.credentials.password
        response = client.post("/account/sign-up/", {**SIGN_UP, "email": shopper.email})
        assert response["Location"] == "/account/sign-up/check-your-email/"
        assert Credentials.objects.get(member=shopper).password == old_hash
        assert "already have an account" in mail.outbox[-1].body


class TestSignIn:
    def test_by_email_or_phone(self, client, shopper):
        for identifier in (shopper.email.upper(), "8 (916) 123-45-67"):
            response = client.post("/account/sign-in/", {"identifier": identifier, "password": PASSWORD})
            assert response.status_code == 302, identifier
            assert client.get("/account/").status_code == 200
            client.post("/account/sign-out/")

    def test_sign_in_rotates_the_session_key(self, client, shopper):
        client.get("/account/sign-in/")
        client.cookies["sessionid"] = "attacker-chosen"
        before = client.session.session_key
        client.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
        assert client.session.session_key != before

    def test_wrong_password_and_unknown_email_get_the_same_message(self, client, shopper):
        wrong = client.post("/account/sign-in/", {"identifier": shopper.email, "password": "nope"})
        unknown = client.post("/account/sign-in/", {"identifier": "nobody@example.com", "password": "nope"})
        message = "The email or phone and the password do not match."
        assert message in wrong.content.decode() and message in unknown.content.decode()

    def test_repeated_failures_are_throttled_even_with_the_right_password(self, client, shopper, settings):
        for _ in range(settings.CABINET_SIGN_IN_FAILURES_PER_ACCOUNT):
            client.post("/account/sign-in/", {"identifier": shopper.email, "password": "wrong"})
        response = client.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
        assert response.status_code == 429
        assert "Too many failed attempts" in response.content.decode()
        assert SESSION_MEMBER_KEY not in client.session

    def test_spellings_of_one_phone_count_together(self, client, shopper, settings):
        spellings = ["+7 916 123-45-67", "89161234567", "8 (916) 123 45 67", "+79161234567", "7-916-123-45-67"]
        for spelling in spellings[: settings.CABINET_SIGN_IN_FAILURES_PER_ACCOUNT]:
            client.post("/account/sign-in/", {"identifier": spelling, "password": "wrong"})
        response = client.post("/account/sign-in/", {"identifier": "+79161234567", "password": PASSWORD})
        assert response.status_code == 429

    def test_unknown_accounts_are_throttled_alike(self, client, program, settings):
        for _ in range(settings.CABINET_SIGN_IN_FAILURES_PER_ACCOUNT):
            client.post("/account/sign-in/", {"identifier": "nobody@example.com", "password": "wrong"})
        response = client.post("/account/sign-in/", {"identifier": "nobody@example.com", "password": "wrong"})
        assert response.status_code == 429

    def test_throttle_per_address(self, client, shopper, settings):
        settings.CABINET_SIGN_IN_FAILURES_PER_ADDRESS = 3
        for index in range(3):
            client.post("/account/sign-in/", {"identifier": f"guess{index}@example.com", "password": "x"})
        response = client.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
        assert response.status_code == 429

    def test_blocked_member_cannot_sign_in(self, client, shopper):
        Member.objects.filter(pk=shopper.pk).update(status=Member.Status.BLOCKED)
        response = client.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
        assert response.status_code == 200
        assert SESSION_MEMBER_KEY not in client.session

    def test_next_address_is_kept_but_only_on_this_site(self, client, shopper):
        response = client.get("/account/profile/")
        assert response["Location"] == "/account/sign-in/?next=%2Faccount%2Fprofile%2F"
        response = client.post(
            "/account/sign-in/?next=/account/profile/", {"identifier": shopper.email, "password": PASSWORD}
        )
        assert response["Location"] == "/account/profile/"
        client.post("/account/sign-out/")
        response = client.post(
            "/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD, "next": "https://evil.example/"}
        )
        assert response["Location"] == "/account/"

    def test_sign_out_needs_a_post_and_ends_the_session(self, shopper_client):
        assert shopper_client.get("/account/sign-out/").status_code == 405
        shopper_client.post("/account/sign-out/")
        assert shopper_client.get("/account/").status_code == 302

    def test_sign_in_is_logged(self, shopper_client, shopper):
        assert MemberEvent.objects.filter(member=shopper, kind=MemberEvent.Kind.SIGNED_IN).exists()


class TestPasswordReset:
    def test_reset_by_email_link(self, client, shopper):
        response = client.post("/account/password-reset/", {"email": shopper.email})
        assert "If " in response.content.decode()
        link = link_in_last_email()
        new = "Brand-New-Horse-7"
        response = client.post(link, {"password1": new, "password2": new})
        assert response.status_code == 302
        client.post("/account/sign-out/")
        assert client.post("/account/sign-in/", {"identifier": shopper.email, "password": new}).status_code == 302
        # The link is spent: the password it was made for has changed.
        assert client.get(link).status_code == 400

    def test_unknown_email_gets_the_same_answer_and_no_mail(self, client, program):
        response = client.post("/account/password-reset/", {"email": "nobody@example.com"})
        assert response.status_code == 200
        assert "If nobody@example.com belongs to an account" in response.content.decode()
        assert not mail.outbox

    def test_reset_ends_other_sessions(self, client, shopper, django_user_model):
        from django.test import Client

        other_device = Client()
        other_device.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
        assert other_device.get("/account/").status_code == 200
        client.post("/account/password-reset/", {"email": shopper.email})
        client.post(link_in_last_email(), {"password1": "Brand-New-Horse-7", "password2": "Brand-New-Horse-7"})
        assert other_device.get("/account/").status_code == 302

    def test_unverified_credentials_are_verified_by_a_reset(self, client, program):
        member = member_enrol(email="late@example.com")
        give_credentials(member, verified=False)
        client.post("/account/password-reset/", {"email": "late@example.com"})
        client.post(link_in_last_email(), {"password1": "Brand-New-Horse-7", "password2": "Brand-New-Horse-7"})
        assert Credentials.objects.get(member=member).is_verified

    def test_bad_links_say_so(self, client, shopper):
        assert client.get("/account/password-reset/MQ/bad-token/").status_code == 400
        assert client.get("/account/verify/zz/bad-token/").status_code == 400
