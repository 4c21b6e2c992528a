"""Pricing a cart: the figures of each line and of the order, and the effects
that produced them.

Steps change a ``Calculation`` only through its methods, which hold the
stacking rules (docs/checkout.md explains them):

* discounts come first; they add up on a line but never take it below zero,
  and a shipping discount never takes shipping below zero;
* points pay only for eligible lines, never for shipping, within the
  redemption cap of the eligible amount after discounts;
* points are earned on what is paid in money, after discounts and points.

Nothing here writes. Placing an order runs the same calculation and then
reserves what it decided.
"""

import enum
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

from ..exceptions import CurrencyMismatch
from ..rules import allocate_money, allocate_proportionally, money_for_points, points_covering, quantize_money
from ..selectors import account_get, program_get
from .cart import CartLine
from .pipeline import Stage, checkout_pipeline


class SourceType(enum.StrEnum):
    PROGRAM = "program"
    TIER = "tier"
    COUPON = "coupon"
    CAMPAIGN = "campaign"
    MEMBERSHIP = "membership"


@dataclass(frozen=True)
class Source:
    """What caused an effect, named as the shopper and the staff know it."""

    type: SourceType
    id: int | str
    name: str

    @classmethod
    def for_program(cls, program):
        return cls(type=SourceType.PROGRAM, id=program.pk, name=program.name)

    def as_dict(self):
        return {"type": str(self.type), "id": self.id, "name": self.name}


class EffectKind(enum.StrEnum):
    DISCOUNT = "discount"
    SHIPPING_DISCOUNT = "shipping_discount"
    REDEMPTION_CAP = "redemption_cap"
    REDEMPTION = "redemption"
    EARNING = "earning"


@dataclass(frozen=True)
class EffectLine:
    """An effect's share of one line."""

    line_id: str
    amount: Decimal | None = None
    points: int | None = None


@dataclass(frozen=True)
class Effect:
    kind: EffectKind
    source: Source
    description: str
    amount: Decimal | None = None
    points: int | None = None
    lines: tuple[EffectLine, ...] = ()


@dataclass(frozen=True)
class AppliedCoupon:
    code: str
    source: Source


@dataclass(frozen=True)
class RefusedCoupon:
    code: str
    reason: str
    message: str


@dataclass(eq=False)
class LineCalculation:
    """One cart line as priced so far. ``points_eligible`` is False for the
    program's excluded categories: such a line neither earns nor takes points."""

    cart_line: CartLine
    points_eligible: bool
    discount: Decimal = Decimal(0)
    points_applied: int = 0
    points_value: Decimal = Decimal(0)
    points_earned: int = 0

    @property
    def id(self):
        return self.cart_line.id

    @property
    def subtotal(self):
        return self.cart_line.subtotal

    @property
    def amount(self):
        """The line after discounts."""
        return self.subtotal - self.discount

    @property
    def payable(self):
        """What the shopper pays in money for the line."""
        return self.amount - self.points_value


