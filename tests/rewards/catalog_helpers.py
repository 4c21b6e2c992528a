"""Rewards and carts for the catalog and coupon tests."""

from decimal import Decimal

from loyalty.services import ledger
from rewards.models import Reward


def make_reward(**fields):
    values = {
        "kind": Reward.Kind.FIXED_AMOUNT,
        "name_en": "500 RUB off",
        "name_ru": "Скидка 500 ₽",
        "cost_points": 100,
        "amount": Decimal("500.00"),
    }
    values.update(fields)
    return Reward.objects.create(**values)


def give_points(member, points):
    ledger.points_earn(member=member, points=points, pending=False)


def cart_data(*lines, codes=(), shipping="300.00", **fields):
    lines = lines or ({"id": "a", "sku": "A", "quantity": 2, "unit_price": "1500.00"},)
    return {"currency": "RUB", "lines": list(lines), "shipping": shipping, "coupon_codes": list(codes), **fields}
