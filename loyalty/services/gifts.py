"""Gifts of points between members, within the program's gift settings.

A gift is a ``ledger.points_transfer`` (the recipient's points keep the
expiry dates of the points sent). The limits are checked after both accounts
are locked, in primary-key order like every ledger writer, so two gifts of one
member in the same second cannot both squeeze under the monthly limit.
"""

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from members.cabinet.numbers import member_id_from_number
from members.models import Member
from members.selectors import members_with_email
from members.validation import normalise_email

from ..exceptions import GiftNotAllowed, InvalidPoints
from ..models import Entry
from ..rules import end_of_local_day, local_date
from ..selectors import program_get
from . import ledger

GIFT_REASON = "Gift"


def gift_recipient_find(identifier):
    """The active member an email or member number names, or None."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        try:
            email = normalise_email(identifier)
        except Exception:  # noqa: BLE001 - a malformed email names nobody
            return None
        return members_with_email(email).filter(status=Member.Status.ACTIVE).first()
    member_id = member_id_from_number(identifier)
    if member_id is None:
        return None
    return Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).first()


def month_start(now, program):
    """The first instant of the current calendar month in the program time zone."""
    first_day = local_date(now, program).replace(day=1)
    return end_of_local_day(first_day - datetime.timedelta(days=1), program)


def gifted_this_month(member, program, *, now):
    return Entry.objects.filter(
        account_id=member.pk,
        kind=Entry.Kind.TRANSFER,
        available_delta__lt=0,
        occurred_at__gte=month_start(now, program),
    ).aggregate(total=Sum("points", default=0))["total"]


def gift_limits(member, program, *, now):
    """{"enabled", "min", "max", "monthly", "left_this_month"} for the gift form."""
    left = None
    if program.gift_monthly_limit is not None:
        left = max(program.gift_monthly_limit - gifted_this_month(member, program, now=now), 0)
    return {
        "enabled": program.gifts_enabled,
        "min": program.gift_min_points,
        "max": program.gift_max_points,
        "monthly": program.gift_monthly_limit,
        "left_this_month": left,
    }


def gift_check(*, sender, recipient, points, program, now):
    """Raise GiftNotAllowed (or InvalidPoints) when the program's settings refuse the gift."""
    if not program.gifts_enabled:
        raise GiftNotAllowed(_("Gifts of points are switched off in this program."), reason="disabled")
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise InvalidPoints(points=points)
    if recipient is None or recipient.pk == sender.pk:
        raise GiftNotAllowed(_("Choose another member to send points to."), reason="recipient")
    if points < program.gift_min_points:
        raise GiftNotAllowed(
            _("The smallest gift is %(points)s points.") % {"points": program.gift_min_points}, reason="too_small"
        )
    if program.gift_max_points is not None and points > program.gift_max_points:
        raise GiftNotAllowed(
            _("The largest gift is %(points)s points.") % {"points": program.gift_max_points}, reason="too_large"
        )


@transaction.atomic
def points_gift(*, sender, recipient, points, now=None, idempotency_key=None):
    """Send ``points`` of the sender's available points to ``recipient``.
    Returns (sender's entry, recipient's entry). Raises GiftNotAllowed and the
    ledger's errors (InsufficientPoints, MemberNotActive)."""
    now = now or timezone.now()
    program = program_get()
    gift_check(sender=sender, recipient=recipient, points=points, program=program, now=now)
    if idempotency_key is not None and Entry.objects.filter(idempotency_key=idempotency_key).exists():
        return ledger.points_transfer(
            sender=sender,
            recipient=recipient,
            points=points,
            reason=GIFT_REASON,
            now=now,
            idempotency_key=idempotency_key,
        )
    for member in sorted((sender, recipient), key=lambda member: member.pk):
        ledger.account_lock(member=member, now=now)
    if program.gift_monthly_limit is not None:
        left = program.gift_monthly_limit - gifted_this_month(sender, program, now=now)
        if points > left:
            raise GiftNotAllowed(
                _("You can give away %(left)s more points this month (the limit is %(limit)s).")
                % {"left": max(left, 0), "limit": program.gift_monthly_limit},
                reason="monthly_limit",
            )
    return ledger.points_transfer(
        sender=sender, recipient=recipient, points=points, reason=GIFT_REASON, now=now, idempotency_key=idempotency_key
    )
