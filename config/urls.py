from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cabinet:dashboard", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("loyalty.api.urls")),
    path("api/v1/", include("rewards.api.urls")),
    # The shopper's personal cabinet: the shell (members), points (loyalty), tiers and rewards (rewards).
    path("account/", include("members.cabinet.urls")),
    path("account/", include("loyalty.cabinet.urls")),
    path("account/", include("rewards.cabinet.urls")),
    # The language switch (POST, works without JavaScript).
    path("i18n/", include("django.conf.urls.i18n")),
    # Uploaded files (reward images) in development and the demo; it adds
    # nothing unless DEBUG is on. In production the web server in front serves
    # MEDIA_ROOT at MEDIA_URL (docs/operations.md).
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

# Under /api/ the error pages answer in the API's JSON error format.
handler404 = "loyalty.api.errors.not_found"
handler500 = "loyalty.api.errors.server_error"
