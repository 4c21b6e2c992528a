import pytest
from django.core.cache import cache

from loyalty.services.storefronts import api_key_create

from .helpers import client_for


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttling counts live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key(storefront):
    """The storefront's API key itself, as the storefront sends it."""
    return api_key_create(storefront=storefront, name="Checkout service")[1]


@pytest.fixture
def api(key):
    return client_for(key)
