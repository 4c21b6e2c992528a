"""Writes of the personal cabinet: sign-up, verification, sign-in, password
reset, profile and consents, the "my data" export and erasure.

Links in emails are built by the caller (``build_url(path)``, usually
``request.build_absolute_uri``), so these functions never see a request.
"""

import datetime

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Channel, ConsentPurpose, ConsentRecord, Credentials, Member, MemberEvent
from ..selectors import consent_current_states, members_with_email
from ..services import consent_record, member_enrol, member_update
from ..validation import normalise_email, normalise_phone
from .auth import email_throttle, member_uid, reset_tokens, verification_tokens
from .registry import cabinet

# A hash to check against when nobody has the identifier typed, so a failed
# sign-in takes as long whether or not the account exists.
_DUMMY_PASSWORD = "members.cabinet.no-such-account"
MARKETING_PURPOSES = (ConsentPurpose.MARKETING_EMAIL, ConsentPurpose.MARKETING_SMS, ConsentPurpose.MARKETING_PUSH)


class SignInRefused(Exception):
    """``reason``: "invalid" (wrong identifier or password: one message for
    both), "unverified" (right password, email not verified yet; a new link was
    sent), or "throttled"."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)


def event_log(member, kind, *, changes=None, channel=Channel.CABINET, now=None):
    return MemberEvent.objects.create(
        member=member, kind=kind, changes=changes or {}, channel=channel, occurred_at=now or timezone.now()
    )


def _send(template, *, member, subject, **context):
    settings_ = cabinet.settings()
    body = render_to_string(template, {"member": member, "program_name": settings_.name, **context})
    send_mail(f"{settings_.name}: {subject}", body, None, [member.email])


def _send_verification(credentials, build_url):
    if email_throttle().blocked(credentials.member.email):
        return
    email_throttle().hit(credentials.member.email)
    path = reverse(
        "cabinet:verify_email",
        kwargs={"uid": member_uid(credentials.member), "token": verification_tokens.make_token(credentials)},
    )
    _send(
        "cabinet/email/verify_email.txt",
        member=credentials.member,
        subject=_("confirm your email"),
        link=build_url(path),
    )


@transaction.atomic
def sign_up(*, email, password, first_name="", language, consents, build_url, now=None):
    """Sign up with an email and password. ``consents`` is [(purpose, granted,
    text_version)]; the personal-data one must be granted.

    * No member has the email: a member is enrolled (channel: cabinet) with
      the consents, and a verification link is emailed.
    * A member has it, without verified credentials (a storefront enrolled
      them, or an earlier sign-up was never verified): the new password waits
      beside the member, the consents with it, until the link in the mailbox
      is followed. Whoever controls the mailbox owns the account.
    * A member has it with verified credentials: nothing changes; an email
      tells the owner someone tried (the page says the same in every case, so
      it reveals nothing about which emails have accounts).
    """
    now = now or timezone.now()
    email = normalise_email(email)
    validate_password(password)
    member = members_with_email(email).select_for_update().first()
    if member is not None and member.status != Member.Status.ACTIVE:
        return None
    if member is None:
        member = member_enrol(
            email=email,
            first_name=first_name,
            language=language,
            channel=Channel.CABINET,
            enrolled_at=now,
            consents=consents,
        )
        credentials = Credentials.objects.create(
            member=member, password=make_password(password), created_at=now, password_changed_at=now
        )
        event_log(member, MemberEvent.Kind.SIGNED_UP, now=now)
        _send_verification(credentials, build_url)
        return member
    credentials = Credentials.objects.filter(member=member).first()
    if credentials is not None and credentials.is_verified:
        if not email_throttle().blocked(email):
            email_throttle().hit(email)
            _send(
                "cabinet/email/already_registered.txt",
                member=member,
                subject=_("you already have an account"),
                sign_in=build_url(reverse("cabinet:sign_in")),
                reset=build_url(reverse("cabinet:password_reset")),
            )
        return member
    pending = [[purpose, granted, version] for purpose, granted, version in consents]
    if credentials is None:
        credentials = Credentials(member=member, created_at=now)
    credentials.password = make_password(password)
    credentials.password_changed_at = now
    credentials.pending_consents = pending
    credentials.save()
    event_log(member, MemberEvent.Kind.SIGNED_UP, changes={"claim": True}, now=now)
    _send_verification(credentials, build_url)
    return member


@transaction.atomic
def email_verify(*, credentials, now=None):
    """The member followed the link: the email is theirs, the credentials sign
    in, and consents given at a claiming sign-up are recorded."""
    now = now or timezone.now()
    credentials = Credentials.objects.select_for_update().select_related("member").get(pk=credentials.pk)
    if credentials.is_verified:
        return credentials
    credentials.email_verified_at = now
    for purpose, granted, version in credentials.pending_consents:
        consent_record(
            member=credentials.member,
            purpose=purpose,
            granted=granted,
            text_version=version,
            channel=Channel.CABINET,
            recorded_at=now,
        )
    credentials.pending_consents = []
    credentials.save(update_fields=["email_verified_at", "pending_consents"])
    event_log(credentials.member, MemberEvent.Kind.EMAIL_VERIFIED, now=now)
    return credentials


def _find_for_sign_in(identifier):
    identifier = (identifier or "").strip()
    try:
        if "@" in identifier:
            queryset = members_with_email(normalise_email(identifier))
        else:
            queryset = Member.objects.filter(phone=normalise_phone(identifier))
    except Exception:  # a malformed identifier is just a wrong one  # noqa: BLE001
        return None
    member = queryset.filter(status=Member.Status.ACTIVE).select_related("credentials").first()
    return getattr(member, "credentials", None) if member is not None else None


def _identifier_key(identifier):
    """The throttle's key for what was typed: one per account whatever the
    spelling (+7 916 123-45-67 and 89161234567 count together)."""
    identifier = (identifier or "").strip()
    try:
        normalised = normalise_email(identifier) if "@" in identifier else normalise_phone(identifier)
    except Exception:  # noqa: BLE001 - a malformed identifier counts as typed
        normalised = None
    return normalised or identifier.lower()


def sign_in_check(*, identifier, password, address, throttles, build_url, now=None):
    """The credentials that ``identifier`` (an email or phone) and ``password``
    open, or SignInRefused. Each failure counts against the identifier and the
    address; a success clears the identifier's count."""
    now = now or timezone.now()
    by_identifier, by_address = throttles
    key = _identifier_key(identifier)
    if by_identifier.blocked(key) or by_address.blocked(address):
        raise SignInRefused("throttled")
    credentials = _find_for_sign_in(identifier)
    if credentials is None:
        check_password(password, make_password(_DUMMY_PASSWORD))
        valid = False
    else:
        valid = check_password(password, credentials.password)
    if not valid:
        by_identifier.hit(key)
        by_address.hit(address)
        raise SignInRefused("invalid")
    by_identifier.reset(key)
    if not credentials.is_verified:
        _send_verification(credentials, build_url)
        raise SignInRefused("unverified")
    Credentials.objects.filter(pk=credentials.pk).update(last_login_at=now)
    event_log(credentials.member, MemberEvent.Kind.SIGNED_IN, now=now)
    return credentials


