from decimal import Decimal

from rewards.models import Reward


def make_reward(**fields):
    defaults = {
        "kind": Reward.Kind.FIXED_AMOUNT,
        "name_en": "500 RUB off",
        "name_ru": "Скидка 500 ₽",
        "amount": Decimal("500"),
        "cost_points": 500,
    }
    return Reward.objects.create(**{**defaults, **fields})
