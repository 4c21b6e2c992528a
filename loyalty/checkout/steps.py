"""loyalty's own checkout steps: points as payment, base earning, and the
refusal of coupon codes that no app claimed.

Excluded categories need no step: a ``Calculation`` marks their lines as not
eligible before any step runs, so every step sees the same eligibility.
"""

from django.utils.translation import gettext as _

from members.models import Member

from ..exceptions import (
    BelowMinimumRedemption,
    InsufficientPoints,
    MemberNotActive,
    MemberRequired,
    RedemptionCapExceeded,
)
from ..models import Program
from ..rules import base_points_for, money_for_points, points_covering, quantize_money
from .calculation import Source
from .cart import SPEND_MAX
from .pipeline import Stage

UNKNOWN_COUPON = "unknown_coupon"


def _spendable_balance(member, account):
    """Points the member may spend now: none for a guest or a blocked or
    anonymised member, and none while the account is below zero after a return."""
    if member is None or member.status != Member.Status.ACTIVE:
        return 0
    return max(account.available, 0)


def redemption(calculation):
    """Decide how many points pay for the order, then let the calculation
    split them over the lines.

    The order allows the redemption cap (a percent of the eligible amount
    after discounts; shipping is never paid with points) and no more than the
    eligible lines can take in whole points. The member can give their
    available balance. A redemption below the program's minimum is refused,
    so when the most allowed is below it, "max" spends nothing.
    """
    program, member = calculation.program, calculation.member
    requested = calculation.cart.points_to_spend
    if requested not in (0, SPEND_MAX):
        if member is None:
            raise MemberRequired(requested=requested)
        if member.status != Member.Status.ACTIVE:
            raise MemberNotActive(member=member.pk)
    cap_points = points_covering(calculation.eligible_amount * calculation.redemption_cap_percent / 100, program)
    whole_points = sum(points_covering(line.amount, program) for line in calculation.eligible_lines)
    order_allows = min(cap_points, whole_points)
    balance = _spendable_balance(member, calculation.account)
    points_max = min(order_allows, balance)
    if points_max < program.min_redemption_points:
        points_max = 0
    if requested == SPEND_MAX:
        points = points_max
    else:
        points = requested
        if 0 < points < program.min_redemption_points:
            raise BelowMinimumRedemption(minimum=program.min_redemption_points, requested=points)
        if points > balance:
            raise InsufficientPoints(available=balance, requested=points)
        if points > order_allows:
            raise RedemptionCapExceeded(points_max=order_allows, requested=points)
    calculation.redeem_points(
        points,
        points_max=points_max,
        source=Source.for_program(program),
        description=_("%(points)d %(points_name)s pay %(value)s %(currency)s")
        % {
            "points": points,
            "points_name": program.points_name,
            "value": money_for_points(points, program),
            "currency": program.currency,
        },
    )


def base_earning(calculation):
    """The program's base earn rule over the money that earns, computed once
    for the whole order (so the minimum order amount and the rounding apply
    to the order, not to each line), then split over the lines."""
    program = calculation.program
    points = base_points_for(calculation.earnable_amount, program)
    if program.earn_rule == Program.EarnRule.CASHBACK:
        description = _("%(percent)s%% back in %(points_name)s") % {
            "percent": format(program.cashback_percent.normalize(), "f"),
            "points_name": program.points_name,
        }
    else:
        description = _("%(points)d %(points_name)s per %(step)s %(currency)s") % {
            "points": program.earn_points,
            "points_name": program.points_name,
            "step": quantize_money(program.earn_step, program.currency),
            "currency": program.currency,
        }
    calculation.earn_points(points, source=Source.for_program(program), description=description)


def refuse_unclaimed_coupons(calculation):
    """Refuse every code that no step claimed or refused: loyalty itself knows
    no coupons, so an app that issues them claims its codes in an earlier step."""
    for code in calculation.open_coupon_codes:
        calculation.refuse_coupon(code, reason=UNKNOWN_COUPON, message=_("There is no such coupon."))


def register_base_steps(pipeline):
    """Put loyalty's steps in ``pipeline``; docs/checkout.md lists their positions."""
    pipeline.register(redemption, name="loyalty.redemption", stage=Stage.REDEMPTION, order=100)
    pipeline.register(base_earning, name="loyalty.base_earning", stage=Stage.EARNING, order=100)
    pipeline.register(refuse_unclaimed_coupons, name="loyalty.unclaimed_coupons", stage=Stage.CLOSING, order=1000)