def password_reset_request(*, email, build_url):
    """Email a reset link if a member with cabinet credentials has ``email``.
    The caller shows the same answer whatever happened."""
    try:
        email = normalise_email(email)
    except Exception:  # noqa: BLE001
        return
    member = members_with_email(email).filter(status=Member.Status.ACTIVE).select_related("credentials").first()
    credentials = getattr(member, "credentials", None) if member is not None else None
    if credentials is None or email_throttle().blocked(email):
        return
    email_throttle().hit(email)
    path = reverse(
        "cabinet:password_reset_confirm",
        kwargs={"uid": member_uid(member), "token": reset_tokens.make_token(credentials)},
    )
    _send(
        "cabinet/email/password_reset.txt",
        member=member,
        subject=_("reset your password"),
        link=build_url(path),
    )


@transaction.atomic
def password_set(*, credentials, password, now=None):
    """A new password from a reset link. Following the link proves the
    mailbox too, so unverified credentials become verified."""
    now = now or timezone.now()
    validate_password(password)
    credentials = Credentials.objects.select_for_update().select_related("member").get(pk=credentials.pk)
    credentials.password = make_password(password)
    credentials.password_changed_at = now
    credentials.save(update_fields=["password", "password_changed_at"])
    event_log(credentials.member, MemberEvent.Kind.PASSWORD_RESET, now=now)
    if not credentials.is_verified:
        email_verify(credentials=credentials, now=now)
        credentials.refresh_from_db()
    return credentials


