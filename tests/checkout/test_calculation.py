"""loyalty's own checkout: excluded categories, redemption and base earning."""

from decimal import Decimal

import pytest

from loyalty.checkout import SPEND_MAX, checkout_calculate
from loyalty.exceptions import (
    BelowMinimumRedemption,
    CurrencyMismatch,
    InsufficientPoints,
    MemberNotActive,
    MemberRequired,
    RedemptionCapExceeded,
)
from loyalty.models import Program
from members.models import Member

from .helpers import calculate, give_points, line, make_cart

pytestmark = pytest.mark.django_db


def configure(program, **settings):
    for name, value in settings.items():
        setattr(program, name, value)
    program.save()


class TestEarning:
    def test_one_point_per_100_rub_rounded_down(self, program, member):
        calculation = calculate(member, line("1999.00"))

        assert calculation.points_earned == 19
        assert calculation.lines[0].points_earned == 19
        assert calculation.points_earned_if_joined is None

    def test_points_are_computed_on_the_order_and_split_over_the_lines(self, program, member):
        """150 + 150 RUB earn 3 points, not 1 + 1."""
        calculation = calculate(member, line("150.00"), line("150.00"))

        assert calculation.points_earned == 3
        assert [item.points_earned for item in calculation.lines] == [2, 1]

    def test_cashback(self, program, member):
        configure(program, earn_rule=Program.EarnRule.CASHBACK, cashback_percent=Decimal("5"))

        calculation = calculate(member, line("1999.00"))

        assert calculation.points_earned == 99  # 99.95 rounded down
        assert calculation.effects[-1].description == "5% back in points"

    def test_cashback_with_a_point_worth_half_a_rouble(self, program, member):
        configure(
            program, earn_rule=Program.EarnRule.CASHBACK, cashback_percent=Decimal("10"), point_value=Decimal("0.5")
        )

        assert calculate(member, line("1000.00")).points_earned == 200

    def test_rounding_follows_the_program(self, program, member):
        configure(program, rounding=Program.Rounding.HALF_UP)

        assert calculate(member, line("1950.00")).points_earned == 20

    def test_an_order_below_the_minimum_earns_nothing(self, program, member):
        configure(program, min_earning_order_amount=Decimal("1000"))

        assert calculate(member, line("999.99")).points_earned == 0
        assert calculate(member, line("600.00"), line("400.00")).points_earned == 10

    def test_shipping_earns_only_when_the_program_says_so(self, program, member):
        assert calculate(member, line("1000.00"), shipping="500.00").points_earned == 10

        configure(program, shipping_earns=True)

        assert calculate(member, line("1000.00"), shipping="500.00").points_earned == 15

    def test_points_paid_with_do_not_earn(self, program, member):
        give_points(member, 5000)

        calculation = calculate(member, line("10000.00"), points_to_spend=3000)

        assert calculation.points_earned == 70

    def test_the_base_rule_is_named_in_the_effects(self, program, member):
        effect = calculate(member, line("1999.00")).effects[-1]

        assert effect.kind == "earning"
        assert effect.points == 19
        assert effect.source.as_dict() == {"type": "program", "id": program.pk, "name": program.name}
        assert effect.description == "1 points per 100.00 RUB"


class TestExcludedCategories:
    def test_excluded_lines_neither_earn_nor_take_points(self, program, member):
        configure(program, excluded_categories=["gift_cards"])
        give_points(member, 10000)

        calculation = calculate(
            member, line("5000.00", category="gift_cards"), line("5000.00", category="shoes"), points_to_spend=SPEND_MAX
        )

        gift_card, shoes = calculation.lines
        assert calculation.points_max == 1500  # 30% of the shoes only
        assert (gift_card.points_eligible, gift_card.points_applied, gift_card.points_earned) == (False, 0, 0)
        assert (shoes.points_applied, shoes.points_value, shoes.payable) == (1500, Decimal("1500"), Decimal("3500"))
        assert calculation.points_earned == 35
        assert calculation.payable_total == Decimal("8500.00")

    def test_an_order_of_excluded_goods_earns_nothing_even_on_shipping(self, program, member):
        configure(program, excluded_categories=["gift_cards"], shipping_earns=True)

        calculation = calculate(member, line("5000.00", category="gift_cards"), shipping="500.00")

        assert (calculation.points_max, calculation.points_earned, calculation.effects) == (0, 0, [])


