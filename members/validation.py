"""Normalisation of the identifiers a member is found by."""

import datetime
import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

# The first time zone to start a new day: a date later than today there has
# not begun anywhere on Earth yet.
_EARLIEST_ZONE = zoneinfo.ZoneInfo("Etc/GMT-14")


def normalise_email(value):
    """Trimmed, lower-cased and valid, or ValidationError."""
    email = (value or "").strip().lower()
    if not email:
        return None
    validate_email(email)
    return email


def normalise_phone(value):
    """The number in E.164 (+79161234567), or ValidationError.

    Numbers without a country code are read in PHONE_DEFAULT_REGION, so
    "8 (916) 123-45-67" and "+7 916 123 45 67" are the same member.
    """
    raw = (value or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_birth_date(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value > timezone.now().astimezone(_EARLIEST_ZONE).date():
        raise ValidationError(_("A birth date cannot be in the future."), code="birth_date_in_future")
    if value.year < 1900:
        raise ValidationError(_("Enter a real birth date."), code="birth_date_too_early")
    return value
