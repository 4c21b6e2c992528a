import datetime

import pytest
from django.core.cache import cache

from loyalty.checkout import cart_from_data
from loyalty.services.orders import order_complete, order_place, order_return
from loyalty.services.storefronts import api_key_create
from rewards.models import Tier, TierProgram
from rewards.selectors import tier_program_for_change

from ..api.helpers import client_for

_numbers = iter(range(1, 10**9))


@pytest.fixture
def api(storefront):
    """A storefront's API client, with no throttling counts left from other tests."""
    cache.clear()
    return client_for(api_key_create(storefront=storefront, name="Storefront")[1])


@pytest.fixture
def tier_settings(program):
    """The demo's settings: qualifying points over the lifetime, downgraded at
    the end of the period."""
    settings = tier_program_for_change()
    settings.basis = TierProgram.Basis.POINTS
    settings.window = TierProgram.Window.LIFETIME
    settings.downgrade_policy = TierProgram.DowngradePolicy.PERIOD_END
    settings.save()
    return settings


@pytest.fixture
def tiers(tier_settings):
    """The demo tiers the data migration created, by code."""
    return {tier.code: tier for tier in Tier.objects.all()}


@pytest.fixture
def buy(storefront):
    """Place and complete an order of one line for ``member`` at ``now``: at
    1 point per 100 RUB, ``amount`` RUB earn amount / 100 points."""

    def buy(member, amount, now, **fields):
        number = f"T-{next(_numbers)}"
        cart = cart_from_data(
            {"currency": "RUB", "lines": [{"sku": "SKU", "quantity": 1, "unit_price": str(amount)}], **fields},
            member=member,
        )
        order = order_place(storefront=storefront, number=number, cart=cart, now=now)[0]
        return order_complete(order=order, now=now)

    return buy


@pytest.fixture
def give_back(storefront):
    def give_back(order, now):
        return order_return(order=order, number=f"R-{next(_numbers)}", full=True, now=now)[0]

    return give_back


def moscow(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))
