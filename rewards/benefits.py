"""What a tier and a paid membership give in checkout, and how the two stack.
Plain data and functions, no queries.

A member may have two sources of benefits: their tier, and their active paid
membership, whose plan gives its own benefits or those of the tier it grants
(the better of the two for each kind). The sources do not add up: for each
kind of benefit the best one wins,

* discount: the higher percent;
* free shipping: any source that makes this order's shipping free;
* redemption cap: the higher percent;
* earn multiplier: the higher one; extra cashback: the higher percent.

On a tie the tier wins: the member has it anyway, so the membership is not
credited with it. What the membership adds over the tier is what it saved
(``rewards.checkout`` records it); docs/tiers.md and docs/rewards.md state
the rule for shoppers.
"""

from dataclasses import dataclass
from decimal import Decimal

from loyalty.checkout import Source, SourceType

from .models import FreeShipping


@dataclass(frozen=True)
class Offer:
    """The benefits of one source, named as the breakdown shows it."""

    source: Source
    discount_percent: Decimal = Decimal(0)
    free_shipping: str = FreeShipping.NEVER
    free_shipping_from: Decimal | None = None
    redemption_cap_percent: Decimal | None = None
    earn_multiplier: Decimal = Decimal(1)
    extra_cashback_percent: Decimal = Decimal(0)

    @property
    def is_membership(self):
        return self.source.type == SourceType.MEMBERSHIP

    @classmethod
    def of_tier(cls, tier):
        return cls._of(tier, Source(type=SourceType.TIER, id=tier.pk, name=tier.name))

    @classmethod
    def of_plan(cls, plan):
        """The plan's benefits: its own, or the tier it grants where that is
        better, kind by kind, all named as the plan."""
        source = Source(type=SourceType.MEMBERSHIP, id=plan.pk, name=plan.name)
        own = cls._of(plan, source)
        if plan.grants_tier is None:
            return own
        granted = cls._of(plan.grants_tier, source)
        shipping = _best_shipping(own, granted)
        caps = [cap for cap in (own.redemption_cap_percent, granted.redemption_cap_percent) if cap is not None]
        return cls(
            source=source,
            discount_percent=max(own.discount_percent, granted.discount_percent),
            free_shipping=shipping.free_shipping,
            free_shipping_from=shipping.free_shipping_from,
            redemption_cap_percent=max(caps) if caps else None,
            earn_multiplier=max(own.earn_multiplier, granted.earn_multiplier),
            extra_cashback_percent=max(own.extra_cashback_percent, granted.extra_cashback_percent),
        )

    @classmethod
    def _of(cls, benefits, source):
        return cls(
            source=source,
            discount_percent=benefits.discount_percent,
            free_shipping=benefits.free_shipping,
            free_shipping_from=benefits.free_shipping_from,
            redemption_cap_percent=benefits.redemption_cap_percent,
            earn_multiplier=benefits.earn_multiplier,
            extra_cashback_percent=benefits.extra_cashback_percent,
        )

    def ships_free(self, order_amount):
        """Whether this source makes shipping free for an order of ``order_amount`` (after discounts)."""
        if self.free_shipping == FreeShipping.ALWAYS:
            return True
        return self.free_shipping == FreeShipping.FROM_AMOUNT and order_amount >= self.free_shipping_from


def _best_shipping(*offers):
    """The offer with the freest shipping: always, then the lowest amount, then never."""

    def rank(offer):
        if offer.free_shipping == FreeShipping.ALWAYS:
            return (0, Decimal(0))
        if offer.free_shipping == FreeShipping.FROM_AMOUNT:
            return (1, offer.free_shipping_from)
        return (2, Decimal(0))

    return min(offers, key=rank)


@dataclass(frozen=True)
class Choice:
    """The source whose benefit of one kind wins, and what the best of the
    other sources would have given (what the winner adds over them)."""

    winner: Offer | None
    value: Decimal | None = None
    rival: Decimal | None = None


def best(offers, kind):
    """The winning ``kind`` ("discount_percent", "redemption_cap_percent",
    "earn_multiplier", "extra_cashback_percent") among ``offers``, the tier
    first so that it wins a tie. A source without the benefit (a zero
    percent, a multiplier of 1, no cap of its own) does not compete."""
    neutral = {"discount_percent": Decimal(0), "earn_multiplier": Decimal(1), "extra_cashback_percent": Decimal(0)}
    competing = [
        (getattr(offer, kind), offer)
        for offer in offers
        if getattr(offer, kind) is not None and getattr(offer, kind) != neutral.get(kind)
    ]
    if not competing:
        return Choice(winner=None)
    value, winner = max(competing, key=lambda pair: pair[0])  # max keeps the first of equals
    others = [other_value for other_value, offer in competing if offer is not winner]
    return Choice(winner=winner, value=value, rival=max(others) if others else neutral.get(kind))


def free_shipping_winner(offers, order_amount):
    """The first source (the tier before the membership) that makes this
    order's shipping free, or None."""
    return next((offer for offer in offers if offer.ships_free(order_amount)), None)