def _jsonable(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def profile_changes_log(member, before, *, channel=Channel.CABINET, now=None):
    """Log what changed since ``before`` ({field: old value}) as one event with old and new values."""
    changed = {
        field: [_jsonable(old), _jsonable(getattr(member, field))]
        for field, old in before.items()
        if old != getattr(member, field)
    }
    if changed:
        event_log(member, MemberEvent.Kind.PROFILE_CHANGED, changes=changed, channel=channel, now=now)
    return changed


@transaction.atomic
def profile_update(*, member, changes, now=None):
    """Change the member's own profile. A birth date, once set, is changed
    only by support (it drives birthday bonuses). Every change is logged
    with the old and new values."""
    now = now or timezone.now()
    if "birth_date" in changes and member.birth_date is not None:
        changes = {field: value for field, value in changes.items() if field != "birth_date"}
    allowed = {"first_name", "last_name", "phone", "language", "birth_date"}
    if set(changes) - allowed:
        raise TypeError(f"Members may not change {sorted(set(changes) - allowed)} themselves.")
    before = {field: getattr(member, field) for field in changes}
    member_update(member=member, **changes)
    return profile_changes_log(member, before, now=now)


@transaction.atomic
def consents_update(*, member, wanted, versions, now=None):
    """Grant or withdraw marketing consents: ``wanted`` is {purpose: bool},
    ``versions`` {purpose: text version shown}. Only real changes are
    recorded, each as a consent record and an event."""
    now = now or timezone.now()
    current = consent_current_states(member)
    changed = {}
    for purpose, granted in wanted.items():
        record = current.get(purpose)
        if bool(record and record.granted) == granted:
            continue
        consent_record(
            member=member,
            purpose=purpose,
            granted=granted,
            text_version=versions.get(purpose, "") if granted else (record.text_version if record else ""),
            channel=Channel.CABINET,
            recorded_at=now,
        )
        changed[purpose] = granted
    if changed:
        event_log(member, MemberEvent.Kind.CONSENT_CHANGED, changes=changed, now=now)
    return changed


# My data


def data_export(member, *, now=None):
    """Everything the platform holds about the member, as JSON-able data:
    the profile, consents, the event log, and what the apps above add."""
    now = now or timezone.now()
    credentials = Credentials.objects.filter(member=member).first()
    data = {
        "exported_at": now.isoformat(),
        "member": {
            "id": member.pk,
            "external_id": member.external_id,
            "email": member.email,
            "phone": member.phone,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "birth_date": _jsonable(member.birth_date),
            "language": member.language,
            "status": member.status,
            "enrolled_at": member.enrolled_at.isoformat(),
            "enrolment_channel": member.enrolment_channel,
            "enrolment_storefront": member.enrolment_storefront,
        },
        "cabinet_account": None
        if credentials is None
        else {
            "created_at": credentials.created_at.isoformat(),
            "email_verified_at": _jsonable(credentials.email_verified_at),
            "password_changed_at": credentials.password_changed_at.isoformat(),
            "last_sign_in_at": _jsonable(credentials.last_login_at),
        },
        "consents": [
            {
                "purpose": record.purpose,
                "granted": record.granted,
                "text_version": record.text_version,
                "recorded_at": record.recorded_at.isoformat(),
                "channel": record.channel,
                "storefront": record.storefront,
            }
            for record in ConsentRecord.objects.filter(member=member).order_by("recorded_at", "id")
        ],
        "events": [
            {
                "event": event.kind,
                "changes": event.changes,
                "channel": event.channel,
                "at": event.occurred_at.isoformat(),
            }
            for event in MemberEvent.objects.filter(member=member).order_by("occurred_at", "id")
        ],
    }
    data.update(cabinet.exports(member))
    event_log(member, MemberEvent.Kind.DATA_EXPORTED, now=now)
    return data


@transaction.atomic
def member_erase(*, member, channel=Channel.CABINET, now=None):
    """Delete the member's account: personal data is anonymised, every granted
    consent is withdrawn with a record, the credentials go, and the apps above
    run their erasure handlers. The member row, its ledger and every aggregate
    stay whole, so balances, liability and analytics still add up."""
    now = now or timezone.now()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.ANONYMISED:
        return member
    for purpose, record in consent_current_states(member).items():
        if record is not None and record.granted:
            consent_record(
                member=member,
                purpose=purpose,
                granted=False,
                text_version=record.text_version,
                channel=channel,
                recorded_at=now,
            )
    Credentials.objects.filter(member=member).delete()
    MemberEvent.objects.filter(member=member).exclude(changes={}).update(changes={})
    member.external_id = None
    member.email = None
    member.phone = None
    member.first_name = ""
    member.last_name = ""
    member.birth_date = None
    member.status = Member.Status.ANONYMISED
    member.save(
        update_fields=["external_id", "email", "phone", "first_name", "last_name", "birth_date", "status", "updated_at"]
    )
    cabinet.erase(member, now)
    event_log(member, MemberEvent.Kind.ERASED, channel=channel, now=now)
    return member


def credentials_set_for_demo(*, member, password, now=None):
    """Verified credentials with a known password, for the demo's sample member only."""
    now = now or timezone.now()
    credentials, _created = Credentials.objects.update_or_create(
        member=member,
        defaults={
            "password": make_password(password),
            "email_verified_at": now,
            "password_changed_at": now,
            "pending_consents": [],
        },
    )
    return credentials