class TestRedemption:
    def test_points_may_pay_at_most_the_cap(self, program, member):
        give_points(member, 5000)

        calculation = calculate(member, line("10000.00"))

        assert (calculation.points_max, calculation.points_max_value) == (3000, Decimal("3000.00"))
        assert (calculation.points_to_spend, calculation.points_value) == (0, Decimal(0))
        assert calculation.payable_total == Decimal("10000.00")

    def test_max_spends_the_cap(self, program, member):
        give_points(member, 5000)

        calculation = calculate(member, line("10000.00"), shipping="300.00", points_to_spend=SPEND_MAX)

        assert (calculation.points_to_spend, calculation.points_value) == (3000, Decimal("3000"))
        assert calculation.payable_total == Decimal("7300.00")
        redemption = calculation.effects[0]
        assert (redemption.kind, redemption.points, redemption.amount) == ("redemption", 3000, Decimal("3000"))
        assert redemption.description == "3000 points pay 3000.00 RUB"

    def test_max_with_a_small_balance_spends_the_balance(self, program, member):
        give_points(member, 120)

        calculation = calculate(member, line("10000.00"), points_to_spend=SPEND_MAX)

        assert (calculation.points_max, calculation.points_to_spend) == (120, 120)

    def test_max_below_the_minimum_spends_nothing(self, program, member):
        configure(program, min_redemption_points=500)
        give_points(member, 120)

        calculation = calculate(member, line("10000.00"), points_to_spend=SPEND_MAX)

        assert (calculation.points_max, calculation.points_to_spend) == (0, 0)

    def test_a_negative_balance_gives_nothing_to_spend(self, program, member):
        give_points(member, 100)
        member.points_account.available = -50
        member.points_account.debt = 50
        member.points_account.save()

        assert calculate(member, line("10000.00"), points_to_spend=SPEND_MAX).points_to_spend == 0

    def test_shipping_is_not_paid_with_points(self, program, member):
        configure(program, redemption_cap_percent=Decimal("100"))
        give_points(member, 1000)

        calculation = calculate(member, line("100.00"), shipping="500.00", points_to_spend=SPEND_MAX)

        assert calculation.points_to_spend == 100
        assert calculation.payable_total == Decimal("500.00")

    def test_the_point_value_converts_the_cap(self, program, member):
        configure(program, point_value=Decimal("0.5"))
        give_points(member, 5000)

        calculation = calculate(member, line("1000.00"), points_to_spend=SPEND_MAX)

        assert (calculation.points_to_spend, calculation.points_value) == (600, Decimal("300.00"))

    def test_a_point_is_never_split_between_lines(self, program, member):
        """Two lines of 0.50 cannot take a point worth 1 RUB, though together they could."""
        configure(program, redemption_cap_percent=Decimal("100"))
        give_points(member, 100)

        calculation = calculate(member, line("0.50"), line("0.50"), points_to_spend=SPEND_MAX)

        assert calculation.points_max == 0

    def test_an_explicit_number_within_the_limits_is_spent_and_split_by_amount(self, program, member):
        give_points(member, 5000)

        calculation = calculate(member, line("2000.00"), line("1000.00"), points_to_spend=301)

        assert [item.points_applied for item in calculation.lines] == [201, 100]
        assert [item.payable for item in calculation.lines] == [Decimal("1799.00"), Decimal("900.00")]

    def test_more_than_the_cap_is_refused(self, program, member):
        give_points(member, 5000)

        with pytest.raises(RedemptionCapExceeded) as caught:
            calculate(member, line("10000.00"), points_to_spend=3001)
        assert caught.value.details == {"points_max": 3000, "requested": 3001}

    def test_more_than_the_balance_is_refused(self, program, member):
        give_points(member, 100)

        with pytest.raises(InsufficientPoints) as caught:
            calculate(member, line("10000.00"), points_to_spend=101)
        assert caught.value.details == {"available": 100, "requested": 101}

    def test_less_than_the_minimum_is_refused(self, program, member):
        configure(program, min_redemption_points=500)
        give_points(member, 5000)

        with pytest.raises(BelowMinimumRedemption):
            calculate(member, line("10000.00"), points_to_spend=499)
        assert calculate(member, line("10000.00"), points_to_spend=500).points_to_spend == 500

    def test_a_blocked_member_cannot_pay_with_points(self, program, member):
        give_points(member, 5000)
        member.status = Member.Status.BLOCKED

        with pytest.raises(MemberNotActive):
            calculate(member, line("10000.00"), points_to_spend=100)
        assert calculate(member, line("10000.00"), points_to_spend=SPEND_MAX).points_max == 0


