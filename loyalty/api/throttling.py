"""Requests per API key, counted in Django's cache (Redis in production)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """At most API_THROTTLE_RATE requests per key and window ("6000/min").

    DRF's own throttles keep the timestamp of every request of the window in
    one cache value, so each request reads and writes a list as long as the
    rate allows: thousands of entries at the rates a storefront needs. This
    one counts in fixed windows with one atomic increment per request. The
    price is that a client may send up to twice the rate across the boundary
    of two windows, which is harmless for protecting the service.
    """

    scope = "api_key"
    cache_format = "throttle:%(scope)s:%(ident)s:%(window)d"

    def get_rate(self):
        # Read on every request rather than at import, so a changed setting
        # applies; an empty rate turns throttling off.
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        self.window = int(self.timer() // self.duration)
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix, "window": self.window}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            count = self.cache.incr(key)
        except ValueError:  # the first request of the window
            count = 1 if self.cache.add(key, 1, timeout=self.duration) else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self):
        """Seconds until the current window ends."""
        return (self.window + 1) * self.duration - self.timer()
