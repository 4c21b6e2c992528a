"""Headers and the time zone of the personal cabinet's pages.

Pages under /account/ show dates in the program's time zone, must never be
kept by a shared cache (they are personal), and get a strict Content Security
Policy: everything comes from this site (no CDN), no inline script or style.
"""

import zoneinfo

from django.conf import settings
from django.utils import timezone

from .registry import cabinet

DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class CabinetMiddleware:
    prefix = "/account/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        zone = cabinet.settings().time_zone
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        response.setdefault(
            "Content-Security-Policy", getattr(settings, "CABINET_CONTENT_SECURITY_POLICY", DEFAULT_CSP)
        )
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
