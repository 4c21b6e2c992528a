"""Shopper sessions, signed tokens and the throttle of failed sign-ins.

Shoppers are members with ``Credentials``, not Django users: the session
keeps the member's id under its own key and a digest of the password hash,
so changing the password (a reset) ends every other session, as Django does
for staff. Signing in rotates the session key (no session fixation); signing
out flushes the session.
"""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode

from ..models import Credentials, Member

SESSION_MEMBER_KEY = "_cabinet_member_id"
SESSION_HASH_KEY = "_cabinet_member_hash"


def _session_hash(credentials):
    return salted_hmac("members.cabinet.session", credentials.password, algorithm="sha256").hexdigest()


def session_login(request, credentials):
    """Sign the member in: a new session key, then the member's id in the session."""
    request.session.cycle_key()
    request.session[SESSION_MEMBER_KEY] = credentials.member_id
    request.session[SESSION_HASH_KEY] = _session_hash(credentials)
    request._cabinet_member = credentials.member


def session_logout(request):
    request.session.flush()
    request._cabinet_member = None


def session_member(request):
    """The signed-in, active member with verified credentials, or None."""
    if hasattr(request, "_cabinet_member"):
        return request._cabinet_member
    member = None
    member_id = request.session.get(SESSION_MEMBER_KEY)
    if member_id is not None:
        credentials = (
            Credentials.objects.select_related("member")
            .filter(member_id=member_id, email_verified_at__isnull=False, member__status=Member.Status.ACTIVE)
            .first()
        )
        if credentials is not None and constant_time_compare(
            request.session.get(SESSION_HASH_KEY, ""), _session_hash(credentials)
        ):
            member = credentials.member
        else:
            request.session.flush()
    request._cabinet_member = member
    return member


def member_required(view):
    """The view gets ``request.member``; anonymous visitors go to sign-in and come back."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        member = session_member(request)
        if member is None:
            return redirect(f"{reverse('cabinet:sign_in')}?{urlencode({'next': request.get_full_path()})}")
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request, default):
    """The ``next`` address if it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# Signed tokens: the email verification and password reset links


class _CredentialsTokenGenerator(PasswordResetTokenGenerator):
    """PasswordResetTokenGenerator's timed HMAC over the state a link may
    change: once it did (the email was verified, the password changed), the
    link no longer works. Valid for PASSWORD_RESET_TIMEOUT."""

    def __init__(self, purpose):
        self.key_salt = f"members.cabinet.{purpose}"
        super().__init__()

    def _make_hash_value(self, credentials, timestamp):
        member = credentials.member
        verified = "" if credentials.email_verified_at is None else credentials.email_verified_at.isoformat()
        return f"{member.pk}{credentials.password}{member.email or ''}{verified}{timestamp}"


verification_tokens = _CredentialsTokenGenerator("verify-email")
reset_tokens = _CredentialsTokenGenerator("reset-password")


def member_uid(member):
    return urlsafe_base64_encode(force_bytes(member.pk))


def credentials_from_uid(uid):
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        return None
    return (
        Credentials.objects.select_related("member").filter(member_id=pk, member__status=Member.Status.ACTIVE).first()
    )


# The throttle of failed sign-ins


class Throttle:
    """Counts failures per key in Django's cache over a fixed window.

    Keys are the identifier typed (an email or phone, whether or not a member
    has it, so the throttle says nothing about which exist) and the client's
    address; either reaching its limit blocks sign-in for the window.
    """

    def __init__(self, name, *, limit, window):
        self.name, self.limit, self.window = name, limit, window

    def _key(self, value):
        digest = salted_hmac("members.cabinet.throttle", value.lower(), algorithm="sha256").hexdigest()
        return f"cabinet-throttle:{self.name}:{digest}"

    def blocked(self, value):
        return cache.get(self._key(value), 0) >= self.limit

    def hit(self, value):
        key = self._key(value)
        if cache.add(key, 1, self.window):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, self.window)

    def reset(self, value):
        cache.delete(self._key(value))


def _setting(name, default):
    return getattr(settings, name, default)


def sign_in_throttles():
    window = _setting("CABINET_SIGN_IN_WINDOW_SECONDS", 15 * 60)
    return (
        Throttle("identifier", limit=_setting("CABINET_SIGN_IN_FAILURES_PER_ACCOUNT", 5), window=window),
        Throttle("address", limit=_setting("CABINET_SIGN_IN_FAILURES_PER_ADDRESS", 20), window=window),
    )


def email_throttle():
    """At most a few verification or reset emails per address an hour: no mail bombing through the forms."""
    return Throttle("email", limit=_setting("CABINET_EMAILS_PER_ADDRESS_PER_HOUR", 5), window=60 * 60)


def client_address(request):
    """The client's address as the server sees it (behind a proxy, configure it to set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
