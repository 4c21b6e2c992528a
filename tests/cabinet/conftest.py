from tests.cabinet_support import _fresh_cache, other_shopper, shopper, shopper_client  # noqa: F401
