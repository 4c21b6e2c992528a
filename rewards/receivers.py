"""Receivers of loyalty's order signals (connected in RewardsConfig.ready()).

They run inside the transaction that changed the order, so a tier move
commits or rolls back with the order itself.
"""

from .services import tier_evaluate, tier_evaluate_after_return


def evaluate_on_order_completed(sender, *, order, now, **kwargs):
    if order.member_id is not None:
        tier_evaluate(member=order.member, now=now)


def evaluate_on_order_returned(sender, *, order, now, **kwargs):
    if order.member_id is not None:
        tier_evaluate_after_return(member=order.member, order=order, now=now)
