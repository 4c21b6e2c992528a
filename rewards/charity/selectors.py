"""Reads of charity: causes with what was given to them and what is left to transfer."""

from django.db.models import DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..models import Cause, Donation

_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _total(column, output_field, **filters):
    donations = Donation.objects.filter(cause_id=OuterRef("pk"), **filters)
    total = donations.order_by().values("cause_id").annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(total, output_field=output_field), Value(0), output_field=output_field)


def causes_with_totals():
    """Causes with ``donated_points``, ``donated_value``, ``transferred_value``
    and ``to_transfer_value``, in one query (correlated sums)."""
    return Cause.objects.annotate(
        donated_points=_total("points", IntegerField()),
        donated_value=_total("value", _MONEY),
        transferred_value=_total("value", _MONEY, transfer__isnull=False),
        to_transfer_value=_total("value", _MONEY, transfer__isnull=True),
    )


def causes_open():
    """Causes accepting donations, with their totals."""
    return causes_with_totals().filter(is_active=True)


def member_donations(member):
    return Donation.objects.filter(member=member).select_related("cause", "reward").order_by("-donated_at", "-pk")


def donations_to_transfer(cause):
    return Donation.objects.filter(cause=cause, transfer__isnull=True)


def donation_find(ledger_key):
    return Donation.objects.select_related("cause", "reward").filter(spend_entry__idempotency_key=ledger_key).first()
