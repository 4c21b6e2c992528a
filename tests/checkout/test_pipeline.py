"""The pipeline as higher apps use it: steps registered at explicit positions
that add effects, with the stacking rules held by the calculation."""

import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from loyalty.checkout import SPEND_MAX, Source, SourceType, Stage, checkout_pipeline, steps
from loyalty.checkout.pipeline import Pipeline

from .helpers import calculate, give_points, line

SPRING_SALE = Source(type=SourceType.CAMPAIGN, id=7, name="Spring sale")
GOLD = Source(type=SourceType.TIER, id=4, name="Gold")


@pytest.fixture
def register():
    """Register steps as a higher app's ready() would, and take them away after the test."""
    names = []

    def register_step(handler, *, stage, order):
        name = f"tests.{handler.__name__}"
        checkout_pipeline.register(handler, name=name, stage=stage, order=order)
        names.append(name)

    yield register_step
    for name in names:
        checkout_pipeline.unregister(name)


def ten_percent_off(calculation):
    calculation.discount_lines(
        {item: item.amount / 10 for item in calculation.lines},
        source=SPRING_SALE,
        description="10% off everything",
    )


def sixty_percent_off(calculation):
    calculation.discount_lines(
        {item: item.amount * Decimal("0.6") for item in calculation.lines}, source=GOLD, description="60% off"
    )


class TestAStepOfAHigherApp:
    pytestmark = pytest.mark.django_db

    def test_a_discount_lowers_the_cap_and_the_earning_and_names_its_source(self, program, member, register):
        register(ten_percent_off, stage=Stage.DISCOUNTS, order=100)
        give_points(member, 5000)

        calculation = calculate(member, line("6000.00"), line("4000.00"), points_to_spend=SPEND_MAX)

        assert calculation.discount_total == Decimal("1000.00")
        assert [item.amount for item in calculation.lines] == [Decimal("5400.00"), Decimal("3600.00")]
        assert calculation.points_max == 2700  # 30% of 9 000, not of 10 000
        assert calculation.points_earned == 63  # (9 000 - 2 700) / 100
        assert calculation.payable_total == Decimal("6300.00")
        discount = calculation.as_dict()["effects"][0]
        assert discount == {
            "kind": "discount",
            "amount": "1000.00",
            "points": None,
            "lines": [{"id": "0", "amount": "600.00", "points": None}, {"id": "1", "amount": "400.00", "points": None}],
            "source": {"type": "campaign", "id": 7, "name": "Spring sale"},
            "description": "10% off everything",
        }
        assert [effect.kind for effect in calculation.effects] == ["discount", "redemption", "earning"]

    def test_stacked_line_discounts_never_take_a_line_below_zero(self, program, member, register):
        register(sixty_percent_off, stage=Stage.DISCOUNTS, order=100)
        register(ten_percent_off, stage=Stage.DISCOUNTS, order=200)

        def another_sixty_percent_off(calculation):
            calculation.discount_lines(
                {item: item.subtotal * Decimal("0.6") for item in calculation.lines}, source=GOLD, description="60%"
            )

        register(another_sixty_percent_off, stage=Stage.DISCOUNTS, order=300)

        calculation = calculate(member, line("1000.00"))

        assert [effect.amount for effect in calculation.effects] == [
            Decimal("600.00"),
            Decimal("40.00"),
            Decimal("360.00"),
        ]
        assert (calculation.lines[0].amount, calculation.payable_total) == (Decimal("0.00"), Decimal("0.00"))
        assert calculation.points_earned == 0

    def test_an_order_discount_is_split_over_the_lines_exactly(self, program, member, register):
        def hundred_off(calculation):
            calculation.discount_order(Decimal("100"), source=SPRING_SALE, description="100 RUB off")

        register(hundred_off, stage=Stage.DISCOUNTS, order=100)

        calculation = calculate(member, line("10.00"), line("10.00"), line("10.00"), line("50.00"))

        assert [item.discount for item in calculation.lines] == [Decimal("10.00")] * 3 + [Decimal("50.00")]
        assert calculation.payable_total == Decimal("0.00")

        calculation = calculate(member, line("100.00"), line("100.00"), line("100.00"))

        assert [item.discount for item in calculation.lines] == [
            Decimal("33.34"),
            Decimal("33.33"),
            Decimal("33.33"),
        ]

    def test_free_shipping(self, program, member, register):
        def free_shipping(calculation):
            if calculation.subtotal >= 3000:
                calculation.discount_shipping(calculation.shipping, source=GOLD, description="Free shipping")

        register(free_shipping, stage=Stage.SHIPPING, order=100)

        calculation = calculate(member, line("3000.00"), shipping="350.00")

        assert (calculation.shipping_discount, calculation.payable_total) == (Decimal("350.00"), Decimal("3000.00"))
        assert calculation.effects[0].kind == "shipping_discount"
        assert calculate(member, line("2999.00"), shipping="350.00").payable_total == Decimal("3349.00")

    def test_a_tier_sets_its_own_redemption_cap(self, program, member, register):
        def gold_cap(calculation):
            calculation.set_redemption_cap(50, source=GOLD, description="Gold: half of an order in points")

        register(gold_cap, stage=Stage.REDEMPTION, order=50)
        give_points(member, 10000)

        calculation = calculate(member, line("10000.00"))

        assert calculation.points_max == 5000
        assert calculation.effects[0].kind == "redemption_cap"

    def test_a_bonus_after_base_earning(self, program, member, register):
        def double_points(calculation):
            calculation.earn_points(
                calculation.points_earned_total, source=GOLD, description="Gold: points count twice"
            )

        register(double_points, stage=Stage.EARNING, order=200)

        calculation = calculate(member, line("1999.00"), line("1.00"))

        assert calculation.points_earned == 40
        assert sum(item.points_earned for item in calculation.lines) == 40

    def test_a_claimed_coupon_is_not_refused(self, program, member, register):
        def spring_coupon(calculation):
            for code in calculation.open_coupon_codes:
                if code == "SPRING":
                    calculation.claim_coupon(code, source=Source(type=SourceType.COUPON, id=1, name=code))
                    calculation.discount_order(Decimal("100"), source=SPRING_SALE, description="100 RUB off")
                elif code == "OLD":
                    calculation.refuse_coupon(code, reason="expired", message="The coupon has expired.")

        register(spring_coupon, stage=Stage.DISCOUNTS, order=100)

        coupons = calculate(member, line("1000.00"), coupon_codes=["SPRING", "OLD", "NOPE"]).as_dict()["coupons"]

        assert coupons == {
            "applied": [{"code": "SPRING", "source": {"type": "coupon", "id": 1, "name": "SPRING"}}],
            "refused": [
                {"code": "OLD", "reason": "expired", "message": "The coupon has expired."},
                {"code": "NOPE", "reason": "unknown_coupon", "message": "There is no such coupon."},
            ],
        }

    def test_a_discount_after_redemption_is_a_configuration_error(self, program, member, register):
        register(ten_percent_off, stage=Stage.EARNING, order=50)

        with pytest.raises(ImproperlyConfigured):
            calculate(member, line("1000.00"))


