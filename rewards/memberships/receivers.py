"""Receivers of loyalty's order signals that keep what memberships saved
(connected in RewardsConfig.ready()). They run inside the order's
transaction.

Completing, cancelling and returning look at the calculation stored on the
order first, so an order priced without a membership benefit costs no query
here.
"""

from loyalty.checkout import SourceType

from ..checkout import membership_saving
from . import services


def _had_membership_benefits(order):
    effects = (order.calculation or {}).get("effects", [])
    return any(effect["source"]["type"] == SourceType.MEMBERSHIP for effect in effects)


def record_on_order_placed(sender, *, order, calculation, now, **kwargs):
    saving = membership_saving(calculation)
    if saving is not None and order.member_id is not None:
        services.saving_record(order=order, saving=saving, program=calculation.program, now=now)


def count_on_order_completed(sender, *, order, now, **kwargs):
    if _had_membership_benefits(order):
        services.saving_count(order=order, now=now)


def drop_on_order_cancelled(sender, *, order, now, **kwargs):
    if _had_membership_benefits(order):
        services.saving_drop(order=order)


def lower_on_order_returned(sender, *, order, now, **kwargs):
    if _had_membership_benefits(order):
        services.saving_after_return(order=order)
