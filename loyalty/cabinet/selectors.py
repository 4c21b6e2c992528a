"""What the cabinet shows of the points ledger (reads only). Every query is
filtered by the member's own account: nothing here can reach another
member's rows."""

import datetime

from django.db.models import Case, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from members.cabinet.numbers import public_name

from ..models import Entry, Order
from ..rules import end_of_local_day, local_date, money_for_points
from ..selectors import account_get, entries_history, points_expiring_for, points_pending_for
from .explain import describe, source_describers

EXPIRY_WARNING_DAYS = 30
EXPIRY_HORIZON_DAYS = 90


def balance_summary(member, program):
    account = account_get(member)
    available = max(account.available, 0)
    return {
        "account": account,
        "available": available,
        "pending": account.pending,
        "held": account.held,
        "available_value": money_for_points(available, program),
        "pending_value": money_for_points(account.pending, program),
        "held_value": money_for_points(account.held, program),
        "currency": program.currency,
        "pending_days": points_pending_for(member, program)[:3],
    }


def expiring_soon(member, program, *, now):
    """The next days on which points expire within the horizon, each with
    ``soon`` when it is within the warning period."""
    today = local_date(now, program)
    horizon = end_of_local_day(today + datetime.timedelta(days=EXPIRY_HORIZON_DAYS), program)
    days = []
    for day in points_expiring_for(member, program, limit=5):
        if end_of_local_day(day["date"], program) > horizon:
            break
        days.append(
            {
                **day,
                "value": money_for_points(day["points"], program),
                "soon": day["date"] <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
            }
        )
    return days


def history_entries(member, *, kind=None, occurred_after=None, occurred_before=None):
    return (
        entries_history(member, kind=kind, occurred_after=occurred_after, occurred_before=occurred_before)
        .select_related("order", "source_type", "lot", "counterpart__account__member")
        .order_by("-occurred_at", "-id")
    )


def explain_entries(entries):
    """[(entry, text)] for a page of entries: transfer partners and higher
    apps' sources are read in a few queries for the whole page."""
    entries = list(entries)
    outgoing = [entry.pk for entry in entries if entry.kind == Entry.Kind.TRANSFER and entry.available_delta < 0]
    recipients = {
        incoming.counterpart_id: incoming.account.member
        for incoming in Entry.objects.filter(counterpart_id__in=outgoing).select_related("account__member")
    }
    sources = source_describers.describe(entries)
    explained = []
    for entry in entries:
        partner = None
        if entry.kind == Entry.Kind.TRANSFER:
            if entry.available_delta < 0:
                other = recipients.get(entry.pk)
            else:
                other = entry.counterpart.account.member if entry.counterpart_id else None
            partner = public_name(other) if other is not None else None
        explained.append((entry, describe(entry, partner=partner, source_text=sources.get(entry.pk))))
    return explained


def _order_points(kinds_plus, kinds_minus, member):
    signed = Case(
        When(kind__in=kinds_plus, then="points"),
        When(kind__in=kinds_minus, then=-1 * Coalesce("points", Value(0))),
        default=Value(0),
        output_field=IntegerField(),
    )
    per_order = (
        Entry.objects.filter(order=OuterRef("pk"), account_id=member.pk)
        .order_by()
        .values("order")
        .annotate(total=Sum(signed))
        .values("total")
    )
    return Coalesce(Subquery(per_order, output_field=IntegerField()), Value(0))


def member_orders(member):
    """The member's orders, newest first, with the points each earned and
    spent net of returns (``earned_net``, ``spent_net``)."""
    return (
        Order.objects.filter(member=member)
        .select_related("storefront")
        .annotate(
            earned_net=_order_points((Entry.Kind.EARN,), (Entry.Kind.CLAWBACK,), member),
            spent_net=_order_points((Entry.Kind.CAPTURE, Entry.Kind.SPEND), (Entry.Kind.REFUND,), member),
        )
        .order_by("-placed_at", "-id")
    )


def member_order_get(member, pk):
    """The member's own order, or 404: another member's order does not exist here."""
    return get_object_or_404(member_orders(member).prefetch_related("lines"), pk=pk)


def order_entries(member, order):
    return (
        Entry.objects.filter(account_id=member.pk, order=order)
        .select_related("order", "source_type")
        .order_by("occurred_at", "id")
    )


def entries_export(member):
    return [
        {
            "id": entry.pk,
            "kind": entry.kind,
            "points": entry.signed_points,
            "available_delta": entry.available_delta,
            "pending_delta": entry.pending_delta,
            "held_delta": entry.held_delta,
            "order": entry.order.number if entry.order_id else None,
            "reason": entry.reason,
            "occurred_at": entry.occurred_at.isoformat(),
        }
        for entry in Entry.objects.filter(account_id=member.pk).select_related("order").order_by("occurred_at", "id")
    ]
