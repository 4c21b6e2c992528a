"""Random carts priced with random program settings: the lines always add up
to the order, to the point and to the kopeck, and no line is overpaid.

The program, the member and the account live in memory only: a calculation
that is given them reads nothing, and this test has no database to read.
"""

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.checkout import SPEND_MAX, Cart, CartLine, Source, SourceType, Stage, checkout_calculate, checkout_pipeline
from loyalty.models import Account, Program
from loyalty.rules import money_for_points
from members.models import Member

CATEGORIES = ["shoes", "socks", "gift_cards", ""]
SALE = Source(type=SourceType.CAMPAIGN, id=1, name="Sale")

cart_lines = st.lists(
    st.builds(
        lambda quantity, cents, category: (quantity, Decimal(cents).scaleb(-2), category),
        st.integers(min_value=1, max_value=20),
        st.integers(min_value=0, max_value=5_000_000),
        st.sampled_from(CATEGORIES),
    ),
    min_size=1,
    max_size=40,
)
programs = st.builds(
    Program,
    point_value=st.sampled_from([Decimal("0.01"), Decimal("0.5"), Decimal("1"), Decimal("3"), Decimal("0.3333")]),
    earn_rule=st.sampled_from(Program.EarnRule.values),
    earn_step=st.sampled_from([Decimal("1"), Decimal("100"), Decimal("33.33")]),
    earn_points=st.integers(min_value=1, max_value=10),
    cashback_percent=st.sampled_from([Decimal("0"), Decimal("3.5"), Decimal("10")]),
    rounding=st.sampled_from(Program.Rounding.values),
    redemption_cap_percent=st.sampled_from([Decimal("0"), Decimal("30"), Decimal("99.99"), Decimal("100")]),
    min_redemption_points=st.sampled_from([0, 100]),
    shipping_earns=st.booleans(),
    excluded_categories=st.sampled_from([[], ["gift_cards"]]),
)


def assert_lines_add_up(calculation, program, balance):
    spent = calculation.points_to_spend
    assert spent <= (0 if calculation.member is None else balance)
    assert spent == 0 or spent >= program.min_redemption_points
    assert sum(line.points_applied for line in calculation.lines) == spent
    assert calculation.points_value == money_for_points(spent, program)
    assert sum(line.points_value for line in calculation.lines) == calculation.points_value
    assert calculation.points_value <= calculation.eligible_amount * program.redemption_cap_percent / 100
    for line in calculation.lines:
        assert 0 <= line.payable <= line.amount <= line.subtotal
        # The order's points value is split over the lines in proportion to
        # their points: each gets its share, rounded to the kopeck.
        if spent:
            assert line.points_value <= calculation.points_value * line.points_applied / spent + Decimal("0.01")
        if not line.points_eligible:
            assert (line.points_applied, line.points_earned) == (0, 0)
    earned = sum(line.points_earned for line in calculation.lines)
    earning_effects = [effect for effect in calculation.effects if effect.kind == "earning"]
    assert earned == calculation.points_earned_total == sum(effect.points for effect in earning_effects)
    assert calculation.points_earned == (0 if calculation.member is None else earned)
    assert calculation.payable_total == (
        calculation.subtotal - calculation.discount_total - calculation.points_value + calculation.shipping
    )
    data = calculation.as_dict()
    assert sum(Decimal(line["payable"]) for line in data["lines"]) + Decimal(data["shipping"]) == Decimal(
        data["payable_total"]
    )


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    program=programs,
    lines=cart_lines,
    shipping_cents=st.integers(min_value=0, max_value=100_000),
    discount_percent=st.sampled_from([0, 7, 50, 100]),
    balance=st.integers(min_value=0, max_value=10**6),
    is_guest=st.booleans(),
)
def test_lines_add_up_to_the_order(data, program, lines, shipping_cents, discount_percent, balance, is_guest):
    member = None if is_guest else Member()
    cart = Cart(
        member=member,
        currency="RUB",
        lines=tuple(
            CartLine(id=str(index), sku=f"SKU-{index}", category=category, quantity=quantity, unit_price=price)
            for index, (quantity, price, category) in enumerate(lines)
        ),
        shipping=Decimal(shipping_cents).scaleb(-2),
        points_to_spend=SPEND_MAX,
    )
    account = None if is_guest else Account(member=member, available=balance)

    def order_discount(calculation):
        amount = calculation.subtotal * discount_percent / 100
        calculation.discount_order(amount, source=SALE, description="Sale")

    checkout_pipeline.register(order_discount, name="tests.order_discount", stage=Stage.DISCOUNTS, order=100)
    try:
        calculation = checkout_calculate(cart=cart, program=program, account=account)
        assert_lines_add_up(calculation, program, balance)

        if calculation.points_max:
            points = data.draw(st.integers(min_value=program.min_redemption_points, max_value=calculation.points_max))
            explicit = checkout_calculate(cart=replace(cart, points_to_spend=points), program=program, account=account)
            assert explicit.points_to_spend == points
            assert_lines_add_up(explicit, program, balance)
    finally:
        checkout_pipeline.unregister("tests.order_discount")
