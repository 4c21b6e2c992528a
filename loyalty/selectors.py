"""Reads of the program and the ledger."""

import datetime

from django.db import connection
from django.db.models import DateField, DateTimeField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import TruncDate

from members.models import Member

from .caching import ProcessCache
from .models import Account, Entry, Hold, Lot, Program
from .rules import program_zone


def program_for_change():
    """The program settings row read from the database now, created with
    defaults on first use: the one to change and save."""
    program, _ = Program.objects.get_or_create(pk=Program.SINGLETON_ID)
    return program


_program_cache = ProcessCache(program_for_change, models=[Program])


def program_get():
    """The program settings, created with defaults on first use. Cached in the
    process for a few seconds (loyalty/caching.py): read-only for callers."""
    return _program_cache.get()


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


def _expiring_days(member, program):
    """Open lots grouped by their last valid day in the program time zone.
    ``expires_at`` is the exclusive end of that day, so the day is the local
    date of the microsecond before it."""
    last_day = TruncDate(
        ExpressionWrapper(F("expires_at") - Value(datetime.timedelta(microseconds=1)), output_field=DateTimeField()),
        tzinfo=program_zone(program),
    )
    return (
        Lot.objects.filter(account_id=member.pk, remaining__gt=0, expires_at__isnull=False)
        .annotate(date=last_day)
        .values("date")
        .annotate(points=Sum("remaining"))
        .order_by("date")
    )


def _pending_days(member, program):
    """Pending lots grouped by the local day they become available: at most
    as many as the pending period has days."""
    return (
        Lot.objects.filter(account_id=member.pk, remaining__gt=0, is_pending=True)
        .annotate(date=TruncDate("available_at", tzinfo=program_zone(program)))
        .values("date")
        .annotate(points=Sum("remaining"))
        .order_by("date")
    )


def points_expiring_for(member, program, *, limit):
    """The next ``limit`` days on which points expire: [{"date", "points"}], in one query."""
    return list(_expiring_days(member, program)[:limit])


def points_pending_for(member, program):
    """The days pending points become available: [{"date", "points"}], in one query."""
    return list(_pending_days(member, program))


def points_schedule_for(member, program, *, expiring_limit):
    """Both of the above in one query: {"expiring": the next ``expiring_limit``
    expiry days, "pending": the days pending points become available}.

    The member read shows both on every call, so they share a round trip:
    the two grouped selects are compiled by the ORM as above and joined with
    UNION ALL (each in a subquery, where its LIMIT and ORDER BY are allowed
    on PostgreSQL and SQLite alike).
    """
    parts = {"expiring": _expiring_days(member, program)[:expiring_limit], "pending": _pending_days(member, program)}
    selects, params = [], []
    for name, days in parts.items():
        sql, part_params = days.query.sql_with_params()
        selects.append(f"SELECT %s, date, points FROM ({sql}) AS {name}")
        params += [name, *part_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    schedule = {name: [] for name in parts}
    day = DateField()
    for name, date, points in rows:
        schedule[name].append({"date": day.to_python(date), "points": points})
    for days in schedule.values():
        days.sort(key=lambda row: row["date"])
    return schedule


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