def noop(calculation):
    """A step that adds nothing."""


def other_noop(calculation):
    """Another step that adds nothing."""


class TestRegistry:
    def test_steps_run_by_stage_then_order(self):
        pipeline = Pipeline()
        pipeline.register(noop, name="late", stage=Stage.EARNING, order=1)
        pipeline.register(other_noop, name="early", stage=Stage.DISCOUNTS, order=500)

        assert [step.name for step in pipeline.steps] == ["early", "late"]

        pipeline.unregister("early")

        assert [step.name for step in pipeline.steps] == ["late"]

    def test_registering_the_same_step_again_changes_nothing(self):
        pipeline = Pipeline()
        pipeline.register(noop, name="noop", stage=Stage.DISCOUNTS, order=1)
        pipeline.register(noop, name="noop", stage=Stage.DISCOUNTS, order=1)

        assert len(pipeline.steps) == 1

    def test_a_taken_name_is_refused(self):
        pipeline = Pipeline()
        pipeline.register(noop, name="noop", stage=Stage.DISCOUNTS, order=1)

        with pytest.raises(ImproperlyConfigured):
            pipeline.register(other_noop, name="noop", stage=Stage.DISCOUNTS, order=1)
        with pytest.raises(ImproperlyConfigured):
            pipeline.register(noop, name="noop", stage=Stage.DISCOUNTS, order=2)

    def test_a_taken_position_is_refused(self):
        pipeline = Pipeline()
        pipeline.register(noop, name="noop", stage=Stage.DISCOUNTS, order=1)

        with pytest.raises(ImproperlyConfigured):
            pipeline.register(other_noop, name="other", stage=Stage.DISCOUNTS, order=1)

    def test_importing_the_base_steps_again_keeps_one_of_each(self):
        def loyalty_steps():
            return [(step.name, step.position) for step in checkout_pipeline.steps if step.name.startswith("loyalty.")]

        before = loyalty_steps()

        steps.register_base_steps(checkout_pipeline)
        steps.register_base_steps(checkout_pipeline)
        reloaded = importlib.reload(steps)
        reloaded.register_base_steps(checkout_pipeline)

        assert loyalty_steps() == before
        assert before == [
            ("loyalty.redemption", (Stage.REDEMPTION, 100)),
            ("loyalty.base_earning", (Stage.EARNING, 100)),
            ("loyalty.unclaimed_coupons", (Stage.CLOSING, 1000)),
        ]
