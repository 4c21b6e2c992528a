"""The benefits of the member's tier and paid membership in checkout
calculation, as steps of loyalty's pipeline (registered in
RewardsConfig.ready()).

Each step reads the member's benefits through ``_benefits_of``, which loads
the tier and the active membership together, in one query per calculation. A
guest, or a member with neither, gets no benefit. When both give a benefit of
one kind, the best wins (``rewards.benefits``), decided here before one
effect is added; what the membership's winning benefits add over the tier is
recorded as its saving, which ``membership_saving`` hands to the receiver
that stores it when the order is placed.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from weakref import WeakKeyDictionary

from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.rules import quantize_money, round_points

from .benefits import Offer, best, free_shipping_winner
from .selectors import member_tier_and_plan


@dataclass
class Saving:
    """What the membership added over the tier in one calculation."""

    plan: object
    discount: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    points: int = 0

    def __bool__(self):
        return bool(self.discount or self.shipping or self.points)


@dataclass
class _Benefits:
    offers: list = field(default_factory=list)  # the tier's first, so that it wins a tie
    saving: Saving | None = None


_benefits_by_calculation = WeakKeyDictionary()


def _benefits_of(calculation):
    """The member's offers, one query per calculation; none for a guest or for
    a member not saved yet (a cart priced without the database)."""
    if calculation not in _benefits_by_calculation:
        benefits = _Benefits()
        member = calculation.member
        if member is not None and member.pk is not None:
            tier, plan = member_tier_and_plan(member, now=timezone.now())
            if tier is not None:
                benefits.offers.append(Offer.of_tier(tier))
            if plan is not None:
                benefits.offers.append(Offer.of_plan(plan))
                benefits.saving = Saving(plan=plan)
        _benefits_by_calculation[calculation] = benefits
    return _benefits_by_calculation[calculation]


def membership_saving(calculation):
    """What the membership saved in ``calculation`` (a Saving), or None."""
    benefits = _benefits_by_calculation.get(calculation)
    return benefits.saving if benefits is not None and benefits.saving else None


def _percent(value):
    return format(value.normalize(), "f")


def _description(offer, text, **values):
    return text % {"name": offer.source.name, **values}


def benefit_discount(calculation):
    """The best permanent discount of the tier and the membership, on every line."""
    benefits = _benefits_of(calculation)
    choice = best(benefits.offers, "discount_percent")
    if choice.winner is None:
        return
    lines = calculation.lines
    rival = sum((quantize_money(line.amount * choice.rival / 100, calculation.currency) for line in lines), Decimal(0))
    effect = calculation.discount_lines(
        {line: line.amount * choice.value / 100 for line in lines},
        source=choice.winner.source,
        description=_description(choice.winner, _("%(name)s: %(percent)s%% off"), percent=_percent(choice.value)),
    )
    if effect is not None and choice.winner.is_membership:
        benefits.saving.discount += max(effect.amount - rival, Decimal(0))


def benefit_free_shipping(calculation):
    """Free shipping, always or from an order amount after discounts, from
    the tier or else the membership."""
    if not calculation.shipping_payable:
        return
    benefits = _benefits_of(calculation)
    order_amount = sum((line.amount for line in calculation.lines), Decimal(0))
    winner = free_shipping_winner(benefits.offers, order_amount)
    if winner is None:
        return
    effect = calculation.discount_shipping(
        calculation.shipping_payable,
        source=winner.source,
        description=_description(winner, _("%(name)s: free shipping")),
    )
    if effect is not None and winner.is_membership:
        benefits.saving.shipping += effect.amount


def benefit_redemption_cap(calculation):
    """The highest own share of an order payable by points."""
    choice = best(_benefits_of(calculation).offers, "redemption_cap_percent")
    if choice.winner is None:
        return
    calculation.set_redemption_cap(
        choice.value,
        source=choice.winner.source,
        description=_description(
            choice.winner, _("%(name)s: up to %(percent)s%% payable by points"), percent=_percent(choice.value)
        ),
    )


def benefit_earning(calculation):
    """Extra points after the base earning: the best multiplier applies to
    what the order earned so far; the best extra cashback to the money that
    earns."""
    benefits = _benefits_of(calculation)
    program = calculation.program
    base = calculation.points_earned_total
    multiplier = best(benefits.offers, "earn_multiplier")
    if multiplier.winner is not None and base:
        points = round_points(base * (multiplier.value - 1), program)
        effect = calculation.earn_points(
            points,
            source=multiplier.winner.source,
            description=_description(
                multiplier.winner, _("%(name)s: %(multiplier)s× points"), multiplier=_percent(multiplier.value)
            ),
        )
        if effect is not None and multiplier.winner.is_membership:
            benefits.saving.points += points - round_points(base * (multiplier.rival - 1), program)
    cashback = best(benefits.offers, "extra_cashback_percent")
    if cashback.winner is not None and calculation.eligible_lines:
        amount = calculation.earnable_amount
        points = round_points(amount * cashback.value / 100 / program.point_value, program)
        effect = calculation.earn_points(
            points,
            source=cashback.winner.source,
            description=_description(
                cashback.winner,
                _("%(name)s: %(percent)s%% extra back in %(points_name)s"),
                percent=_percent(cashback.value),
                points_name=program.points_name,
            ),
        )
        if effect is not None and cashback.winner.is_membership:
            benefits.saving.points += points - round_points(
                amount * cashback.rival / 100 / program.point_value, program
            )
