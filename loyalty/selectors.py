"""Reads of the program and the ledger."""

import datetime

from django.db.models import DateTimeField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import TruncDate

from members.models import Member

from .models import Account, Entry, Hold, Lot, Program
from .rules import program_zone


def program_get():
    """The program settings row, created with defaults on first use."""
    program, _ = Program.objects.get_or_create(pk=Program.SINGLETON_ID)
    return program


def account_get(member):
    """The member's account, or an unsaved empty one if nothing was ever credited."""
    return Account.objects.filter(member=member).first() or Account(member=member)


def entries_for(member):
    return Entry.objects.filter(account_id=member.pk).order_by("-occurred_at", "-id")


def lots_open_for(member):
    """Lots with points left, soonest-expiring first (the order they are spent in)."""
    return Lot.objects.filter(account_id=member.pk, remaining__gt=0).order_by("is_pending", "expires_at", "id")


def holds_active_for(member):
    return Hold.objects.filter(account_id=member.pk, status=Hold.Status.ACTIVE).order_by("created_at")


def members_with_account():
    """Members with their points account in the same query (None where nothing was ever credited)."""
    return Member.objects.select_related("points_account")


def points_expiring_for(member, program, *, limit):
    """The next ``limit`` days on which points expire: [{"date", "points"}].

    Open lots are grouped by their last valid day in the program time zone.
    ``expires_at`` is the exclusive end of that day, so the day is the local
    date of the microsecond before it. One query, however many lots.
    """
    last_day = TruncDate(
        ExpressionWrapper(F("expires_at") - Value(datetime.timedelta(microseconds=1)), output_field=DateTimeField()),
        tzinfo=program_zone(program),
    )
    days = (
        Lot.objects.filter(account_id=member.pk, remaining__gt=0, expires_at__isnull=False)
        .annotate(date=last_day)
        .values("date")
        .annotate(points=Sum("remaining"))
        .order_by("date")
    )
    return list(days[:limit])


def points_pending_for(member, program):
    """The days pending points become available: [{"date", "points"}], in one query.

    There are at most as many as the pending period has days.
    """
    days = (
        Lot.objects.filter(account_id=member.pk, remaining__gt=0, is_pending=True)
        .annotate(date=TruncDate("available_at", tzinfo=program_zone(program)))
        .values("date")
        .annotate(points=Sum("remaining"))
        .order_by("date")
    )
    return list(days)


def entries_history(member, *, kind=None, occurred_after=None, occurred_before=None):
    """The member's entries with their orders, filtered; the caller pages them."""
    entries = Entry.objects.filter(account_id=member.pk).select_related("order")
    if kind:
        entries = entries.filter(kind=kind)
    if occurred_after is not None:
        entries = entries.filter(occurred_at__gte=occurred_after)
    if occurred_before is not None:
        entries = entries.filter(occurred_at__lt=occurred_before)
    return entries
