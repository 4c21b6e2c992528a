"""Reads of members and their consents."""

import contextlib

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from .models import ConsentPurpose, ConsentRecord, ConsentText, Member, MemberEvent
from .validation import normalise_email, normalise_phone


def members_with_email(email):
    """Members whose email is ``email`` (already normalised), through the
    unique index on Lower(email)."""
    return Member.objects.alias(email_lower=Lower("email")).filter(email_lower=email)


def member_find(*, external_id=None, email=None, phone=None):
    """The member with this external id, email or phone, or None.

    Raises ValidationError when an email or phone is malformed, so a typo is
    reported instead of looking like an unknown member.
    """
    if external_id:
        return Member.objects.filter(external_id=external_id).first()
    if email:
        return members_with_email(normalise_email(email)).first()
    if phone:
        return Member.objects.filter(phone=normalise_phone(phone)).first()
    return None


def consent_current_states(member):
    """{purpose: latest ConsentRecord or None} for every consent purpose.

    The state is derived from the history and never stored separately, so it
    cannot disagree with the evidence.
    """
    latest = ConsentRecord.objects.filter(member=member, purpose=OuterRef("purpose")).order_by("-recorded_at", "-id")
    records = ConsentRecord.objects.filter(member=member, id=Subquery(latest.values("id")[:1]))
    by_purpose = {record.purpose: record for record in records}
    return {purpose: by_purpose.get(purpose) for purpose in ConsentPurpose.values}


def consent_is_granted(member, purpose):
    record = member.consent_records.filter(purpose=purpose).order_by("-recorded_at", "-id").first()
    return bool(record and record.granted)


def member_search(term, *, queryset=None):
    """Members matching what staff typed: the exact external id, email or
    phone, or the beginning of the last name, optionally followed by the
    beginning of the first name (or the first name, then the last name).

    Every branch is answered by an index (external id, Lower(email), phone,
    Lower(last_name) + Lower(first_name)), so a search stays fast over
    millions of members, where ``icontains`` over every column would read the
    whole table. A malformed email or phone simply matches nothing.
    """
    queryset = Member.objects.all() if queryset is None else queryset
    term = " ".join(term.split())
    if not term:
        return queryset
    condition = Q(external_id=term)
    if "@" in term:
        with contextlib.suppress(ValidationError):
            condition |= Q(email_lower=normalise_email(term))
    else:
        condition |= _starts_with("last_name_lower", term.lower())
        words = term.lower().split(" ")
        if len(words) > 1:
            condition |= _starts_with("last_name_lower", words[0]) & _starts_with("first_name_lower", words[1])
            condition |= _starts_with("last_name_lower", words[1]) & _starts_with("first_name_lower", words[0])
    try:
        phone = normalise_phone(term)
    except ValidationError:
        phone = None
    if phone:
        condition |= Q(phone=phone)
    return queryset.alias(
        email_lower=Lower("email"), last_name_lower=Lower("last_name"), first_name_lower=Lower("first_name")
    ).filter(condition)


def _starts_with(alias, prefix):
    """``alias`` starts with ``prefix``: LIKE 'prefix%', answered on PostgreSQL
    by the pattern index of migration 0002 under any collation."""
    return Q(**{f"{alias}__startswith": prefix})


def consent_history(member):
    """Every grant and withdrawal of the member, newest first: the evidence staff see."""
    return ConsentRecord.objects.filter(member=member).order_by("-recorded_at", "-id")


def consent_text_current(purpose, *, now=None):
    """The latest published text of a consent, or None if the merchant has none."""
    return (
        ConsentText.objects.filter(purpose=purpose, published_at__lte=now or timezone.now())
        .order_by("-published_at", "-id")
        .first()
    )


def member_events(member):
    return MemberEvent.objects.filter(member=member).order_by("-occurred_at", "-id")
