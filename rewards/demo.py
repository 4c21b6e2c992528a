"""The demo's rewards catalog, added when ``manage.py load_demo`` has built
the program (loyalty's ``demo_loaded`` signal; loyalty never imports rewards)."""

import contextlib
import datetime
from decimal import Decimal

from django.utils import timezone

from loyalty.exceptions import DomainError

from .catalog.services import reward_redeem
from .models import Reward, Tier
from .services import tiers_reevaluate

DEMO_REWARDS = [
    {
        "kind": Reward.Kind.FIXED_AMOUNT,
        "name_en": "300 RUB off your order",
        "name_ru": "Скидка 300 ₽ на заказ",
        "description_en": "A coupon for 300 RUB off an order from 1,500 RUB.",
        "description_ru": "Купон на скидку 300 ₽ на заказ от 1 500 ₽.",
        "amount": Decimal("300"),
        "min_order_amount": Decimal("1500"),
        "cost_points": 300,
    },
    {
        "kind": Reward.Kind.FREE_SHIPPING,
        "name_en": "Free shipping",
        "name_ru": "Бесплатная доставка",
        "description_en": "Shipping of one order is on us.",
        "description_ru": "Доставка одного заказа за наш счёт.",
        "cost_points": 150,
    },
    {
        "kind": Reward.Kind.PERCENT,
        "name_en": "10% off everything",
        "name_ru": "Скидка 10% на всё",
        "description_en": "A coupon for 10% off every line of one order.",
        "description_ru": "Купон на скидку 10% на все товары одного заказа.",
        "percent": Decimal("10"),
        "cost_points": 800,
    },
    {
        "kind": Reward.Kind.GIFT_PRODUCT,
        "name_en": "A gift book",
        "name_ru": "Книга в подарок",
        "description_en": "Add the book BOO-0710 to the cart and get it free.",
        "description_ru": "Добавьте в корзину книгу BOO-0710 и получите её бесплатно.",
        "gift_sku": "BOO-0710",
        "cost_points": 1500,
        "stock": 20,
    },
]


def add_demo_rewards(sender, *, cabinet_member, now=None, **kwargs):
    now = now or timezone.now()
    # Place every member in their tier, as the nightly job would have.
    tiers_reevaluate(now=now)
    silver = Tier.objects.filter(code="silver").first()
    rewards = []
    for fields in DEMO_REWARDS:
        reward, _created = Reward.objects.get_or_create(
            name_en=fields["name_en"], defaults={**fields, "created_at": now - datetime.timedelta(days=60)}
        )
        rewards.append(reward)
    if silver is not None:
        Reward.objects.get_or_create(
            name_en="Early access to the sale",
            defaults={
                "kind": Reward.Kind.EXCLUSIVE_ACCESS,
                "name_ru": "Ранний доступ к распродаже",
                "cost_points": 200,
                "min_tier": silver,
            },
        )
    # The demo member already holds a coupon, so "my coupons" is not empty.
    with contextlib.suppress(DomainError):
        reward_redeem(member=cabinet_member, reward=rewards[1], now=now - datetime.timedelta(hours=1))