class Calculation:
    """A cart being priced by the pipeline, and the price once it has run.

    ``stage`` is the stage of the step running; methods that would break the
    stacking order if called later refuse to run outside their stages.
    """

    def __init__(self, *, cart, program, account):
        self.cart = cart
        self.program = program
        self.account = account
        excluded = frozenset(program.excluded_categories)
        self.lines = [
            LineCalculation(cart_line=line, points_eligible=line.category not in excluded) for line in cart.lines
        ]
        self.shipping_discount = Decimal(0)
        self.redemption_cap_percent = program.redemption_cap_percent
        self.points_max = 0
        self.points_to_spend = 0
        self.points_value = Decimal(0)
        self.effects = []
        self.applied_coupons = []
        self.refused_coupons = []
        self.stage = Stage.DISCOUNTS
        self._redeemed = False

    # Figures

    @property
    def member(self):
        return self.cart.member

    @property
    def currency(self):
        return self.cart.currency

    @property
    def eligible_lines(self):
        return [line for line in self.lines if line.points_eligible]

    @property
    def subtotal(self):
        return sum((line.subtotal for line in self.lines), Decimal(0))

    @property
    def discount_total(self):
        return sum((line.discount for line in self.lines), Decimal(0))

    @property
    def eligible_amount(self):
        """What points may pay for: eligible lines after discounts."""
        return sum((line.amount for line in self.eligible_lines), Decimal(0))

    @property
    def shipping(self):
        return self.cart.shipping

    @property
    def shipping_payable(self):
        return self.shipping - self.shipping_discount

    @property
    def earnable_amount(self):
        """Money that earns: what is paid for eligible lines, and shipping when
        the program says it earns. Shipping earns only alongside an eligible
        line, so an order of excluded goods earns nothing at all."""
        lines = self.eligible_lines
        amount = sum((line.payable for line in lines), Decimal(0))
        if lines and self.program.shipping_earns:
            amount += self.shipping_payable
        return amount

    @property
    def points_max_value(self):
        return money_for_points(self.points_max, self.program)

    @property
    def payable_total(self):
        return sum((line.payable for line in self.lines), Decimal(0)) + self.shipping_payable

    @property
    def points_earned_total(self):
        """What the order earns; for a guest, what it would earn after joining."""
        return sum(line.points_earned for line in self.lines)

    @property
    def points_earned(self):
        return self.points_earned_total if self.member is not None else 0

    @property
    def points_earned_if_joined(self):
        """For a guest, what the order would earn after joining; None for a member."""
        return self.points_earned_total if self.member is None else None

    @property
    def open_coupon_codes(self):
        """Codes of the cart that no step has claimed or refused yet."""
        settled = {coupon.code for coupon in self.applied_coupons} | {coupon.code for coupon in self.refused_coupons}
        return [code for code in self.cart.coupon_codes if code not in settled]

    # Effects

    def _check_stage(self, what, stages):
        if self.stage not in stages:
            allowed = ", ".join(stage.name for stage in stages)
            raise ImproperlyConfigured(f"{what} belongs to the {allowed} stage, not to {self.stage.name}.")

    def _money(self, amount):
        amount = quantize_money(amount, self.currency)
        if amount < 0:
            raise ValueError(f"An effect cannot take off a negative amount ({amount}).")
        return amount

    def _add(self, kind, source, description, **figures):
        effect = Effect(kind=kind, source=source, description=str(description), **figures)
        self.effects.append(effect)
        return effect

    def discount_lines(self, amounts, *, source, description):
        """Take amounts off lines (``amounts`` maps a line to its amount).

        Each amount is rounded to the minor unit and cut to what is left of
        its line, so stacked discounts never take a line below zero. Returns
        the effect, or None when nothing was taken off.
        """
        self._check_stage("A discount", (Stage.DISCOUNTS, Stage.SHIPPING))
        shares = []
        for line, amount in amounts.items():
            taken = min(self._money(amount), line.amount)
            if taken > 0:
                line.discount += taken
                shares.append(EffectLine(line_id=line.id, amount=taken))
        if not shares:
            return None
        total = sum((share.amount for share in shares), Decimal(0))
        return self._add(EffectKind.DISCOUNT, source, description, amount=total, lines=tuple(shares))

    def discount_order(self, amount, *, source, description, lines=None):
        """Take an amount off the order (off ``lines``, by default all of them),
        split in proportion to what is left of each line and never more."""
        lines = self.lines if lines is None else list(lines)
        left = [line.amount for line in lines]
        amount = min(self._money(amount), sum(left, Decimal(0)))
        parts = allocate_money(amount, left, self.currency, limits=left)
        return self.discount_lines(dict(zip(lines, parts, strict=True)), source=source, description=description)

    def discount_shipping(self, amount, *, source, description):
        """Take an amount off shipping, never more than is left of it."""
        self._check_stage("A shipping discount", (Stage.DISCOUNTS, Stage.SHIPPING))
        taken = min(self._money(amount), self.shipping_payable)
        if not taken:
            return None
        self.shipping_discount += taken
        return self._add(EffectKind.SHIPPING_DISCOUNT, source, description, amount=taken)

    def set_redemption_cap(self, percent, *, source, description):
        """Replace the share of the eligible amount that points may pay (a
        tier's own cap, say); the last step to set it before redemption wins."""
        self._check_stage("A redemption cap", (Stage.DISCOUNTS, Stage.SHIPPING, Stage.REDEMPTION))
        if self._redeemed:
            raise ImproperlyConfigured("The redemption cap must be set before loyalty's redemption step.")
        percent = Decimal(percent)
        if not 0 <= percent <= 100:
            raise ValueError(f"A redemption cap is a percent from 0 to 100, not {percent}.")
        self.redemption_cap_percent = percent
        return self._add(EffectKind.REDEMPTION_CAP, source, description)

    def redeem_points(self, points, *, points_max, source, description):
        """Pay for the order with ``points`` (loyalty's redemption step decides
        how many; this does the arithmetic, once per calculation).

        The points are split over the eligible lines in proportion to their
        amounts, never more on a line than its amount pays for, and their
        money value is split in proportion to the points, so the lines add up
        to the order exactly and a return by lines gives back exact shares.
        """
        self._check_stage("Redemption", (Stage.REDEMPTION,))
        if self._redeemed:
            raise ImproperlyConfigured("Points are redeemed once per calculation.")
        self._redeemed = True
        self.points_max = points_max
        self.points_to_spend = points
        if not points:
            return None
        lines = self.eligible_lines
        amounts = [line.amount for line in lines]
        line_points = allocate_proportionally(
            points, amounts, limits=[points_covering(amount, self.program) for amount in amounts]
        )
        self.points_value = money_for_points(points, self.program)
        line_values = allocate_money(self.points_value, line_points, self.currency, limits=amounts)
        shares = []
        for line, line_points_applied, value in zip(lines, line_points, line_values, strict=True):
            line.points_applied, line.points_value = line_points_applied, value
            if line_points_applied:
                shares.append(EffectLine(line_id=line.id, amount=value, points=line_points_applied))
        return self._add(
            EffectKind.REDEMPTION, source, description, amount=self.points_value, points=points, lines=tuple(shares)
        )

    def earn_points(self, points, *, source, description):
        """Credit points to the order, split over the eligible lines in
        proportion to what is paid for them in money, so a return by lines
        takes back each line's share.

        Lines paid entirely with discounts and points earn nothing of their
        own; if only shipping earned, the lines share its points alike.
        """
        self._check_stage("Earning", (Stage.EARNING,))
        if isinstance(points, bool) or not isinstance(points, int) or points < 0:
            raise ValueError(f"Points earned are a whole number of at least zero, not {points!r}.")
        if not points:
            return None
        lines = self.eligible_lines
        if not lines:
            raise ValueError("No line of this order may earn points.")
        weights = [line.payable for line in lines]
        if not any(weights):
            weights = [1] * len(lines)
        shares = []
        for line, line_points in zip(lines, allocate_proportionally(points, weights), strict=True):
            line.points_earned += line_points
            if line_points:
                shares.append(EffectLine(line_id=line.id, points=line_points))
        return self._add(EffectKind.EARNING, source, description, points=points, lines=tuple(shares))

    # Coupons

    def _check_open(self, code):
        if code not in self.open_coupon_codes:
            raise ValueError(f"Coupon {code!r} is not in the cart or was already claimed or refused.")

    def claim_coupon(self, code, *, source):
        """Take charge of a code: the claiming step applies its effects, and the
        code is no longer refused as unknown."""
        self._check_open(code)
        self.applied_coupons.append(AppliedCoupon(code=code, source=source))

    def refuse_coupon(self, code, *, reason, message):
        """Refuse a code with a stable ``reason`` ("expired", "below_minimum_order")
        and a message for the shopper."""
        self._check_open(code)
        self.refused_coupons.append(RefusedCoupon(code=code, reason=reason, message=str(message)))

    # The answer

    def _format(self, amount):
        return str(quantize_money(amount, self.currency))

    def _line_dict(self, line):
        is_member = self.member is not None
        return {
            "id": line.id,
            "sku": line.cart_line.sku,
            "category": line.cart_line.category,
            "quantity": line.cart_line.quantity,
            "unit_price": self._format(line.cart_line.unit_price),
            "subtotal": self._format(line.subtotal),
            "discount": self._format(line.discount),
            "amount": self._format(line.amount),
            "points_eligible": line.points_eligible,
            "points_applied": line.points_applied,
            "points_value": self._format(line.points_value),
            "payable": self._format(line.payable),
            "points_earned": line.points_earned if is_member else 0,
            "points_earned_if_joined": None if is_member else line.points_earned,
        }

    def _effect_dict(self, effect):
        def money_or_none(amount):
            return None if amount is None else self._format(amount)

        return {
            "kind": str(effect.kind),
            "amount": money_or_none(effect.amount),
            "points": effect.points,
            "lines": [
                {"id": share.line_id, "amount": money_or_none(share.amount), "points": share.points}
                for share in effect.lines
            ],
            "source": effect.source.as_dict(),
            "description": effect.description,
        }

    def as_dict(self):
        """The price as JSON-ready data: for the API's answer and for the order
        that stores what the shopper was shown. Money is a string with the
        currency's minor unit ("1999.00"), points are whole numbers."""
        return {
            "currency": self.currency,
            "lines": [self._line_dict(line) for line in self.lines],
            "subtotal": self._format(self.subtotal),
            "discount_total": self._format(self.discount_total),
            "shipping": self._format(self.shipping),
            "shipping_discount": self._format(self.shipping_discount),
            "points_max": self.points_max,
            "points_max_value": self._format(self.points_max_value),
            "points_to_spend": self.points_to_spend,
            "points_value": self._format(self.points_value),
            "payable_total": self._format(self.payable_total),
            "points_earned": self.points_earned,
            "points_earned_if_joined": self.points_earned_if_joined,
            "effects": [self._effect_dict(effect) for effect in self.effects],
            "coupons": {
                "applied": [
                    {"code": coupon.code, "source": coupon.source.as_dict()} for coupon in self.applied_coupons
                ],
                "refused": [
                    {"code": coupon.code, "reason": coupon.reason, "message": coupon.message}
                    for coupon in self.refused_coupons
                ],
            },
        }


def checkout_calculate(*, cart, program=None, account=None):
    """Price ``cart``: run every registered step, in order, on a new Calculation.

    Reads the program and the member's account once each, so a calculation
    costs a fixed number of queries whatever the cart and the member's
    history. Placing an order passes the program it read and the account it
    locked, so the decision is made on the balances it is about to change.

    Raises CurrencyMismatch, and the DomainErrors of the steps (points asked
    for that the order or the account cannot give).
    """
    program = program if program is not None else program_get()
    if cart.currency != program.currency:
        raise CurrencyMismatch(currency=cart.currency, program_currency=program.currency)
    if cart.member is not None and account is None:
        account = account_get(cart.member)
    calculation = Calculation(cart=cart, program=program, account=account)
    for step in checkout_pipeline.steps:
        calculation.stage = step.stage
        step.handler(calculation)
    return calculation
