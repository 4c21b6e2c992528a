"""Catalog coupons in checkout calculation, as steps of loyalty's pipeline
(registered in RewardsConfig.ready()).

``coupon_discounts`` (DISCOUNTS) loads every coupon of the cart in one query
(none when the cart has no code), then refuses each code of ours that cannot
be used, with its reason, or claims it and applies its effect. Free-shipping
coupons wait for ``coupon_free_shipping`` (SHIPPING), after every discount.
Codes that are not ours stay open for campaigns' promo codes.
"""

from decimal import Decimal
from weakref import WeakKeyDictionary

from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.checkout import Source, SourceType
from loyalty.rules import quantize_money

from ..models import Coupon, Reward
from .rules import coupon_code_normalize, coupon_refusal


class _CartCoupons:
    def __init__(self, by_code):
        self.by_code = by_code  # {code as the cart sent it: Coupon}
        self.claimed_ids = []


_state = WeakKeyDictionary()


def _coupons_of(calculation):
    """The cart's catalog coupons, one query per calculation."""
    if calculation not in _state:
        codes = calculation.open_coupon_codes
        by_code = {}
        if codes:
            found = {
                coupon.code: coupon
                for coupon in Coupon.objects.select_related("reward").filter(
                    code__in={coupon_code_normalize(code) for code in codes}
                )
            }
            by_code = {
                code: found[coupon_code_normalize(code)] for code in codes if coupon_code_normalize(code) in found
            }
        _state[calculation] = _CartCoupons(by_code)
    return _state[calculation]


def claimed_coupon_ids(calculation):
    """The pks of the coupons ``calculation`` claimed (for reserving them)."""
    state = _state.get(calculation)
    return list(state.claimed_ids) if state is not None else []


def _order_amount(calculation):
    return sum((line.amount for line in calculation.lines), Decimal(0))


def _settle(calculation, code, coupon, state):
    """Refuse ``code`` with its reason, or claim it; True when claimed."""
    refusal = coupon_refusal(
        coupon,
        member=calculation.member,
        now=timezone.now(),
        order_amount=_order_amount(calculation),
        skus={line.cart_line.sku for line in calculation.lines},
        currency=calculation.currency,
    )
    if refusal is not None:
        calculation.refuse_coupon(code, reason=refusal.reason, message=refusal.message)
        return False
    calculation.claim_coupon(code, source=_source(coupon))
    state.claimed_ids.append(coupon.pk)
    return True


def _source(coupon):
    return Source(type=SourceType.COUPON, id=coupon.pk, name=coupon.reward.name)


def _percent(value):
    return format(value.normalize(), "f")


def coupon_discounts(calculation):
    state = _coupons_of(calculation)
    for code, coupon in state.by_code.items():
        reward = coupon.reward
        if code not in calculation.open_coupon_codes or reward.kind == Reward.Kind.FREE_SHIPPING:
            continue
        if not _settle(calculation, code, coupon, state):
            continue
        source, name = _source(coupon), reward.name
        if reward.kind == Reward.Kind.FIXED_AMOUNT:
            calculation.discount_order(
                reward.amount,
                source=source,
                description=_("%(reward)s: %(amount)s off")
                % {"reward": name, "amount": quantize_money(reward.amount, calculation.currency)},
            )
        elif reward.kind == Reward.Kind.PERCENT:
            calculation.discount_lines(
                {line: line.amount * reward.percent / 100 for line in calculation.lines},
                source=source,
                description=_("%(reward)s: %(percent)s%% off") % {"reward": name, "percent": _percent(reward.percent)},
            )
        elif reward.kind == Reward.Kind.GIFT_PRODUCT:
            line = next(line for line in calculation.lines if line.cart_line.sku == reward.gift_sku)
            calculation.discount_lines(
                {line: line.cart_line.unit_price},
                source=source,
                description=_("%(reward)s: %(sku)s as a gift") % {"reward": name, "sku": reward.gift_sku},
            )
        # Exclusive access: claimed (so it is reserved and used with the
        # order) and shown as applied, with no price effect.


def coupon_free_shipping(calculation):
    state = _coupons_of(calculation)
    for code, coupon in state.by_code.items():
        if code not in calculation.open_coupon_codes or coupon.reward.kind != Reward.Kind.FREE_SHIPPING:
            continue
        if not calculation.shipping_payable:
            # Free already (a tier, an earlier coupon): keep the coupon for another order.
            calculation.refuse_coupon(code, reason="not_needed", message=_("Shipping is already free for this order."))
            continue
        if _settle(calculation, code, coupon, state):
            calculation.discount_shipping(
                calculation.shipping_payable,
                source=_source(coupon),
                description=_("%(reward)s: free shipping") % {"reward": coupon.reward.name},
            )
