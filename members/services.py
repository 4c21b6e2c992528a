"""Writes to members and consents. Bad input raises Django's ValidationError
with one message per field, which the admin and the API show as they are."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Channel, ConsentPurpose, ConsentRecord, Member
from .selectors import consent_current_states, members_with_email
from .validation import normalise_email, normalise_phone, validate_birth_date

PROFILE_FIELDS = ("external_id", "email", "phone", "first_name", "last_name", "birth_date", "language")

_UNIQUE_FIELD_BY_CONSTRAINT = {
    "member_external_id_unique": "external_id",
    "member_email_unique": "email",
    "member_phone_unique": "phone",
}


def _clean_profile(data, *, instance=None):
    """Normalised values of the given profile fields; every bad field reported at once."""
    errors = {}
    cleaned = {}
    normalisers = {
        "email": normalise_email,
        "phone": normalise_phone,
        "birth_date": validate_birth_date,
        "external_id": lambda value: (str(value).strip() or None) if value is not None else None,
    }
    for field, value in data.items():
        if field not in PROFILE_FIELDS:
            raise TypeError(f"{field} is not a member profile field")
        try:
            cleaned[field] = normalisers.get(field, lambda v: v)(value)
        except ValidationError as error:
            errors[field] = error.messages
    for field in ("external_id", "email", "phone"):
        value = cleaned.get(field)
        if field in errors or not value:
            continue
        taken = members_with_email(value) if field == "email" else Member.objects.filter(**{field: value})
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors[field] = [_("Another member already has this value.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save(member, **kwargs):
    """Save, turning a lost race on a unique field into the same field error
    a sequential request would get."""
    try:
        with transaction.atomic():
            member.full_clean(exclude=PROFILE_FIELDS + ("enrolment_storefront",), validate_constraints=False)
            member.save(**kwargs)
    except IntegrityError as error:
        for constraint, field in _UNIQUE_FIELD_BY_CONSTRAINT.items():
            if constraint in str(error):
                raise ValidationError({field: [_("Another member already has this value.")]}) from error
        raise
    return member


def member_enrol(*, channel=Channel.STAFF, storefront="", enrolled_at=None, consents=(), **profile):
    """Enrol a new member. ``consents`` is an iterable of (purpose, granted, text_version)."""
    cleaned = _clean_profile(profile)
    member = Member(
        **cleaned,
        enrolment_channel=channel,
        enrolment_storefront=storefront,
        enrolled_at=enrolled_at or timezone.now(),
    )
    with transaction.atomic():
        _save(member)
        for purpose, granted, text_version in consents:
            consent_record(
                member=member,
                purpose=purpose,
                granted=granted,
                text_version=text_version,
                channel=channel,
                storefront=storefront,
                recorded_at=member.enrolled_at,
            )
    return member


def member_update(*, member, **changes):
    """Change profile fields; only the given ones are touched."""
    cleaned = _clean_profile(changes, instance=member)
    for field, value in cleaned.items():
        setattr(member, field, value)
    return _save(member, update_fields=[*cleaned, "updated_at"])


@transaction.atomic
def member_put(*, external_id, channel, storefront="", consents=(), **profile):
    """Enrol the member with this external id or update their profile; returns
    (member, created). ``consents`` is an iterable of dicts with purpose,
    granted and text_version.

    A storefront may retry a PUT, so only consents that differ from the
    member's current ones are recorded. Two first PUTs racing for one external
    id both try to enrol; the loser updates the winner's member instead.
    """
    member = Member.objects.filter(external_id=external_id).first()
    if member is None:
        try:
            member = member_enrol(
                external_id=external_id,
                channel=channel,
                storefront=storefront,
                consents=[(consent["purpose"], consent["granted"], consent["text_version"]) for consent in consents],
                **profile,
            )
            return member, True
        except ValidationError:
            member = Member.objects.filter(external_id=external_id).first()
            if member is None:
                raise
    member_update(member=member, **profile)
    current = consent_current_states(member) if consents else {}
    for consent in consents:
        record = current[consent["purpose"]]
        if record is None or (record.granted, record.text_version) != (consent["granted"], consent["text_version"]):
            consent_record(member=member, channel=channel, storefront=storefront, **consent)
    return member, False


def member_set_status(*, member, status):
    if status not in Member.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    member.status = status
    member.save(update_fields=["status", "updated_at"])
    return member


def consent_record(*, member, purpose, granted, text_version="", channel, storefront="", recorded_at=None):
    """Append a grant or withdrawal to the member's consent history."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": [_("Unknown consent.")]})
    if granted and purpose == ConsentPurpose.PERSONAL_DATA and not text_version:
        raise ValidationError(
            {"text_version": [_("Consent to processing of personal data needs the version of its text.")]}
        )
    return ConsentRecord.objects.create(
        member=member,
        purpose=purpose,
        granted=granted,
        text_version=text_version,
        channel=channel,
        storefront=storefront,
        recorded_at=recorded_at or timezone.now(),
    )
