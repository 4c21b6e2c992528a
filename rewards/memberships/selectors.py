"""Reads of paid memberships: the plans on sale, a member's membership, and
whether it paid off."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.rules import quantize_money

from ..benefits import Offer
from ..models import Membership, MembershipPayment, MembershipPlan, MembershipSaving

_MONEY = DecimalField(max_digits=16, decimal_places=2)


def plans_on_sale():
    return MembershipPlan.objects.filter(is_active=True).select_related("grants_tier")


def plan_find(code):
    return MembershipPlan.objects.select_related("grants_tier").filter(code=code).first()


def plan_benefits(plan):
    """What ``plan`` gives in checkout, for display: its own benefits or those
    of the tier it grants, the better of each kind (as checkout decides),
    and the perks of both."""
    offer = Offer.of_plan(plan)
    granted_perks = plan.grants_tier.perks if plan.grants_tier is not None else []
    return {
        "discount_percent": offer.discount_percent,
        "free_shipping": offer.free_shipping,
        "free_shipping_from": offer.free_shipping_from,
        "redemption_cap_percent": offer.redemption_cap_percent,
        "earn_multiplier": offer.earn_multiplier,
        "extra_cashback_percent": offer.extra_cashback_percent,
        "perks": list(dict.fromkeys([*plan.perks, *granted_perks])),
    }


@dataclass(frozen=True)
class MembershipSavings:
    """What the membership saved on completed orders, after returns: money off
    the goods, free shipping, and extra points with their money value."""

    orders: int
    discount: Decimal
    shipping: Decimal
    points: int
    points_value: Decimal

    @property
    def total(self):
        return self.discount + self.shipping + self.points_value


@dataclass(frozen=True)
class MembershipStatus:
    """A member's membership and whether it paid off: ``net`` is what it
    saved less the fees paid for it (all periods, all plans)."""

    membership: Membership
    active: bool
    renews: bool
    currency: str
    fees_paid: Decimal
    savings: MembershipSavings

    @property
    def plan(self):
        return self.membership.plan

    @property
    def net(self):
        return self.savings.total - self.fees_paid

    @property
    def paid_off(self):
        return self.savings.total >= self.fees_paid


def _sum(queryset, column, output_field):
    total = queryset.order_by().values("member_id").annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(total, output_field=output_field), Value(0), output_field=output_field)


def membership_status(member, program, *, now=None):
    """The member's membership with the fees paid and what it saved, or None
    if they never had one. One query, for the API and the personal cabinet."""
    now = now or timezone.now()
    payments = MembershipPayment.objects.filter(member_id=OuterRef("member_id"))
    savings = MembershipSaving.objects.filter(member_id=OuterRef("member_id"), status=MembershipSaving.Status.COUNTED)
    orders = savings.order_by().values("member_id").annotate(total=Count("pk")).values("total")
    membership = (
        Membership.objects.select_related("plan__grants_tier")
        .filter(member=member)
        .annotate(
            fees_paid=_sum(payments, "fee", _MONEY),
            saved_orders=Coalesce(Subquery(orders, output_field=IntegerField()), Value(0)),
            saved_discount=_sum(savings, "discount_kept", _MONEY),
            saved_shipping=_sum(savings, "shipping_kept", _MONEY),
            saved_points=_sum(savings, "points_kept", IntegerField()),
            saved_points_value=_sum(savings, "points_value_kept", _MONEY),
        )
        .first()
    )
    if membership is None:
        return None
    active = membership.is_active_at(now)

    def money(amount):
        return quantize_money(amount, program.currency)

    return MembershipStatus(
        membership=membership,
        active=active,
        renews=active and membership.cancelled_at is None and membership.expires_at is not None,
        currency=program.currency,
        fees_paid=money(membership.fees_paid),
        savings=MembershipSavings(
            orders=membership.saved_orders,
            discount=money(membership.saved_discount),
            shipping=money(membership.saved_shipping),
            points=membership.saved_points,
            points_value=money(membership.saved_points_value),
        ),
    )


def memberships_due(now):
    """Active memberships whose period has ended (the expiry job's rows)."""
    return Membership.objects.filter(status=Membership.Status.ACTIVE, expires_at__lte=now)


def payment_find(storefront, number):
    return MembershipPayment.objects.filter(storefront=storefront, number=number).first()
