"""Receivers of loyalty's order signals that move the order's coupons
(connected in RewardsConfig.ready()). They run inside the order's
transaction; a CouponNotAvailable raised on placing refuses the order.

Completing, cancelling and returning look at the calculation stored on the
order first, so an order priced without a coupon costs no query here.
"""

from loyalty.checkout import SourceType

from . import services
from .checkout import claimed_coupon_ids


def _had_coupons(order):
    applied = (order.calculation or {}).get("coupons", {}).get("applied", [])
    return any(coupon["source"]["type"] == SourceType.COUPON for coupon in applied)


def reserve_on_order_placed(sender, *, order, calculation, now, **kwargs):
    coupon_ids = claimed_coupon_ids(calculation)
    if coupon_ids:
        services.coupons_reserve(order=order, coupon_ids=coupon_ids, now=now)


def use_on_order_completed(sender, *, order, now, **kwargs):
    if _had_coupons(order):
        services.coupons_use(order=order, now=now)


def release_on_order_cancelled(sender, *, order, now, **kwargs):
    if _had_coupons(order):
        services.coupons_release(order=order, now=now)


def give_back_on_order_returned(sender, *, order, now, **kwargs):
    # Only a return of the whole order gives the coupons back.
    if order.status == order.Status.RETURNED and _had_coupons(order):
        services.coupons_give_back(order=order, now=now)
