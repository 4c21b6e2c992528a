"""The tier's benefits in checkout calculation, as steps of loyalty's
pipeline (registered in RewardsConfig.ready()).

Each step reads the member's tier through ``_tier_of``, which loads it once
per calculation. A member with no tier gets no benefit. Stacking: the tier is
the only source of these benefits today; when paid memberships come, the
best benefit of each kind wins (docs/tiers.md).
"""

from decimal import Decimal
from weakref import WeakKeyDictionary

from django.utils.translation import gettext as _

from loyalty.checkout import Source, SourceType
from loyalty.rules import round_points

from .models import MemberTier, Tier

_tiers_by_calculation = WeakKeyDictionary()


def _tier_of(calculation):
    """The member's tier, one query per calculation; None for a guest or for a
    member not saved yet (a cart priced without the database has no tier)."""
    if calculation.member is None or calculation.member.pk is None:
        return None
    if calculation not in _tiers_by_calculation:
        status = MemberTier.objects.select_related("tier").filter(member=calculation.member).first()
        _tiers_by_calculation[calculation] = status.tier if status else None
    return _tiers_by_calculation[calculation]


def _source(tier):
    return Source(type=SourceType.TIER, id=tier.pk, name=tier.name)


def _percent(value):
    return format(value.normalize(), "f")


def tier_discount(calculation):
    """The tier's permanent discount, on every line."""
    tier = _tier_of(calculation)
    if tier is None or not tier.discount_percent:
        return
    calculation.discount_lines(
        {line: line.amount * tier.discount_percent / 100 for line in calculation.lines},
        source=_source(tier),
        description=_("%(tier)s: %(percent)s%% off") % {"tier": tier.name, "percent": _percent(tier.discount_percent)},
    )


def tier_free_shipping(calculation):
    """Free shipping, always or from an order amount after discounts."""
    tier = _tier_of(calculation)
    if tier is None or tier.free_shipping == Tier.FreeShipping.NEVER or not calculation.shipping_payable:
        return
    order_amount = sum((line.amount for line in calculation.lines), Decimal(0))
    if tier.free_shipping == Tier.FreeShipping.FROM_AMOUNT and order_amount < tier.free_shipping_from:
        return
    calculation.discount_shipping(
        calculation.shipping_payable,
        source=_source(tier),
        description=_("%(tier)s: free shipping") % {"tier": tier.name},
    )


def tier_redemption_cap(calculation):
    """The tier's own share of an order payable by points."""
    tier = _tier_of(calculation)
    if tier is None or tier.redemption_cap_percent is None:
        return
    calculation.set_redemption_cap(
        tier.redemption_cap_percent,
        source=_source(tier),
        description=_("%(tier)s: up to %(percent)s%% payable by points")
        % {"tier": tier.name, "percent": _percent(tier.redemption_cap_percent)},
    )


def tier_earning(calculation):
    """Extra points after the base earning: the multiplier applies to what the
    order earned so far; the extra cashback to the money that earns."""
    tier = _tier_of(calculation)
    if tier is None:
        return
    program = calculation.program
    base = calculation.points_earned_total
    if tier.earn_multiplier > 1 and base:
        calculation.earn_points(
            round_points(base * (tier.earn_multiplier - 1), program),
            source=_source(tier),
            description=_("%(tier)s: %(multiplier)s× points")
            % {"tier": tier.name, "multiplier": _percent(tier.earn_multiplier)},
        )
    if tier.extra_cashback_percent and calculation.eligible_lines:
        cashback = calculation.earnable_amount * tier.extra_cashback_percent / 100
        calculation.earn_points(
            round_points(cashback / program.point_value, program),
            source=_source(tier),
            description=_("%(tier)s: %(percent)s%% extra back in %(points_name)s")
            % {"tier": tier.name, "percent": _percent(tier.extra_cashback_percent), "points_name": program.points_name},
        )
