"""Members: identifiers, validation, and the consent history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import Channel, ConsentPurpose, Member
from members.selectors import consent_current_states, consent_is_granted, member_find
from members.services import consent_record, member_enrol, member_update

pytestmark = pytest.mark.django_db


def field_errors(error):
    return {field: [str(message) for message in messages] for field, messages in error.value.message_dict.items()}


class TestEnrolment:
    def test_enrol_normalises_identifiers(self):
        member = member_enrol(
            external_id=" 1001 ",
            email="  Anna.Petrova@Example.COM ",
            phone="8 (916) 123-45-67",
            first_name="Anna",
            channel=Channel.WEB_SHOP,
            storefront="web",
        )
        member.refresh_from_db()
        assert (member.external_id, member.email, member.phone) == ("1001", "anna.petrova@example.com", "+79161234567")
        assert (member.enrolment_channel, member.enrolment_storefront) == (Channel.WEB_SHOP, "web")
        assert member.status == Member.Status.ACTIVE

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("email", "not-an-email", "Enter a valid email address."),
            ("phone", "12345", "Enter a valid phone number."),
            ("phone", "call me", "Enter a valid phone number."),
            ("birth_date", timezone.now().date() + datetime.timedelta(days=2), "A birth date cannot be in the future."),
        ],
    )
    def test_bad_input_gets_a_field_error_and_creates_nothing(self, field, value, message):
        with pytest.raises(ValidationError) as error:
            member_enrol(external_id="x1", **{field: value})
        assert field_errors(error) == {field: [message]}
        assert not Member.objects.exists()

    def test_every_bad_field_is_reported_at_once(self):
        with pytest.raises(ValidationError) as error:
            member_enrol(email="bad", phone="bad", birth_date=datetime.date(2999, 1, 1))
        assert set(field_errors(error)) == {"email", "phone", "birth_date"}

    @pytest.mark.parametrize(
        ("field", "first", "second"),
        [
            ("external_id", "42", "42"),
            ("email", "ivan@example.com", "IVAN@example.com"),
            ("phone", "+7 916 123-45-67", "89161234567"),
        ],
    )
    def test_duplicate_identifiers_are_refused(self, field, first, second):
        member_enrol(**{field: first})
        with pytest.raises(ValidationError) as error:
            member_enrol(**{field: second})
        assert field_errors(error) == {field: ["Another member already has this value."]}
        assert Member.objects.count() == 1

    def test_update_keeps_own_identifiers_and_refuses_others(self):
        anna = member_enrol(external_id="1", email="anna@example.com")
        member_enrol(external_id="2", email="boris@example.com")
        member_update(member=anna, email="ANNA@example.com", first_name="Anna")
        with pytest.raises(ValidationError) as error:
            member_update(member=anna, email="boris@example.com")
        assert "email" in field_errors(error)
        anna.refresh_from_db()
        assert anna.email == "anna@example.com"

    def test_birth_date_today_anywhere_on_earth_is_accepted(self):
        tomorrow_utc = (timezone.now() + datetime.timedelta(hours=13)).date()
        member = member_enrol(birth_date=tomorrow_utc)
        assert member.birth_date == tomorrow_utc

    def test_find_by_any_identifier(self):
        member = member_enrol(external_id="77", email="olga@example.com", phone="+79031112233")
        assert member_find(external_id="77") == member
        assert member_find(email="Olga@Example.com") == member
        assert member_find(phone="8 903 111-22-33") == member
        assert member_find(email="nobody@example.com") is None


class TestConsents:
    def test_current_state_is_the_latest_record(self):
        member = member_enrol(
            email="a@example.com",
            channel=Channel.CABINET,
            consents=[(ConsentPurpose.PERSONAL_DATA, True, "2026-01"), (ConsentPurpose.MARKETING_EMAIL, True, "m1")],
        )
        consent_record(member=member, purpose=ConsentPurpose.MARKETING_EMAIL, granted=False, channel=Channel.CABINET)

        states = consent_current_states(member)
        assert states[ConsentPurpose.PERSONAL_DATA].granted is True
        assert states[ConsentPurpose.PERSONAL_DATA].text_version == "2026-01"
        assert states[ConsentPurpose.MARKETING_EMAIL].granted is False
        assert states[ConsentPurpose.MARKETING_SMS] is None
        assert consent_is_granted(member, ConsentPurpose.PERSONAL_DATA)
        assert not consent_is_granted(member, ConsentPurpose.MARKETING_EMAIL)
        assert member.consent_records.count() == 3  # the history is kept whole

    def test_personal_data_consent_needs_the_text_version(self):
        member = member_enrol(email="b@example.com")
        with pytest.raises(ValidationError) as error:
            consent_record(member=member, purpose=ConsentPurpose.PERSONAL_DATA, granted=True, channel=Channel.WEB_SHOP)
        assert "text_version" in field_errors(error)

    def test_records_carry_channel_and_time(self):
        member = member_enrol(email="c@example.com")
        at = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC)
        record = consent_record(
            member=member,
            purpose=ConsentPurpose.MARKETING_SMS,
            granted=True,
            channel=Channel.MOBILE_APP,
            storefront="app",
            recorded_at=at,
        )
        assert (record.channel, record.storefront, record.recorded_at) == (Channel.MOBILE_APP, "app", at)
