"""Coupon codes and the reasons a coupon is refused: plain functions, no
queries, shared by checkout calculation and the validation endpoint."""

import secrets
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from loyalty.rules import quantize_money

from ..models import Coupon, Reward

# No 0/O, 1/I/L: a code read aloud or typed from paper survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12, about 2^59: not guessable, even in bulk.


def coupon_code_new():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def coupon_code_normalize(code):
    """Codes are matched without surrounding spaces and case."""
    return code.strip().upper()


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str


def coupon_refusal(coupon, *, member, now, order_amount=None, skus=None, currency=None):
    """Why ``coupon`` cannot be used in a cart of ``member`` (None: a guest), or
    None when it can. ``order_amount`` (after earlier discounts) and ``skus``
    are checked when given."""
    if member is None:
        return Refusal("member_required", _("Sign in: only the member who redeemed this coupon can use it."))
    if coupon.member_id != member.pk:
        return Refusal("other_member", _("This coupon belongs to another member."))
    status = coupon.status_at(now)
    if status == Coupon.Status.USED:
        return Refusal("already_used", _("This coupon has already been used."))
    if status == Coupon.Status.RESERVED:
        return Refusal("reserved", _("This coupon is reserved for another order."))
    if status == Coupon.Status.REFUNDED:
        return Refusal("refunded", _("This coupon was refunded."))
    if status == Coupon.Status.EXPIRED:
        return Refusal(
            "expired",
            _("This coupon expired on %(date)s.")
            % {"date": formats.date_format(coupon.valid_until, "SHORT_DATE_FORMAT")},
        )
    reward = coupon.reward
    if reward.min_order_amount is not None and order_amount is not None and order_amount < reward.min_order_amount:
        minimum = quantize_money(reward.min_order_amount, currency) if currency else reward.min_order_amount
        return Refusal("below_minimum_order", _("This coupon applies to orders from %(amount)s.") % {"amount": minimum})
    if reward.kind == Reward.Kind.GIFT_PRODUCT and skus is not None and reward.gift_sku not in skus:
        return Refusal("gift_not_in_cart", _("Add %(sku)s to the cart to get it as a gift.") % {"sku": reward.gift_sku})
    return None
