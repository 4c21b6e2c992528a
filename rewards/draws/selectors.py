"""Reads of prize draws."""

from django.db.models import IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..models import Coupon, DrawEntry, PrizeDraw


def _tickets(**filters):
    entries = DrawEntry.objects.filter(draw_id=OuterRef("pk"), **filters)
    total = entries.order_by().values("draw_id").annotate(total=Sum("tickets")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def draws_listed():
    """Published draws not drawn yet (open for tickets, or about to open or to
    be drawn), soonest first, with ``tickets_total``."""
    return (
        PrizeDraw.objects.filter(is_active=True, drawn_at__isnull=True)
        .select_related("prize")
        .annotate(tickets_total=_tickets())
        .order_by("draw_at", "pk")
    )


def draw_published(draw_id):
    return PrizeDraw.objects.filter(is_active=True, pk=draw_id).first()


def draw_results(draw_id):
    """A published draw with ``tickets_total`` and its prize coupons in
    ``winner_coupons`` (in the order the winners were drawn, which is the
    order they were issued in), or None."""
    winners = Coupon.objects.select_related("member").order_by("pk")
    return (
        PrizeDraw.objects.filter(is_active=True, pk=draw_id)
        .select_related("prize")
        .annotate(tickets_total=_tickets())
        .prefetch_related(Prefetch("prize_coupons", queryset=winners, to_attr="winner_coupons"))
        .first()
    )


def member_draws(member):
    """Draws the member has tickets in, newest draw first, with
    ``member_tickets``, ``tickets_total``, and the coupon they won, if they
    did, in ``member_prizes``."""
    prizes = Coupon.objects.filter(member=member).select_related("reward", "order")
    return (
        PrizeDraw.objects.filter(pk__in=DrawEntry.objects.filter(member=member).values("draw_id"))
        .select_related("prize")
        .annotate(member_tickets=_tickets(member=member), tickets_total=_tickets())
        .prefetch_related(Prefetch("prize_coupons", queryset=prizes, to_attr="member_prizes"))
        .order_by("-draw_at", "-pk")
    )


def member_tickets(draw, member):
    return DrawEntry.objects.filter(draw=draw, member=member).aggregate(total=Sum("tickets", default=0))["total"]


def draws_due(now):
    """Draws whose time has come and that were not drawn."""
    return PrizeDraw.objects.filter(drawn_at__isnull=True, draw_at__lte=now).order_by("draw_at", "pk")


def draw_entries_in_order(draw):
    """(entry id, member id, tickets) of the draw in the order of their ids: the row the draw is made from."""
    return list(DrawEntry.objects.filter(draw=draw).order_by("pk").values_list("pk", "member_id", "tickets"))