class TestGuest:
    def test_a_guest_earns_nothing_but_sees_what_joining_would_earn(self, program):
        calculation = calculate(None, line("1999.00"))

        assert (calculation.points_earned, calculation.points_earned_if_joined) == (0, 19)
        data = calculation.as_dict()
        assert (data["points_earned"], data["points_earned_if_joined"]) == (0, 19)
        assert (data["lines"][0]["points_earned"], data["lines"][0]["points_earned_if_joined"]) == (0, 19)

    def test_a_guest_asking_for_points_is_refused(self, program):
        with pytest.raises(MemberRequired):
            calculate(None, line("1999.00"), points_to_spend=10)

    def test_max_for_a_guest_is_nothing(self, program):
        calculation = calculate(None, line("1999.00"), points_to_spend=SPEND_MAX)

        assert (calculation.points_max, calculation.points_to_spend) == (0, 0)


class TestCoupons:
    def test_codes_that_no_app_claims_are_refused_as_unknown(self, program, member):
        calculation = calculate(member, line("1000.00"), coupon_codes=["SPRING", "GIFT-42"])

        assert calculation.as_dict()["coupons"] == {
            "applied": [],
            "refused": [
                {"code": "SPRING", "reason": "unknown_coupon", "message": "There is no such coupon."},
                {"code": "GIFT-42", "reason": "unknown_coupon", "message": "There is no such coupon."},
            ],
        }
        assert calculation.payable_total == Decimal("1000.00")


def test_a_cart_in_another_currency_is_refused(program, member):
    cart = make_cart(member, line("100.00"), currency="EUR")

    with pytest.raises(CurrencyMismatch) as caught:
        checkout_calculate(cart=cart)
    assert caught.value.details == {"currency": "EUR", "program_currency": "RUB"}


def test_the_answer_as_json_ready_data(program, member):
    give_points(member, 1000)

    data = calculate(
        member,
        line("1999.90", quantity=2, id="shoes"),
        line("150", id="socks"),
        shipping="300",
        points_to_spend=SPEND_MAX,
    ).as_dict()

    assert data == {
        "currency": "RUB",
        "lines": [
            {
                "id": "shoes",
                "sku": "SKU-1999.90",
                "category": "",
                "quantity": 2,
                "unit_price": "1999.90",
                "subtotal": "3999.80",
                "discount": "0.00",
                "amount": "3999.80",
                "points_eligible": True,
                "points_applied": 964,
                "points_value": "964.00",
                "payable": "3035.80",
                "points_earned": 30,
                "points_earned_if_joined": None,
            },
            {
                "id": "socks",
                "sku": "SKU-150",
                "category": "",
                "quantity": 1,
                "unit_price": "150.00",
                "subtotal": "150.00",
                "discount": "0.00",
                "amount": "150.00",
                "points_eligible": True,
                "points_applied": 36,
                "points_value": "36.00",
                "payable": "114.00",
                "points_earned": 1,
                "points_earned_if_joined": None,
            },
        ],
        "subtotal": "4149.80",
        "discount_total": "0.00",
        "shipping": "300.00",
        "shipping_discount": "0.00",
        "points_max": 1000,
        "points_max_value": "1000.00",
        "points_to_spend": 1000,
        "points_value": "1000.00",
        "payable_total": "3449.80",
        "points_earned": 31,
        "points_earned_if_joined": None,
        "effects": [
            {
                "kind": "redemption",
                "amount": "1000.00",
                "points": 1000,
                "lines": [
                    {"id": "shoes", "amount": "964.00", "points": 964},
                    {"id": "socks", "amount": "36.00", "points": 36},
                ],
                "source": {"type": "program", "id": program.pk, "name": program.name},
                "description": "1000 points pay 1000.00 RUB",
            },
            {
                "kind": "earning",
                "amount": None,
                "points": 31,
                "lines": [{"id": "shoes", "points": 30, "amount": None}, {"id": "socks", "points": 1, "amount": None}],
                "source": {"type": "program", "id": program.pk, "name": program.name},
                "description": "1 points per 100.00 RUB",
            },
        ],
        "coupons": {"applied": [], "refused": []},
    }
