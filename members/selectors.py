"""Reads of members and their consents."""

from django.db.models import OuterRef, Subquery

from .models import ConsentPurpose, ConsentRecord, Member
from .validation import normalise_email, normalise_phone


def member_find(*, external_id=None, email=None, phone=None):
    """The member with this external id, email or phone, or None.

    Raises ValidationError when an email or phone is malformed, so a typo is
    reported instead of looking like an unknown member.
    """
    if external_id:
        return Member.objects.filter(external_id=external_id).first()
    if email:
        return Member.objects.filter(email=normalise_email(email)).first()
    if phone:
        return Member.objects.filter(phone=normalise_phone(phone)).first()
    return None


def consent_current_states(member):
    """{purpose: latest ConsentRecord or None} for every consent purpose.

    The state is derived from the history and never stored separately, so it
    cannot disagree with the evidence.
    """
    latest = ConsentRecord.objects.filter(member=member, purpose=OuterRef("purpose")).order_by(
        "-recorded_at", "-id"
    )
    records = ConsentRecord.objects.filter(member=member, id=Subquery(latest.values("id")[:1]))
    by_purpose = {record.purpose: record for record in records}
    return {purpose: by_purpose.get(purpose) for purpose in ConsentPurpose.values}


def consent_is_granted(member, purpose):
    record = member.consent_records.filter(purpose=purpose).order_by("-recorded_at", "-id").first()
    return bool(record and record.granted)
